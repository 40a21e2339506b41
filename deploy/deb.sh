#!/usr/bin/env bash
# Builds the .deb packages of one architecture into ${DIST:-dist}/:
#   huibao-agent       the agent, its systemd service and hourly timer
#   huibao-aggregator  the county service: unit, system user, /etc/huibao,
#                      huibao-keygen, sample configuration
#   huibao-sub         the city's program and its dashboard unit
#
#   ./deploy/deb.sh amd64|arm64 BUILD_DIR
#
# BUILD_DIR holds the built programs of that architecture (./deploy/build.sh,
# ./deploy/cross/arm64.sh; ./deploy/package.sh builds Release ones). The
# programs do not depend on the install prefix, so any build will do; the
# systemd units are made here from deploy/systemd/*.in with Debian's paths,
# as debian/rules would. Each package is laid out by path, its Depends
# computed by dpkg-shlibdeps (multiarch shlibs), and it is assembled with
# dpkg-deb (root-owned files, no fakeroot needed); then lintian runs: every
# tag it still gives must be listed in deploy/debian/lintian-explained and
# explained in docs/platforms.md, else the build fails.
set -euo pipefail
cd "$(dirname "$0")/.."
ARCH=${1:?usage: deploy/deb.sh amd64|arm64 BUILD_DIR}
BUILD=${2:?usage: deploy/deb.sh amd64|arm64 BUILD_DIR}
DIST=${DIST:-dist}
WORK=$BUILD/deb
VERSION=$(sed -n 's/^project(huibao VERSION \([0-9.]*\).*/\1/p' CMakeLists.txt)-1
MAINT="huibao maintainers <huibao@example.org>"
case $ARCH in
  amd64) triplet=x86_64-linux-gnu strip_tool=strip ;;
  arm64) triplet=aarch64-linux-gnu strip_tool=aarch64-linux-gnu-strip ;;
  *) echo "deb.sh: unknown architecture $ARCH" >&2 && exit 64 ;;
esac
for p in agents/huibao-agent aggregator/huibao-aggregator sub/huibao-sub tools/huibao-keygen; do
  [ -x "$BUILD/$p" ] || { echo "deb.sh: $BUILD/$p is not built" >&2 && exit 66; }
done
want=$([ "$ARCH" = amd64 ] && echo x86-64 || echo aarch64)
file -b "$BUILD/agents/huibao-agent" | grep -q "$want" ||
  { echo "deb.sh: $BUILD/agents/huibao-agent is not $ARCH" >&2 && exit 65; }

# STAGE: the files as installed, by their paths on the target
STAGE=$WORK/stage
rm -rf "$STAGE"
for p in agents/huibao-agent aggregator/huibao-aggregator sub/huibao-sub tools/huibao-keygen; do
  install -D -m 755 "$BUILD/$p" "$STAGE/usr/bin/$(basename "$p")"
