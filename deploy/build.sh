#!/usr/bin/env bash
# Configures and builds huibao into ${BUILD_DIR:-build}. Extra arguments go
# to cmake's configure step (e.g. -DSANITIZE=address,undefined).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build}
cmake -S . -B "$BUILD_DIR" -DHUIBAO_WERROR=ON "$@" >/dev/null
cmake --build "$BUILD_DIR" -j"$(nproc)"
