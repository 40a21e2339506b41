#!/usr/bin/env bash
# The county aggregator's instructions per stored record, by callgrind
# (issue 17; docs/performance.md): deterministic, so it can be compared on a
# loaded machine where wall-clock figures are noise.
#
#   ./bench/callgrind.sh                  builds Release in build-bench, prints the table
#   ./bench/callgrind.sh --top 30         ... and the 30 functions costing most per record
#   ./bench/callgrind.sh --keep DIR       keeps the callgrind.out files and logs in DIR
#   ./bench/callgrind.sh --prefill N      ... into a store already holding N records (row 5d's
#                                         case, issue 14: a deeper tree, more pages per batch)
#
# Method: bench-loadgen, 60 units, Submits of 500 (its default), --insecure,
# into a fresh store under valgrind --tool=callgrind, once with 2,000 and once
# with 20,000 records; per record = (Ir(20,000) - Ir(2,000)) / 18,000, which
# leaves out start-up, the idle heartbeats and the shut-down. With --prefill N
# the store is first loaded with N records (ids 0 .. N-1, not under callgrind,
# Submits of 1000 as row 5d loads it) and each run starts from a copy of it,
# its records numbered from N.
# BENCH_BUILD_DIR (default build-bench) chooses the build folder;
# CALLGRIND_SMALL / CALLGRIND_BIG the two record counts.
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD
BUILD="${BENCH_BUILD_DIR:-build-bench}"
SMALL="${CALLGRIND_SMALL:-2000}"
BIG="${CALLGRIND_BIG:-20000}"
TOP=0
KEEP=
PREFILL=0
while [ $# -gt 0 ]; do
  case "$1" in
  --top) TOP="$2"; shift 2 ;;
  --keep) KEEP="$2"; shift 2 ;;
  --prefill) PREFILL="$2"; shift 2 ;;
  *) echo "usage: $0 [--top N] [--keep DIR] [--prefill N]" >&2; exit 2 ;;
  esac
done
command -v valgrind >/dev/null || { echo "valgrind is missing (apt-get install valgrind)" >&2; exit 1; }

echo "== build (Release, -DHUIBAO_BENCH=ON) in $BUILD" >&2
cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DHUIBAO_BENCH=ON >/dev/null
cmake --build "$BUILD" -j"$(nproc)" --target huibao-aggregator bench-loadgen >/dev/null
AGG="$REPO/$BUILD/aggregator/huibao-aggregator"
LOADGEN="$REPO/$BUILD/bench/bench-loadgen"

