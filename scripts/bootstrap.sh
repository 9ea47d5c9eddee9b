#!/usr/bin/env bash
# Makes sure the few system pieces the virtualenv cannot bring are present:
# Python 3.11+ with venv, and libmagic (python-magic's library). Installs them from
# Debian when missing and allowed (root, or sudo), else says exactly what is missing.
set -euo pipefail
PYTHON=${PYTHON:-python3}

missing=()
if ! command -v "$PYTHON" >/dev/null 2>&1; then
  echo "bootstrap: $PYTHON not found; install Python 3.11 or newer." >&2
  exit 1
fi
if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
  echo "bootstrap: Python 3.11 or newer is required ($("$PYTHON" --version))." >&2
  exit 1
fi
"$PYTHON" -c 'import venv, ensurepip' >/dev/null 2>&1 || missing+=(python3-venv)
if ! ldconfig -p 2>/dev/null | grep -q 'libmagic\.so\.1'; then
  missing+=(libmagic1)
fi
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
  SUDO=""
elif command -v sudo >/dev/null 2>&1; then
  SUDO="sudo"
else
  echo "bootstrap: please install these Debian packages: ${missing[*]}" >&2
  exit 1
fi
echo "bootstrap: installing ${missing[*]} from Debian"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
