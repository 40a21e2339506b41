#!/usr/bin/env bash
# Every artefact into dist/ (docs/platforms.md):
#   huibao-agent-VERSION-win64.zip         the township's Windows agent
#   huibao-{agent,aggregator,sub}_VERSION-1_amd64.deb
#   huibao-{agent,aggregator,sub}_VERSION-1_arm64.deb
#   SHA256SUMS
# Release builds in build-release-amd64, build-release-arm64, build-win64;
# the Windows libraries come from the cache (deploy/cross/win64-deps.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
./deploy/deps.sh --cross --no-heavy
t0=$SECONDS
rm -rf dist
mkdir -p dist
echo "== amd64"
BUILD_DIR=build-release-amd64 ./deploy/build.sh -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF \
  >/dev/null
./deploy/deb.sh amd64 build-release-amd64
echo "== arm64"
BUILD_DIR=build-release-arm64 ./deploy/cross/arm64.sh -DCMAKE_BUILD_TYPE=Release >/dev/null
./deploy/deb.sh arm64 build-release-arm64
echo "== Windows"
./deploy/cross/win64.sh >/dev/null
./deploy/cross/win64-zip.sh build-win64
(cd dist && sha256sum -- * >SHA256SUMS)
ls -l dist
echo "package.sh: dist/ in $((SECONDS - t0)) s"
