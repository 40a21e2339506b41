#!/usr/bin/env bash
# Benchmarks: installs what they need, builds Release in its own folder,
# prints one table (see docs/performance.md).
#   ./bench/run.sh            the full run (< 10 minutes on 2 cores, then the two below)
#   ./bench/run.sh --smoke    tiny counts, one repetition (< 2 minutes): checks it still works
#   ./bench/run.sh --reps N   repetitions (default 5)
#   ./bench/run.sh --out FILE also writes the table to FILE; --keep keeps the work folder
#   Issue 17's ones run after it (about 5, 8 and 15 minutes at full size):
#   --no-idle                 skips bench/idle_bytes.py (bytes idle and per one-row edit, on
#                             the wire: nftables in a network namespace as root, else ss)
#   --no-province             skips bench/province.py (100 counties, 10 cities, a province)
#   --province-counties N     its number of counties (default 100)
#   --no-poorlink             skips bench/poorlink.py (256 kbit/s, 300 ms RTT, 2 % loss;
#                             root: network namespaces, nft and hb-netem-queue)
# BENCH_BUILD_DIR (default build-bench) and BENCH_BUILD_TYPE (default Release)
# choose the build; ./deploy/test.sh smoke-runs it in its own build folder.
set -euo pipefail
cd "$(dirname "$0")/.."
./deploy/deps.sh --bench --no-heavy

BUILD="${BENCH_BUILD_DIR:-build-bench}"
echo "== build (${BENCH_BUILD_TYPE:-Release}, -DHUIBAO_BENCH=ON) in $BUILD" >&2
cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE="${BENCH_BUILD_TYPE:-Release}" -DHUIBAO_BENCH=ON >/dev/null
cmake --build "$BUILD" -j"$(nproc)" --target huibao-aggregator huibao-agent huibao-sub \
  huibao-keygen bench-limit bench-loadgen bench-redis bench-mqtt bench-merge >/dev/null
# the poor link's queue program exists where libnetfilter-queue-dev is (poorlink.py says so)
cmake --build "$BUILD" -j"$(nproc)" --target hb-netem-queue >/dev/null 2>&1 || true
exec python3 bench/bench.py --build "$BUILD" "$@"
