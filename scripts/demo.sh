#!/usr/bin/env bash
# tapwire's main job on a built-in default: installs what is needed, builds,
# then runs the sandbox demo (network namespaces only; the host's own
# interfaces are never touched).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j "$(nproc)" >/dev/null
exec bash scripts/sandbox.sh build
