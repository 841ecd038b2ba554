#!/usr/bin/env bash
# Installs and starts what callbridge's build and tests need on a fresh machine of our kind
# (Debian 12, root, package registries only). Idempotent: what is present costs nothing, and
# apt is only consulted when something is missing. Usage: scripts/setup.sh [run|test]
set -euo pipefail
mode="${1:-test}"
here="$(cd "$(dirname "$0")" && pwd)"
tools="${CALLBRIDGE_TOOLS_DIR:-$HOME/.cache/callbridge}"

# Debian packages. `run` needs only what the server links or starts with; `test` adds the
# independent peers and tools the suite drives, and PostgreSQL for the store's second backend.
run_pkgs=()
test_pkgs=(espeak-ng sox postgresql postgresql-client)

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null; then sudo="sudo"; fi
fi

apt_install() {
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "setup: installing ${missing[*]}"
  if [ "$(id -u)" -ne 0 ] && [ -z "$sudo" ]; then
    echo "setup: need root (or sudo) to install: ${missing[*]}" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  # Another apt may hold the lock (unattended upgrades, a parallel job): wait for it.
  $sudo apt-get -o DPkg::Lock::Timeout=600 update -qq
  $sudo apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}"
}

command -v cargo >/dev/null || { echo "setup: cargo not found; install Rust (rustup) first" >&2; exit 1; }

if [ "$mode" = run ]; then
  [ ${#run_pkgs[@]} -eq 0 ] || apt_install "${run_pkgs[@]}"
  exit 0
fi

apt_install "${test_pkgs[@]}"
"$here/setup-postgres.sh"

# schemathesis (PyPI) in a private virtualenv, for the OpenAPI fuzz test.
venv="$tools/venv"
if ! "$venv/bin/schemathesis" --version >/dev/null 2>&1; then
  echo "setup: installing schemathesis into $venv"
  mkdir -p "$tools"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check "schemathesis==4.32.5"
fi
