#!/bin/sh
# Regenerates the seed corpora in fuzz/corpus/ from real inputs: the sample
# county (deploy/sample), ledgers from tests/tools/gen_ledgers.py, keys from
# huibao-keygen, and packed Submits/Rollups from fuzz/seedgen.c. Needs a
# fuzz build (./fuzz/run.sh builds one into build-fuzz). The seeds are
# committed; run this only when an input format changes.
#   fuzz/make_corpus.sh [BUILD_DIR (default build-fuzz)]
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build-fuzz}
case $build in /*) ;; *) build=$(pwd)/$build ;; esac
cmake --build "$build" --target fuzz fuzz-seedgen huibao-keygen >/dev/null
out=$root/fuzz/corpus
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for t in submit ledger campaigns units cert sign_key rollup; do  # replica and log_record seeds are hand-made, kept
  rm -rf "$out/$t"
  mkdir -p "$out/$t"
done
# template: the shipped report templates (the hand-written seeds beside them are kept)
cp "$root"/docs/templates/*.txt "$out/template/"

python3 "$root/tests/tools/gen_ledgers.py" --out "$tmp/county" --seed 7 --units 8 --rows 6 \
  --gbk 0.4 --bom 0.3 --bad 6 >/dev/null

# campaigns: the sample file, the generated one, and a GBK copy
cp "$root/deploy/sample/campaigns.ini" "$out/campaigns/sample.ini"
cp "$tmp/county/campaigns.ini" "$out/campaigns/generated.ini"
iconv -f UTF-8 -t GB18030 "$root/deploy/sample/campaigns.ini" >"$out/campaigns/sample-gbk.ini"

# units: the sample file, the generated one, a GBK copy with Chinese headers
cp "$root/deploy/sample/units.csv" "$out/units/sample.csv"
cp "$tmp/county/units.csv" "$out/units/generated.csv"
{ printf '编码,名称,类型\r\n'; tail -n +2 "$root/deploy/sample/units.csv" | head -5; } |
  iconv -f UTF-8 -t GB18030 >"$out/units/zh-gbk.csv"

# ledgers: each unit's two files joined by the separator line fuzz_ledger.c splits on
for d in "$tmp"/county/ledgers/*/; do
  u=$(basename "$d")
  a=$d/activities.csv p=$d/problems.csv
  [ -f "$a" ] && [ -f "$p" ] || continue
  { cat "$a"; printf '\n--8<--\n'; cat "$p"; } >"$out/ledger/$u"
done

# certs: first byte 0 = read as public, 1 = need the secret
"$build/tools/huibao-keygen" --out "$tmp" seed-unit >/dev/null
{ printf '\0'; cat "$tmp/seed-unit.key"; } >"$out/cert/public"
{ printf '\1'; cat "$tmp/seed-unit.key_secret"; } >"$out/cert/secret"
{ printf '\0'; cat "$tmp/seed-unit.key_secret"; } >"$out/cert/secret-as-public"
# signing keys (issue 15): the same first byte
"$build/tools/huibao-keygen" --out "$tmp" --sign-only seed-unit >/dev/null
{ printf '\0'; cat "$tmp/seed-unit.sign"; } >"$out/sign_key/public"
{ printf '\1'; cat "$tmp/seed-unit.sign_secret"; } >"$out/sign_key/secret"
{ printf '\0'; cat "$tmp/seed-unit.sign_secret"; } >"$out/sign_key/secret-as-public"

# packed Submits and Rollups
"$build/fuzz/fuzz-seedgen" "$tmp/county/campaigns.ini" "$tmp/county/units.csv" \
  "$tmp/county/ledgers" "$out/submit" "$out/rollup"
# ...two of them with their records compressed (issue 17), and a decompression bomb
"$root/fuzz/make_submit_zstd_seeds.py" "$out/submit" "$out/submit/t01-1" "$out/submit/xw-kinds"
# ...and Rollups with reporting periods (issue 13): the same campaigns with a cycle
sed 's/^end = .*/&\ncycle = weekly, 5, 18:00/' "$tmp/county/campaigns.ini" >"$tmp/cycle.ini"
mkdir -p "$tmp/cycle-submit" "$tmp/cycle-rollup"
"$build/fuzz/fuzz-seedgen" "$tmp/cycle.ini" "$tmp/county/units.csv" \
  "$tmp/county/ledgers" "$tmp/cycle-submit" "$tmp/cycle-rollup"
for f in "$tmp"/cycle-rollup/*; do cp "$f" "$out/rollup/cycle-$(basename "$f")"; done
# delta (issue 17): a full state, a delta and beats between two of those Rollups
rm -rf "$out/delta"
"$root/fuzz/make_delta_seeds.py" "$out/rollup/county-nengli-2022" \
  "$out/rollup/cycle-county-nengli-2022" "$out/delta"

du -sh "$out"
