#!/usr/bin/env bash
# Sets Lumen up for development and tests on a fresh machine: system packages (Debian/Ubuntu, when run
# as root or with sudo) and npm dependencies. Run from anywhere: scripts/setup.sh
#
# Two npm install scripts download from hosts outside the npm registry: electron (its binary, from
# GitHub) and onnxruntime-node (CUDA libraries, from NuGet). Where those hosts answer, they run as usual;
# where they do not (offline CI, firewalled machines) they are skipped and everything else still works:
# tests and the CLI need neither (onnxruntime's CPU and WebGPU providers ship inside the npm package).
set -euo pipefail
cd "$(dirname "$0")/.."

# exiftool is the tests' independent reader of metadata; the KDE wallpapers are real photos with real
# (and junk) metadata for the caption rules' tests.
DEBIAN_PACKAGES=(python3 make g++ chromium libimage-exiftool-perl plasma-workspace-wallpapers)

if command -v apt-get >/dev/null 2>&1; then
  missing=()
  for p in "${DEBIAN_PACKAGES[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  if [ ${#missing[@]} -gt 0 ]; then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    echo "setup: installing Debian packages: ${missing[*]}"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
  fi
else
  echo "setup: not a Debian-like system; install ${DEBIAN_PACKAGES[*]} (or equivalents) yourself"
fi

reachable() {
  node -e "fetch(process.argv[1], { method: 'HEAD', signal: AbortSignal.timeout(5000) }).then(() => process.exit(0), () => process.exit(1))" "$1"
}

if ! reachable https://api.nuget.org/v3/index.json; then
  echo "setup: api.nuget.org unreachable: skipping onnxruntime-node's CUDA download (CPU and WebGPU still work)"
  export ONNXRUNTIME_NODE_INSTALL=skip
fi
if ! reachable https://github.com; then
  echo "setup: github.com unreachable: skipping the Electron binary download (tests and the CLI do not need it)"
  export ELECTRON_SKIP_BINARY_DOWNLOAD=1
fi

npm ci
echo "setup: done. Run the tests with: npm test"