done
for u in huibao-aggregator.service:huibao-aggregator huibao-sub.service:huibao-sub \
  huibao-agent@.service:huibao-agent; do
  unit=${u%%:*} doc=/usr/share/doc/${u#*:}
  mkdir -p "$STAGE/lib/systemd/system"
  sed -e "s|@HUIBAO_BINDIR@|/usr/bin|g" -e "s|@HUIBAO_DOCDIR@|$doc|g" \
    -e "s|@HUIBAO_EXAMPLES@|$doc/examples|g" "deploy/systemd/$unit.in" \
    >"$STAGE/lib/systemd/system/$unit"
done
cp deploy/systemd/huibao-agent@.timer "$STAGE/lib/systemd/system/"
install -D -m 644 man/huibao-agent.1 "$STAGE/usr/share/man/man1/huibao-agent.1"
install -D -m 644 man/huibao-sub.1 "$STAGE/usr/share/man/man1/huibao-sub.1"
install -D -m 644 man/huibao-aggregator.8 "$STAGE/usr/share/man/man8/huibao-aggregator.8"
install -D -m 644 man/huibao-keygen.1 "$STAGE/usr/share/man/man1/huibao-keygen.1"

mkdir -p "$DIST"
# pkg NAME DESCRIPTION FILE... (paths under $STAGE, or SRC=DEST for a file
# from the source tree)
pkg() {
  local name=$1 desc=$2
  shift 2
  local root=$PWD/$WORK/$name
  rm -rf "$root"
  mkdir -p "$root/DEBIAN" "$root/usr/share/doc/$name"
  for f in "$@"; do
    if [[ $f == *=* ]]; then
      install -D -m 644 "${f%%=*}" "$root/${f#*=}"
    else
      mkdir -p "$root/$(dirname "$f")"
      cp -a "$STAGE/$f" "$root/$f"
    fi
  done
  # binaries: stripped (the symbols would be a -dbgsym package)
  for b in "$root"/usr/bin/*; do
    [ -f "$b" ] && $strip_tool --strip-unneeded --remove-section=.comment --remove-section=.note "$b"
  done
  # man pages compressed, docs of the package
  find "$root/usr/share/man" -type f ! -name '*.gz' -exec gzip -9n {} + 2>/dev/null || true
  printf '%s (%s) bookworm; urgency=medium\n\n  * Packaged by deploy/deb.sh.\n\n -- %s  %s\n' \
    "$name" "$VERSION" "$MAINT" "$(date -R -u -d @"${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct)}")" |
    gzip -9n >"$root/usr/share/doc/$name/changelog.Debian.gz"
  cp deploy/debian/copyright "$root/usr/share/doc/$name/copyright"
  find "$root" -type d -exec chmod 755 {} +
  find "$root/usr/share" -type f -exec chmod 644 {} +

  # Depends: from the ELF files, against the libraries' shlibs (multiarch)
  local deps="" bins
  bins=$(find "$root/usr/bin" -type f 2>/dev/null | sort)
  if [ -n "$bins" ]; then
    local tmp
    tmp=$(mktemp -d)
    mkdir -p "$tmp/debian"
    printf 'Source: huibao\n\nPackage: %s\nArchitecture: any\n' "$name" >"$tmp/debian/control"
    # shellcheck disable=SC2086
    deps=$(cd "$tmp" && DEB_HOST_ARCH=$ARCH DEB_HOST_MULTIARCH=$triplet \
      dpkg-shlibdeps -O -l"/usr/lib/$triplet" $bins 2>/dev/null |
      sed -n 's/^shlibs:Depends=//p')
    rm -rf "$tmp"
  fi
  local extra_deps=""
  [ -f "deploy/debian/$name.depends" ] && extra_deps=$(cat "deploy/debian/$name.depends")
  local size
  size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
  {
    echo "Package: $name"
    echo "Version: $VERSION"
    echo "Architecture: $ARCH"
    echo "Maintainer: $MAINT"
    echo "Installed-Size: $size"
    echo "Depends: ${deps}${extra_deps:+, $extra_deps}"
    echo "Section: net"
    echo "Priority: optional"
    echo "Homepage: https://localhost/huibao"
    echo "Description: $desc"
    sed 's/^/ /' "deploy/debian/$name.description"
  } >"$root/DEBIAN/control"
  for s in postinst postrm conffiles; do
    if [ -f "deploy/debian/$name.$s" ]; then
      cp "deploy/debian/$name.$s" "$root/DEBIAN/$s"
      [ "$s" = conffiles ] && chmod 644 "$root/DEBIAN/$s" || chmod 755 "$root/DEBIAN/$s"
    fi
  done
  (cd "$root" && find . -type f ! -path './DEBIAN/*' -printf '%P\0' | sort -z |
    xargs -0 md5sum >DEBIAN/md5sums)
  chmod 644 "$root/DEBIAN/md5sums"
  dpkg-deb --root-owner-group -Zxz --build "$root" "$DIST/${name}_${VERSION}_$ARCH.deb" >/dev/null
  echo "$DIST/${name}_${VERSION}_$ARCH.deb"
}

D=usr/share/doc
pkg huibao-agent "sends a township's campaign ledger (台账) to the county" \
  usr/bin/huibao-agent \
  lib/systemd/system/huibao-agent@.service lib/systemd/system/huibao-agent@.timer \
  usr/share/man/man1/huibao-agent.1 \
  deploy/etc/agent.env=$D/huibao-agent/examples/agent.env \
  docs/ledger-format.md=$D/huibao-agent/ledger-format.md \
  docs/operations.md=$D/huibao-agent/operations.md
pkg huibao-aggregator "county service of huibao: stores and rolls up the units' ledgers" \
  usr/bin/huibao-aggregator usr/bin/huibao-keygen \
  lib/systemd/system/huibao-aggregator.service \
  usr/share/man/man8/huibao-aggregator.8 \
  usr/share/man/man1/huibao-keygen.1 \
  deploy/etc/aggregator.ini=$D/huibao-aggregator/examples/aggregator.ini \
  deploy/sample/units.csv=$D/huibao-aggregator/examples/units.csv \
  deploy/sample/campaigns.ini=$D/huibao-aggregator/examples/campaigns.ini \
  docs/operations.md=$D/huibao-aggregator/operations.md \
  docs/campaigns.md=$D/huibao-aggregator/campaigns.md \
  docs/security.md=$D/huibao-aggregator/security.md \
  docs/running.md=$D/huibao-aggregator/running.md
pkg huibao-sub "city program of huibao: merges counties, reports, dashboard" \
  usr/bin/huibao-sub \
  lib/systemd/system/huibao-sub.service \
  usr/share/man/man1/huibao-sub.1 \
  deploy/etc/sub.conf=$D/huibao-sub/examples/sub.conf \
  docs/operations.md=$D/huibao-sub/operations.md

# lintian: every tag it still gives must be one docs/platforms.md explains
# (deploy/debian/lintian-explained lists them).
if command -v lintian >/dev/null; then
  out=$(lintian --no-tag-display-limit "$DIST"/huibao-*_"${VERSION}_$ARCH".deb 2>&1 || true)
  unexplained=$(echo "$out" | grep -E '^[EWI]: ' | awk '{print $3}' | sort -u |
    grep -vxFf <(grep -v '^#' deploy/debian/lintian-explained) || true)
  if [ -n "$unexplained" ]; then
    echo "$out" >&2
    echo "deb.sh: lintian tags not explained in docs/platforms.md: $unexplained" >&2
    exit 1
  fi
fi
