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
# CMake keeps what pkg-config said: another set of libraries (a new Debian
# version) needs a fresh configuration.
mkdir -p "$BUILD_DIR"
stamp=$(for d in $pcdirs; do echo "$d" && cat "$d"/*.pc; done | sha256sum)
if [ "$(cat "$BUILD_DIR/.win64-deps" 2>/dev/null)" != "$stamp" ]; then
  rm -f "$BUILD_DIR/CMakeCache.txt"
  echo "$stamp" >"$BUILD_DIR/.win64-deps"
fi
# zlib last on the link line (libzip and libxlsxwriter both need it, and a
# static library is searched once, where it stands)
zlib=$(for d in $pcdirs; do if [ -f "$d/zlib.pc" ]; then echo "${d%/pkgconfig}/libz.a"; fi; done)
cmake -S . -B "$BUILD_DIR" -DCMAKE_TOOLCHAIN_FILE="$PWD/cmake/toolchain-x86_64-w64-mingw32.cmake" \
  -DCMAKE_BUILD_TYPE=Release -DHUIBAO_AGENT_ONLY=ON -DBUILD_TESTING=OFF -DHUIBAO_WERROR=ON \
  -DCMAKE_C_STANDARD_LIBRARIES="$zlib -lws2_32 -liphlpapi -lkernel32 -luser32 -lshell32 -ladvapi32" \
  "$@" >/dev/null
cmake --build "$BUILD_DIR" -j"$(nproc)" --target huibao-agent
# A helper of the Windows test (tests/integration/test_windows.py): holds a
# file open as Excel does. Never shipped.
x86_64-w64-mingw32-gcc -O2 -municode -static -o "$BUILD_DIR/hb-lock-file.exe" \
  tests/tools/win_lock_file.c
