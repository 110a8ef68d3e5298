# The Tether controller image: one process running `tether controller run`
# (GitRepository + Kustomization reconcilers and the artifact server).
#
#   docker build -t ghcr.io/tether-gitops/tether:v0.1.0 .
#   tether install --image ghcr.io/tether-gitops/tether:v0.1.0
#
# Not built in CI: the development machine has no container engine. The Deployment that
# `tether install` generates runs this image as UID/GID 65534 with a read-only root
# filesystem; /data (artifacts) and /tmp are emptyDir volumes, so nothing here needs to be
# writable at run time. The git CLI and ssh client are runtime dependencies of the source
# reconciler (fetching over HTTPS and SSH).
FROM python:3.11-slim

RUN apt-get update \
    && apt-get install -y --no-install-recommends git openssh-client ca-certificates \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /build
COPY pyproject.toml README.md ./
COPY src ./src
RUN pip install --no-cache-dir --no-compile . \
    && cd / && rm -rf /build

ENV HOME=/tmp \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1

WORKDIR /
# nobody:nogroup on Debian; matches the pod's runAsUser/runAsGroup.
USER 65534:65534
EXPOSE 9090 8080 9440
ENTRYPOINT ["tether", "controller", "run"]
