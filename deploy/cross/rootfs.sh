#!/usr/bin/env bash
# A minimal Debian 12 root (debootstrap --variant=minbase, from Debian's
# archive only) with the runtime libraries of the huibao packages, for the
# .deb install test (tests/integration/test_deb.py), cached as a tarball:
#   ${HUIBAO_CROSS_CACHE:-/var/cache/huibao-cross}/rootfs/bookworm-amd64-YYYYMM.tar
# A new one is made each month (point releases; the test needs a fresh
# Debian 12, not the newest one); older ones are deleted. test.sh makes it
# before ctest, whose per-test timeout a cold debootstrap (2-8 min) exceeds.
# Prints the tarball's path. Needs root and debootstrap.
set -euo pipefail
CACHE=${HUIBAO_CROSS_CACHE:-/var/cache/huibao-cross}
dir=$CACHE/rootfs
tar=$dir/bookworm-amd64-$(date -u +%Y%m).tar
if [ -f "$tar" ]; then
  echo "$tar"
  exit 0
fi
mkdir -p "$dir"
root=$(mktemp -d "$dir/build.XXXXXX")
trap 'rm -rf "$root"' EXIT
echo "rootfs: debootstrap bookworm (minbase) into $root" >&2
t0=$SECONDS
debootstrap --variant=minbase \
  --include=adduser,libzmq5,libprotobuf-c1,liblmdb0,libinih1,libzip4,libexpat1,libxlsxwriter4,libjansson4,libmicrohttpd12,libsystemd0,libsodium23 \
  bookworm "$root" http://deb.debian.org/debian >"$dir/debootstrap.log" 2>&1 || {
  tail -20 "$dir/debootstrap.log" >&2
  exit 1
}
rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*_Packages
tar -C "$root" -cf "$tar.new" .
mv "$tar.new" "$tar"
find "$dir" -name 'bookworm-amd64-*.tar' ! -path "$tar" -delete
echo "rootfs: made $tar in $((SECONDS - t0)) s" >&2
echo "$tar"