WORK=$(mktemp -d /tmp/hb-callgrind.XXXXXX)
AGG_PID=
cleanup() {
  if [ -n "$AGG_PID" ] && kill -0 "$AGG_PID" 2>/dev/null; then
    kill "$AGG_PID" 2>/dev/null || true
    wait "$AGG_PID" 2>/dev/null || true
  fi
  if [ -n "$KEEP" ]; then
    mkdir -p "$KEEP" && cp "$WORK"/callgrind.* "$WORK"/*.log "$KEEP"/ 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT
export HUIBAO_TODAY=2023-12-31 # as bench/bench.py

python3 tests/tools/gen_ledgers.py --out "$WORK/county" --units 60 --rows 3 --silent 0 >/dev/null
tail -n +2 "$WORK/county/units.csv" | cut -d, -f1 | grep . >"$WORK/units.txt"

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# run N [TOOL...]: the aggregator (under TOOL) into $WORK/data.N, N records
# from bench-loadgen numbered from $FIRST
FIRST=0
run() {
  local n=$1 lp pp
  shift
  lp=$(free_port)
  pp=$(free_port)
  "$@" "$AGG" --data "$WORK/data.$n" --units "$WORK/county/units.csv" \
    --campaigns "$WORK/county/campaigns.ini" --listen "tcp://127.0.0.1:$lp" \
    --publish "tcp://127.0.0.1:$pp" --insecure >"$WORK/aggregator.$n.log" 2>&1 &
  AGG_PID=$!
  for _ in $(seq 600); do
    grep -q ready "$WORK/aggregator.$n.log" && break
    kill -0 "$AGG_PID" 2>/dev/null || { cat "$WORK/aggregator.$n.log" >&2; exit 1; }
    sleep 0.2
  done
  grep -q ready "$WORK/aggregator.$n.log" || { echo "aggregator not ready" >&2; exit 1; }
  "$LOADGEN" --connect "tcp://127.0.0.1:$lp" --units "$WORK/units.txt" --records "$n" \
    --first "$FIRST" --insecure "${LOADGEN_EXTRA[@]}" >"$WORK/loadgen.$n.log"
  kill -TERM "$AGG_PID"
  wait "$AGG_PID" || true
  AGG_PID=
  echo "   $n records: $(cat "$WORK/loadgen.$n.log")" >&2
}

LOADGEN_EXTRA=()
if [ "$PREFILL" -gt 0 ]; then
  echo "== a store of $PREFILL records (not under callgrind)" >&2
  LOADGEN_EXTRA=(--batch 1000 --window 8)
  run "$PREFILL"
  LOADGEN_EXTRA=()
  FIRST=$PREFILL
  cp -a "$WORK/data.$PREFILL" "$WORK/data.$SMALL"
  cp -a "$WORK/data.$PREFILL" "$WORK/data.$BIG"
  rm -rf "$WORK/data.$PREFILL"
fi
echo "== $SMALL and $BIG records under callgrind (a few minutes)" >&2
run "$SMALL" valgrind --tool=callgrind --callgrind-out-file="$WORK/callgrind.$SMALL"
run "$BIG" valgrind --tool=callgrind --callgrind-out-file="$WORK/callgrind.$BIG"

python3 - "$WORK/callgrind.$SMALL" "$WORK/callgrind.$BIG" "$SMALL" "$BIG" "$TOP" <<'EOF'
import re, sys
small, big, ns, nb, top = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])

def fns(path):
    """Self Ir per (object, function), read from the callgrind file itself
    (callgrind_annotate merges unnamed functions at the same address of
    different objects)."""
    names = {"ob": {}, "fn": {}}
    ob = fn = None
    skip = False
    total, d = 0, {}

    def name(kind, rest):
        m = re.match(r"\((\d+)\)(?: (.*))?", rest)
        if not m:
            return rest
        if m.group(2) is not None:
            names[kind][m.group(1)] = m.group(2)
        return names[kind].get(m.group(1), "?")

    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            line = line.rstrip("\n")
            if line.startswith("ob="):
                ob = name("ob", line[3:]).split("/")[-1]
            elif line.startswith("fn="):
                fn = name("fn", line[3:])
            elif line.startswith("cob="):
                name("ob", line[4:])
            elif line.startswith("cfn="):
                name("fn", line[4:])
            elif line.startswith("calls="):
                skip = True  # the next cost line is the call's inclusive cost
            elif line.startswith("summary:"):
                total = int(line.split()[1])
            elif line and (line[0].isdigit() or line[0] in "+-*"):
                if skip:
                    skip = False
                    continue
                parts = line.split()
                if len(parts) >= 2:
                    d[(ob, fn)] = d.get((ob, fn), 0) + int(parts[-1])
    return total, d

ts, ds = fns(small)
tb, db = fns(big)
per = (tb - ts) / (nb - ns)
print(f"instructions per stored record: {per:,.0f}   (Ir {ts:,} with {ns:,} records, "
      f"{tb:,} with {nb:,})")
objs = {}
for k in set(ds) | set(db):
    objs[k[0]] = objs.get(k[0], 0) + db.get(k, 0) - ds.get(k, 0)
print("| object | per record |\n|---|---|")
for o, v in sorted(objs.items(), key=lambda x: -x[1]):
    if abs(v) / (nb - ns) >= 20:
        print(f"| {o} | {v / (nb - ns):,.0f} |")
if top:
    print(f"\n| function (object) | per record |\n|---|---|")
    diff = sorted(((db.get(k, 0) - ds.get(k, 0)) / (nb - ns), k) for k in set(ds) | set(db))
    for v, k in sorted(diff, reverse=True)[:top]:
        print(f"| {k[1]} ({k[0]}) | {v:,.0f} |")
EOF
