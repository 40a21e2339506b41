#!/usr/bin/env bash
# Builds the libFuzzer targets and runs each over a copy of its seed corpus.
#   ./fuzz/run.sh [SECONDS_PER_TARGET (default 8)] [TARGET...]
# Builds into build-fuzz (or $FUZZ_BUILD_DIR) with clang, -DHUIBAO_FUZZ=ON.
# Prints, per target, the executions, the time and any crash; exits 1 if a
# target crashed, leaked, timed out or ran out of memory. Reproducer inputs
# are left in BUILD/fuzz-work/TARGET/ (see docs/fuzzing.md).
# FUZZ_KEEP_CORPUS=1 keeps the corpus grown by earlier runs instead of
# starting again from fuzz/corpus/TARGET.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
secs=${1:-8}
shift || true
case $secs in '' | *[!0-9]*) echo "usage: $0 [SECONDS_PER_TARGET] [TARGET...]" >&2; exit 2 ;; esac
build=${FUZZ_BUILD_DIR:-$root/build-fuzz}
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(submit ledger campaigns units cert sign_key rollup xlsx template writers form delta replica log_record wire_fast)

max_len() {
  case $1 in
    submit | wire_fast) echo 16384 ;; # a few dozen records; the size caps are tested in unit.wire
    ledger) echo 16384 ;;
    rollup) echo 32768 ;;
    delta) echo 32768 ;;    # a full state, deltas and beats (issue 17)
    xlsx) echo 32768 ;;     # the stored (uncompressed) seed is 22 KB
    cert) echo 4096 ;;
    *) echo 8192 ;;
  esac
}

command -v clang >/dev/null || { echo "fuzz: clang is needed (apt-get install clang)" >&2; exit 2; }
if [ ! -f "$build/CMakeCache.txt" ]; then
  CC=clang cmake -S "$root" -B "$build" -DHUIBAO_FUZZ=ON -DBUILD_TESTING=OFF \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo >"$build.configure.log" 2>&1 ||
    { cat "$build.configure.log" >&2; exit 2; }
  rm -f "$build.configure.log"
fi
cmake --build "$build" -j"$(nproc)" --target fuzz >"$build/fuzz-build.log" 2>&1 ||
  { tail -50 "$build/fuzz-build.log" >&2; exit 2; }

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:symbolize=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
failed=0
printf '%-16s %8s %12s  %s\n' target seconds executions result
for t in "${targets[@]}"; do
  bin=$build/fuzz/fuzz_$t
  seeds=$root/fuzz/corpus/$t
  [ -x "$bin" ] && [ -d "$seeds" ] || { echo "fuzz: no target or corpus for '$t'" >&2; exit 2; }
  work=$build/fuzz-work/$t
  mkdir -p "$work"
  if [ "${FUZZ_KEEP_CORPUS:-0}" != 1 ] || [ ! -d "$work/corpus" ]; then
    rm -rf "$work/corpus"
    cp -r "$seeds" "$work/corpus"
  fi
  start=$(date +%s)
  rc=0
  "$bin" -max_total_time="$secs" -max_len="$(max_len "$t")" -rss_limit_mb=2048 -timeout=10 \
    -print_final_stats=1 -artifact_prefix="$work/" "$work/corpus" >"$work/log" 2>&1 || rc=$?
  took=$(($(date +%s) - start))
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log" | tail -1)
  if [ $rc -eq 0 ]; then
    result=ok
  else
    failed=1
    artifact=$(sed -n 's/.*Test unit written to //p' "$work/log" | tail -1)
    result="CRASH (exit $rc): ${artifact:-see $work/log}"
  fi
  printf '%-16s %8s %12s  %s\n' "fuzz_$t" "$took" "${execs:-?}" "$result"
  if [ $rc -ne 0 ]; then
    grep -E 'ERROR:|SUMMARY:|runtime error|^    #[0-9]+ ' "$work/log" | grep -v -E 'in (fuzzer::|__sanitizer|__pthread|raise|abort|_start|main|__libc)' | head -16 | sed 's/^/    /'
    echo "    reproduce: $bin ${artifact:-CRASH_FILE}"
  fi
done
exit $failed
