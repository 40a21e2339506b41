#!/usr/bin/env bash
# Cross-builds the three programs (and huibao-keygen) for arm64 Linux into
# ${BUILD_DIR:-build-arm64} with Debian multiarch: the toolchain file
# cmake/toolchain-aarch64-linux-gnu.cmake, gcc-aarch64-linux-gnu and the
# :arm64 -dev packages (deploy/deps.sh --cross installs them). Nothing is
# built from source: the arm64 libraries are Debian's own binaries.
# Extra arguments go to cmake's configure step.
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD_DIR=${BUILD_DIR:-build-arm64}
cmake -S . -B "$BUILD_DIR" -DCMAKE_TOOLCHAIN_FILE="$PWD/cmake/toolchain-aarch64-linux-gnu.cmake" \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHUIBAO_WERROR=ON -DBUILD_TESTING=OFF "$@" >/dev/null
cmake --build "$BUILD_DIR" -j"$(nproc)" \
  --target huibao-agent huibao-aggregator huibao-sub huibao-keygen
