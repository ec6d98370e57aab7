"""A throwaway PostgreSQL cluster for tests: initdb into a temporary folder, a free port, removed afterwards.

``initdb`` and ``postgres`` refuse to run as root, and CI runs as root: the cluster then
runs as an unprivileged user (``postgres`` where the system has one, else ``nobody``).
Where no PostgreSQL binaries are found, :func:`find_binaries` says so and the tests that
need a cluster are skipped with that reason.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

_UNPRIVILEGED = ("postgres", "nobody")


def find_binaries() -> Path | None:
    """The folder holding ``initdb``, ``pg_ctl`` and ``postgres``, or None."""
    on_path = shutil.which("pg_ctl")
    candidates = [Path(on_path).resolve().parent] if on_path else []
    candidates += sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)
    for folder in candidates:
        if all((folder / name).is_file() for name in ("initdb", "pg_ctl", "postgres")):
            return folder
    return None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _run_as() -> pwd.struct_passwd | None:
    """The user the cluster runs as: None (this user) unless this user is root."""
    if os.geteuid() != 0:
        return None
    for name in _UNPRIVILEGED:
        with suppress(KeyError):
            return pwd.getpwnam(name)
    raise RuntimeError("running as root and no unprivileged user (postgres, nobody) to run PostgreSQL as")


@dataclass(frozen=True)
class Cluster:
    host: str
    port: int
    user: str
    pg_ctl: Callable[[str], None] = field(repr=False, compare=False, default=lambda action: None)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{self.user}@{self.host}:{self.port}/{database}"

    def stop(self) -> None:
        """The server goes away, as in a restart or a crash of the database host (fast shutdown)."""
        self.pg_ctl("stop")

    def start(self) -> None:
        self.pg_ctl("start")
        _wait_for(self.port)


@contextmanager
def throwaway_cluster(binaries: Path) -> Iterator[Cluster]:
    """Start a cluster on a free loopback port with trust authentication; stop and delete it afterwards."""
    account = _run_as()
    root = Path(tempfile.mkdtemp(prefix="storyteller-pg-"))
    data, sockets = root / "data", root / "run"
    sockets.mkdir()
    if account is not None:
        os.chown(root, account.pw_uid, account.pw_gid)
        os.chown(sockets, account.pw_uid, account.pw_gid)

    def demote() -> None:  # in the child, before exec: initdb and postgres refuse root
        if account is not None:
            os.setgid(account.pw_gid)
            os.setuid(account.pw_uid)

    env = {**os.environ, "LC_ALL": "C", "PGTZ": "UTC"}
    if account is not None:
        env["HOME"] = str(root)
    user = "storyteller"
    port = _free_port()

    def run(*args: str) -> None:
        subprocess.run(args, check=True, capture_output=True, preexec_fn=demote, env=env, cwd=root, timeout=120)

    run(str(binaries / "initdb"), "-D", str(data), "-U", user, "-A", "trust", "-E", "UTF8", "--no-sync")
    options = (
        f"-p {port} -k {sockets} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off "
        "-c full_page_writes=off -c max_connections=200 -c shared_buffers=64MB"
    )
    log = str(root / "log")

    def pg_ctl(action: str) -> None:
        if action == "start":
            run(str(binaries / "pg_ctl"), "-D", str(data), "-o", options, "-l", log, "-w", "-t", "60", "start")
        else:
            run(str(binaries / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop")

    try:
        pg_ctl("start")
        _wait_for(port)
        yield Cluster("127.0.0.1", port, user, pg_ctl)
    finally:
        with suppress(subprocess.SubprocessError, OSError):
            run(str(binaries / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(root, ignore_errors=True)


def _wait_for(port: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
            return
        time.sleep(0.05)
    raise RuntimeError(f"PostgreSQL did not listen on port {port} within {timeout:g} s")
