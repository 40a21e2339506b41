#!/usr/bin/env bash
# Cross-builds huibao-agent.exe for Windows (x64) into
# ${BUILD_DIR:-build-win64}/agents/huibao-agent.exe: mingw-w64, the libraries
# of deploy/cross/win64-deps.sh (Debian 12's source packages, cached in
# /var/cache/huibao-cross/mingw64), one static .exe. Extra arguments go to
# cmake's configure step. docs/platforms.md says how and why.
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD_DIR=${BUILD_DIR:-build-win64}
pcdirs=$(./deploy/cross/win64-deps.sh)
PKG_CONFIG_LIBDIR=$(echo "$pcdirs" | paste -sd:)
export PKG_CONFIG_LIBDIR
export PKG_CONFIG_PATH=
cmake -S . -B "$BUILD_DIR" -DCMAKE_TOOLCHAIN_FILE="$PWD/cmake/toolchain-x86_64-w64-mingw32.cmake" \
  -DCMAKE_BUILD_TYPE=Release -DHUIBAO_AGENT_ONLY=ON -DBUILD_TESTING=OFF -DHUIBAO_WERROR=ON \
  "$@" >/dev/null
cmake --build "$BUILD_DIR" -j"$(nproc)" --target huibao-agent
# A helper of the Windows test (tests/integration/test_windows.py): holds a
# file open as Excel does. Never shipped.
x86_64-w64-mingw32-gcc -O2 -municode -static -o "$BUILD_DIR/hb-lock-file.exe" \
  tests/tools/win_lock_file.c
