#!/usr/bin/env bash
# Install the system tools the test suite runs for real, when they are missing (idempotent):
#   git             the source controller's Git client, and the loopback http-backend server
#   openssh-server  sshd for the loopback SSH Git server (tests/gitserver/sshserver.py)
#   openssh-client  ssh / ssh-keygen used by git over SSH (and SSH commit signatures)
#   gnupg           gpg for OpenPGP commit/tag signature verification (spec.verify)
set -euo pipefail

missing=()
command -v git >/dev/null 2>&1 || missing+=(git)
{ command -v sshd >/dev/null 2>&1 || [ -x /usr/sbin/sshd ]; } || missing+=(openssh-server)
command -v ssh-keygen >/dev/null 2>&1 || missing+=(openssh-client)
command -v gpg >/dev/null 2>&1 || missing+=(gnupg)

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "installing system packages: ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "✗ need root (or sudo) to install: ${missing[*]}" >&2
    exit 1
  fi
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "✗ no apt-get: install ${missing[*]} with your package manager" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "✔ installed: ${missing[*]}"
