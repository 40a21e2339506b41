#!/usr/bin/env bash
# The township's zip: ${DIST:-dist}/huibao-agent-VERSION-win64.zip with
#   huibao-agent/huibao-agent.exe   (static: no DLLs beside it)
#   huibao-agent/使用说明.txt        (Chinese: install, where ledger and keys go, errors)
#   huibao-agent/install.bat        (registers the hourly task with schtasks)
#   huibao-agent/sync.bat           (a manual run; the task runs it too)
#   huibao-agent/keys/              (where the two key files go)
# Text files get Windows line ends; 使用说明.txt a UTF-8 BOM (Notepad of
# Windows 10 before 1903 needs it); the .bat files none (cmd.exe would read
# the BOM as a command), they switch cmd.exe to UTF-8 with chcp 65001.
#   ./deploy/cross/win64-zip.sh [BUILD_DIR]   (default build-win64)
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=${1:-build-win64}
DIST=${DIST:-dist}
VERSION=$(sed -n 's/^project(huibao VERSION \([0-9.]*\).*/\1/p' CMakeLists.txt)
exe=$BUILD/agents/huibao-agent.exe
[ -f "$exe" ] || { echo "win64-zip: $exe is not built (./deploy/cross/win64.sh)" >&2 && exit 66; }
mkdir -p "$DIST"
out=$DIST/huibao-agent-$VERSION-win64.zip
SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct)} python3 - "$exe" "$out" <<'PY'
import os, sys, time, zipfile
exe, out = sys.argv[1], sys.argv[2]
src = "deploy/windows"
when = time.localtime(int(os.environ["SOURCE_DATE_EPOCH"]))[:6]

def add(z, name, data, mode=0o644):
    zi = zipfile.ZipInfo("huibao-agent/" + name, when)
    zi.external_attr = mode << 16
    zi.compress_type = zipfile.ZIP_DEFLATED
    z.writestr(zi, data)

def crlf(path, bom=False):
    with open(path, encoding="utf-8") as f:
        text = f.read().replace("\r\n", "\n").replace("\n", "\r\n")
    return ("\ufeff" if bom else "") + text

with zipfile.ZipFile(out + ".new", "w") as z:
    with open(exe, "rb") as f:
        add(z, "huibao-agent.exe", f.read(), 0o755)
    add(z, "使用说明.txt", crlf(os.path.join(src, "使用说明.txt"), bom=True).encode("utf-8"))
    for b in ("install.bat", "sync.bat"):
        add(z, b, crlf(os.path.join(src, b)).encode("utf-8"))
    add(z, "keys/放密钥文件.txt", "本单位私钥 单位代码.key_secret 和县公钥 county.key 放在这里。\r\n"
        .encode("utf-8"))
os.replace(out + ".new", out)
print(out)
PY
