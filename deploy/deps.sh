#!/usr/bin/env bash
# Installs, from Debian 12's packages, what huibao needs to build and test.
# Does nothing when everything is already there. Needs root (or sudo) only
# when something is missing.
set -euo pipefail

PKGS=(
  build-essential cmake pkg-config ccache
  libzmq3-dev libprotobuf-c-dev protobuf-c-compiler
  liblmdb-dev lmdb-utils libinih-dev libjansson-dev
  python3 clang clang-format-14 libclang-rt-14-dev iproute2 procps
  libzip-dev libexpat1-dev libxlsxwriter-dev libmicrohttpd-dev libsystemd-dev libsodium-dev
  libzstd-dev zstd  # issue 17: rollup deltas; the zstd tool makes fuzz_delta's seeds
  nftables libnetfilter-queue-dev iptables
  python3-openpyxl python3-prometheus-client python3-zmq python3-lmdb faketime systemd
  python3-nacl  # integration.signed_records verifies the units' signatures independently
  libxml2-utils  # xmllint: integration.hostile_names validates the .xlsx and .docx parts
  openssl  # integration.logins makes a self-signed certificate for the HTTPS dashboard
)
# Test-only heavy tools (office conversion, browser) are in the default set too,
# because ./deploy/test.sh uses them; --no-heavy leaves them out for a build box.
HEAVY=(chromium libreoffice-writer-nogui fonts-noto-cjk poppler-utils)
# Extra groups: deploy/deps.sh [--bench] [--browser] [--cross] adds more.
# --cross: the other platforms (docs/platforms.md): arm64 by Debian multiarch
# (the :arm64 -dev packages, gcc-aarch64-linux-gnu, qemu-user), Windows by
# mingw-w64 and Wine, and the .deb packaging and install test.
CROSS=(
  gcc-aarch64-linux-gnu qemu-user
  libc6-dev:arm64 libzmq3-dev:arm64 libprotobuf-c-dev:arm64 liblmdb-dev:arm64
  libinih-dev:arm64 libjansson-dev:arm64 libzip-dev:arm64 libexpat1-dev:arm64
  libxlsxwriter-dev:arm64 libmicrohttpd-dev:arm64 libsystemd-dev:arm64 libsodium-dev:arm64
  libzstd-dev:arm64
  gcc-mingw-w64-x86-64 g++-mingw-w64-x86-64-win32 wine64 dpkg-dev make xz-utils autoconf automake libtool
  lintian debootstrap
)
cross=0
heavy=1
for arg in "$@"; do
  case "$arg" in
    --cross) cross=1; PKGS+=("${CROSS[@]}") ;;
    --no-heavy) heavy=0 ;;
    --bench) PKGS+=(redis-server libhiredis-dev mosquitto libmosquitto-dev libsqlite3-dev hyperfine valgrind time) ;;
    --browser) ;;  # kept for old scripts: chromium is in the default set now
  esac
done
[ "$heavy" -eq 1 ] && PKGS+=("${HEAVY[@]}")

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "deps.sh: installing ${missing[*]}" >&2
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
if [ "$cross" -eq 1 ] && ! dpkg --print-foreign-architectures | grep -qx arm64; then
  $SUDO dpkg --add-architecture arm64
  $SUDO apt-get update -qq
fi
if ! $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null 2>&1; then
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
