#!/usr/bin/env bash
# Formatting: every tracked C source and header is as .clang-format says.
#   ./deploy/format.sh          rewrite the files in place (clang-format-14)
#   ./deploy/format.sh --check  change nothing; list each file that differs, exit 1 if any
# The test command runs --check, so a formatting difference fails CI.
set -euo pipefail
cd "$(dirname "$0")/.."
CF=clang-format-14
command -v "$CF" >/dev/null || { echo "format.sh: $CF not found (./deploy/deps.sh installs it)" >&2; exit 69; }
mapfile -t files < <(git ls-files '*.c' '*.h')
[ ${#files[@]} -gt 0 ] || { echo "format.sh: no C files found (not a git checkout?)" >&2; exit 66; }
if [ "${1:-}" = "--check" ]; then
  bad=0
  for f in "${files[@]}"; do
    if ! "$CF" --style=file --dry-run -Werror "$f" >/dev/null 2>&1; then
      echo "format.sh: $f differs from .clang-format (run ./deploy/format.sh)" >&2
      bad=1
    fi
  done
  [ $bad -eq 0 ] && echo "format.sh: ${#files[@]} files formatted as .clang-format says"
  exit $bad
fi
"$CF" --style=file -i "${files[@]}"
