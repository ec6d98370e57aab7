# Storyteller in a container: `docker build -t storyteller .` then see docs/deployment.md.
#
# The build stage installs the project and its `fetch` extra into a virtualenv; the final stage
# is the same slim Python with that virtualenv, the shipped stories and a non-root user (uid 10001).
# PYTHON_IMAGE is the Python the test suite runs on; any 3.11+ slim image works.
ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
WORKDIR /src
# pyproject.toml names README.md as the package's description: it is part of the build.
COPY pyproject.toml README.md ./
COPY bot ./bot
RUN /opt/venv/bin/pip install '.[fetch]' \
    && /opt/venv/bin/pip uninstall --yes pip setuptools

FROM ${PYTHON_IMAGE}
ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PATH=/opt/venv/bin:$PATH
RUN groupadd --gid 10001 storyteller \
    && useradd --uid 10001 --gid 10001 --create-home --shell /usr/sbin/nologin storyteller
COPY --from=build /opt/venv /opt/venv
WORKDIR /app
# The shipped stories, so the image runs as it is; mount your library over /app/stories.
COPY stories ./stories
# The database (DATABASE_PATH defaults to data/storyteller.db) and the heartbeat live here.
RUN mkdir data && chown 10001:10001 data
VOLUME /app/data
USER 10001:10001
# Healthy while the bot is connected to Discord: it touches data/storyteller.heartbeat every 30 s
# while its gateway connection is up, and this passes while that file is under 2 minutes old.
# No Discord request is made. The start period covers the import, the login and the command sync.
HEALTHCHECK --interval=30s --timeout=10s --start-period=2m --retries=3 \
    CMD ["python", "-m", "bot", "check", "--health"]
ENTRYPOINT ["python", "-m", "bot"]
