#!/usr/bin/env bash
# The test command: installs what is missing, builds with -Werror, runs
# every test (unit, integration), a smoke run of every fuzz target, then the
# same suite under AddressSanitizer + UndefinedBehaviorSanitizer. The agents
# for other platforms (arm64, Windows) are cross-built first, so that their
# tests (integration.arm64, ...) run against the amd64 county in the suite.
#   ./deploy/test.sh            everything
#   ./deploy/test.sh --quick    the plain build only (no sanitizer pass)
set -euo pipefail
cd "$(dirname "$0")/.."
./deploy/deps.sh --cross

# Compiler cache: every build below (plain, cross, fuzz, sanitizers) reuses
# the objects of earlier runs on this machine, whatever folder the clone is
# in (BASEDIR makes paths relative, NOHASHDIR leaves the folder out of the
# hash). CMake takes the launcher from the environment at configure time.
if command -v ccache >/dev/null; then
  export CMAKE_C_COMPILER_LAUNCHER=ccache CMAKE_CXX_COMPILER_LAUNCHER=ccache
  export CCACHE_DIR="${CCACHE_DIR:-/var/cache/huibao-ccache}" CCACHE_BASEDIR="$PWD"
  export CCACHE_NOHASHDIR=1
fi

QUICK=0
[ "${1:-}" = "--quick" ] && QUICK=1

echo "== format (clang-format-14, .clang-format)"
./deploy/format.sh --check
echo "== build (RelWithDebInfo, -Werror)"
BUILD_DIR=build ./deploy/build.sh
echo "== cross builds and packages (docs/platforms.md)"
./deploy/cross/arm64.sh >/dev/null
./deploy/cross/win64.sh >/dev/null
DIST=build/dist ./deploy/deb.sh amd64 build >/dev/null
./deploy/cross/rootfs.sh >/dev/null # the .deb install test's Debian root (cached monthly)
echo "== tests"
(cd build && ctest --output-on-failure -j2 --timeout 600)
echo "== bench smoke (tiny counts, < 60 s; ./bench/run.sh prints the real table)"
BENCH_BUILD_DIR=build BENCH_BUILD_TYPE=RelWithDebInfo ./bench/run.sh --smoke >/dev/null

if [ $QUICK -eq 0 ]; then
  echo "== fuzz smoke (libFuzzer, 5 s per target; ./fuzz/run.sh 600 for a real run)"
  FUZZ_BUILD_DIR=build-fuzz ./fuzz/run.sh 5

  echo "== build (ASan + UBSan)"
  BUILD_DIR=build-asan ./deploy/build.sh -DCMAKE_BUILD_TYPE=Debug -DSANITIZE=address,undefined
  echo "== tests under sanitizers"
  (cd build-asan && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
     UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
     ctest --output-on-failure -j2 --timeout 900 -LE nosan)
fi
