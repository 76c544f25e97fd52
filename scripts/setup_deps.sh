#!/usr/bin/env bash
# Installs the Debian packages hfx needs to build and test, when they are missing.
# Idempotent and quiet when everything is present. The CUDA toolkit is not installed
# here: hfx uses the toolkit under /usr/local/cuda when it exists (never Debian's older
# nvidia-cuda-toolkit) and builds the CPU backend alone otherwise.
set -euo pipefail

pkgs=(cmake make g++ pkg-config zlib1g-dev nlohmann-json3-dev libeigen3-dev
      libgtest-dev libgmock-dev libbenchmark-dev librsvg2-bin python3)

missing=()
for p in "${pkgs[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "hfx setup: installing ${missing[*]}" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "hfx setup: missing packages (${missing[*]}) and not root; install them with apt-get" >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
if ! $SUDO apt-get install -y --no-install-recommends "${missing[@]}" >/tmp/hfx-apt.log 2>&1; then
  $SUDO apt-get update >/tmp/hfx-apt-update.log 2>&1 || true
  $SUDO apt-get install -y --no-install-recommends "${missing[@]}" || {
    echo "hfx setup: apt-get install failed (log above)" >&2; exit 1; }
fi
