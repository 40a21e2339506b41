#!/usr/bin/env bash
# The whole pipeline on one machine: builds huibao, writes the ledgers of the
# sample county (61 units, deploy/sample/), starts a county aggregator on a
# free loopback port, runs every unit's agent (a few at a time), prints the
# city view of each campaign as a table, drafts each campaign's progress report
# (docs/templates/, as .txt and .docx) and the spreadsheet of every unit, and
# stops everything.
#   ./deploy/demo.sh            (KEEP=1 keeps the temp folder; OUT=DIR keeps
#                                the reports and the spreadsheet in DIR)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

./deploy/deps.sh
export BUILD_DIR=${BUILD_DIR:-build}
./deploy/build.sh
case "$BUILD_DIR" in /*) B=$BUILD_DIR ;; *) B=$ROOT/$BUILD_DIR ;; esac
AGENT=$B/agents/huibao-agent
AGG=$B/aggregator/huibao-aggregator
KEYGEN=$B/tools/huibao-keygen
SUB=$B/sub/huibao-sub
# The sample reports describe 2022-2023; fix "today" so overdue figures are stable.
export HUIBAO_TODAY=${HUIBAO_TODAY:-2023-12-31}

WORK=$(mktemp -d "${TMPDIR:-/tmp}/huibao-demo.XXXXXX")
AGG_PID=""
cleanup() {
  if [ -n "$AGG_PID" ] && kill -0 "$AGG_PID" 2>/dev/null; then
    kill -TERM "$AGG_PID" 2>/dev/null || true
    wait "$AGG_PID" 2>/dev/null || true
  fi
  if [ "${KEEP:-0}" = 1 ]; then echo "demo: kept $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

echo "== sample county: 61 units, ledgers in $WORK/county/ledgers"
python3 deploy/sample/make_ledgers.py --out "$WORK/county"

units=$(tail -n +2 deploy/sample/units.csv | cut -d, -f1)
echo "== CURVE keys (huibao-keygen): the county, the city and every unit"
K=$WORK/keys
mkdir -p "$K/units" "$K/cities"
# shellcheck disable=SC2086
"$KEYGEN" --out "$K/pairs" county city $units >/dev/null
for u in $units; do cp "$K/pairs/$u.key" "$K/units/"; done
cp "$K/pairs/city.key" "$K/cities/"

LISTEN=tcp://127.0.0.1:$(free_port)
PUBLISH=tcp://127.0.0.1:$(free_port)
echo "== county aggregator: agents -> $LISTEN, city <- $PUBLISH"
mkdir -p "$WORK/aggregator"
"$AGG" --data "$WORK/aggregator" --units deploy/sample/units.csv \
  --campaigns deploy/sample/campaigns.ini --listen "$LISTEN" --publish "$PUBLISH" \
  --secret "$K/pairs/county.key_secret" --keys "$K/units" --subscriber-keys "$K/cities" \
  2>"$WORK/aggregator.log" &
AGG_PID=$!
for _ in $(seq 100); do
  grep -q ready "$WORK/aggregator.log" 2>/dev/null && break
  kill -0 "$AGG_PID" 2>/dev/null || { cat "$WORK/aggregator.log" >&2; echo "demo: aggregator died" >&2; exit 1; }
  sleep 0.1
done
grep -q ready "$WORK/aggregator.log" || { cat "$WORK/aggregator.log" >&2; echo "demo: aggregator not ready" >&2; exit 1; }

echo "== agents: huibao-agent sync for every unit, 6 at a time"
mkdir -p "$WORK/state" "$WORK/agents"
failed=0
printf '%s\n' $units | xargs -P 6 -I{} sh -c \
  '"$1" sync --unit "$2" --ledger "$3/county/ledgers/$2" --state "$3/state/$2" --county "$4" \
     --key "$3/keys/pairs/$2.key_secret" --county-key "$3/keys/pairs/county.key" \
     --timeout 10 >"$3/agents/$2.log" 2>&1 || { echo "  $2: exit $?"; exit 1; }' \
  sh "$AGENT" {} "$WORK" "$LISTEN" || failed=1
n=$(printf '%s\n' $units | wc -l)
if [ $failed = 1 ]; then
  echo "demo: some agents failed (logs in $WORK/agents; KEEP=1 keeps them)" >&2
else
  echo "   $n units synced"
fi

status=0
for c in $(sed -n 's/^\[\(.*\)\][[:space:]]*$/\1/p' deploy/sample/campaigns.ini); do
  echo
  echo "== city view: huibao-sub snapshot --campaign $c"
  "$SUB" snapshot --connect "$PUBLISH" --campaign "$c" --format table --timeout 5 \
    --key "$K/pairs/city.key_secret" --server-key "$K/pairs/county.key" || status=$?
done

OUT=${OUT:-$WORK/out}
mkdir -p "$OUT"
CITY_KEYS=(--key "$K/pairs/city.key_secret" --server-key "$K/pairs/county.key")
echo
echo "== reports: huibao-sub report --template docs/templates/CAMPAIGN.txt (.txt and .docx)"
for c in $(sed -n 's/^\[\(.*\)\][[:space:]]*$/\1/p' deploy/sample/campaigns.ini); do
  [ -f "docs/templates/$c.txt" ] || continue
  for ext in txt docx; do
    "$SUB" report --connect "$PUBLISH" --campaign "$c" --template "docs/templates/$c.txt" \
      --out "$OUT/$c.$ext" --timeout 5 "${CITY_KEYS[@]}" || status=$?
  done
  echo "   $OUT/$c.txt, $OUT/$c.docx"
done
echo "---- $OUT/jiefang-2022.txt (the start)"
head -n 12 "$OUT/jiefang-2022.txt" || true
echo "== spreadsheet: huibao-sub export --format xlsx"
"$SUB" export --connect "$PUBLISH" --format xlsx --out "$OUT/汇总.xlsx" --timeout 5 \
  "${CITY_KEYS[@]}" || status=$?
echo "   $OUT/汇总.xlsx"
[ "$OUT" = "$WORK/out" ] && [ "${KEEP:-0}" != 1 ] && echo "   (OUT=DIR or KEEP=1 keeps them)"
echo "== the live dashboard (not started here): a login first, then serve"
echo "   $SUB account add --data DIR NAME     # password asked twice (or one line of stdin)"
echo "   $SUB serve --connect $PUBLISH --http 127.0.0.1:8080 --data DIR ${CITY_KEYS[*]}"
[ $failed = 0 ] && [ $status = 0 ] || exit 1
