"""The container files: compose.yaml, the Dockerfile's final stage, .dockerignore, and a real build.

The files are read as Docker reads them (YAML; Dockerfile instructions with their line
continuations); the image itself is built and run only where a Docker engine answers.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT

HEALTH = ["python", "-m", "bot", "check", "--health"]


def instructions(dockerfile: Path) -> list[tuple[str, str]]:
    """The Dockerfile as (INSTRUCTION, arguments), continuation lines joined, comments dropped."""
    joined: list[str] = []
    pending = ""
    for raw in dockerfile.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        joined.append(pending + line)
        pending = ""
    assert not pending, "the Dockerfile ends inside a continued line"
    parsed = []
    for line in joined:
        keyword, _, arguments = line.partition(" ")
        parsed.append((keyword.upper(), " ".join(arguments.split())))
    return parsed


def final_stage(dockerfile: Path) -> list[tuple[str, str]]:
    parsed = instructions(dockerfile)
    last_from = max(i for i, (keyword, _) in enumerate(parsed) if keyword == "FROM")
    return parsed[last_from:]


def exec_form(arguments: str) -> list[str]:
    value = json.loads(arguments)
    assert isinstance(value, list) and all(isinstance(v, str) for v in value), arguments
    return value


def one(stage: list[tuple[str, str]], keyword: str) -> str:
    found = [arguments for k, arguments in stage if k == keyword]
    assert len(found) == 1, f"the final stage has {len(found)} {keyword} instructions, not one"
    return found[0]


@pytest.fixture(scope="module")
def stage() -> list[tuple[str, str]]:
    return final_stage(ROOT / "Dockerfile")


def test_the_final_stage_runs_the_bot_as_a_numeric_non_root_user(stage):
    user = one(stage, "USER")
    uid = user.split(":")[0]
    assert uid.isdigit() and int(uid) != 0, f"USER {user}: a numeric uid other than 0, so runAsNonRoot can check it"
    command = [*exec_form(one(stage, "ENTRYPOINT"))]
    command += [arg for k, arguments in stage if k == "CMD" for arg in exec_form(arguments)]
    assert command[:3] == ["python", "-m", "bot"], command


def test_the_final_stage_checks_health_and_keeps_its_data_in_a_volume(stage):
    healthcheck = one(stage, "HEALTHCHECK")
    options, _, command = healthcheck.partition(" CMD ")
    assert exec_form(command) == HEALTH
    assert "--interval=" in options and "--start-period=" in options
    assert one(stage, "VOLUME") in ("/app/data", '["/app/data"]')
    assert any(k == "ENV" and "PYTHONUNBUFFERED=1" in arguments.split() for k, arguments in stage)
    assert one(stage, "WORKDIR") == "/app"  # DATABASE_PATH's default data/storyteller.db lands in the volume


def test_the_build_stage_installs_the_fetch_extra():
    parsed = instructions(ROOT / "Dockerfile")
    assert sum(k == "FROM" for k, _ in parsed) == 2
    assert any(k == "RUN" and "pip install '.[fetch]'" in arguments for k, arguments in parsed)


def test_compose_runs_one_service_with_its_env_file_volume_and_healthcheck():
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))
    assert list(compose["services"]) == ["storyteller"]
    service = compose["services"]["storyteller"]
    assert service["env_file"] in (".env", [".env"])
    assert service["restart"] in ("unless-stopped", "always", "on-failure")
    assert "build" in service
    volumes = {volume.split(":")[1]: volume.split(":")[0] for volume in service["volumes"]}
    assert volumes["/app/data"] in compose["volumes"], "the data volume is a named volume declared below"
    assert service["healthcheck"]["test"] == ["CMD", *HEALTH]
    assert {"interval", "timeout", "start_period", "retries"} <= set(service["healthcheck"])


def test_dockerignore_keeps_secrets_and_state_out_of_the_build_context():
    ignored = {
        line.strip() for line in (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines() if line.strip()
    }
    assert {".git", ".venv", ".env", "data", ".pytest_cache", ".hypothesis"} <= ignored
    assert "README.md" not in ignored and "bot" not in ignored  # the build needs them


def docker_engine() -> bool:
    if shutil.which("docker") is None:
        return False
    try:
        return subprocess.run(["docker", "info"], capture_output=True, timeout=30).returncode == 0
    except subprocess.TimeoutExpired:
        return False


def test_the_image_builds_and_runs_as_non_root():
    if not docker_engine():
        pytest.skip("no Docker engine here")
    base = next(a.split("=", 1)[1] for k, a in instructions(ROOT / "Dockerfile") if k == "ARG" and "PYTHON_IMAGE=" in a)
    present = subprocess.run(["docker", "image", "inspect", base], capture_output=True, timeout=30).returncode == 0
    if not present and subprocess.run(["docker", "pull", base], capture_output=True, timeout=300).returncode != 0:
        pytest.skip(f"a Docker engine, but the base image {base} cannot be pulled here")
    tag = "storyteller:test-container"
    built = subprocess.run(["docker", "build", "-t", tag, str(ROOT)], capture_output=True, text=True, timeout=600)
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    uid = subprocess.run(["docker", "run", "--rm", "--entrypoint", "id", tag, "-u"], capture_output=True, text=True)
    assert uid.returncode == 0, uid.stderr
    assert int(uid.stdout) != 0
    version = subprocess.run(["docker", "run", "--rm", tag, "--version"], capture_output=True, text=True)
    assert version.returncode == 0 and version.stdout.startswith("storyteller "), version.stdout + version.stderr
