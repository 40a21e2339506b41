#!/usr/bin/env bash
# Builds the Windows agent's libraries with mingw-w64 from Debian 12's own
# source packages, as static libraries, into a cache outside the source tree:
#
#   ${HUIBAO_CROSS_CACHE:-/var/cache/huibao-cross}/mingw64/<srcpkg>_<version>/
#       include/ lib/ lib/pkgconfig/ (.pc files for a static link) and
#       SOURCE (which .dsc, which options)
#
# The version is the one Debian 12 ships today (apt-get source's candidate),
# so a Debian security update gives a new directory and a rebuild; an
# unchanged version is never rebuilt. A package that depends on another
# (libzmq on libsodium, libzip and libxlsxwriter on zlib) carries that one's
# version in its key too. Prints the pkg-config path of the set, one
# directory per line, on stdout (deploy/cross/win64.sh reads it).
#
# Sources come only from Debian's archive: a private deb-src list and apt
# state under the cache (the machine's own apt configuration is untouched).
# Needs: gcc-mingw-w64-x86-64, dpkg-dev, cmake, make (deploy/deps.sh --cross).
set -euo pipefail
CACHE=${HUIBAO_CROSS_CACHE:-/var/cache/huibao-cross}
HOST=x86_64-w64-mingw32
JOBS=${JOBS:-$(nproc)}
OUT=$CACHE/mingw64
APTDIR=$CACHE/apt
mkdir -p "$OUT" "$APTDIR/lists/partial" "$APTDIR/archives/partial" "$CACHE/src"

log() { echo "win64-deps: $*" >&2; }

# ---- a private deb-src list, from the machine's Debian entries
src_list=$APTDIR/sources.list
{
  for suite in bookworm bookworm-updates; do
    echo "deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian $suite main"
  done
  echo "deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian-security bookworm-security main"
} >"$src_list.new"
mv "$src_list.new" "$src_list"
APT=(-o "Dir::Etc::SourceList=$src_list" -o Dir::Etc::SourceParts=/dev/null
  -o "Dir::State::Lists=$APTDIR/lists" -o "Dir::Cache=$APTDIR" -o APT::Get::List-Cleanup=0
  -o Debug::NoLocking=1)
# Refresh the index at most once a day (versions change with security updates).
if [ -z "$(find "$APTDIR/lists" -maxdepth 1 -name '*Sources*' -mtime -1 2>/dev/null | head -1)" ]; then
  log "apt-get update (deb-src, private lists in $APTDIR)"
  apt-get "${APT[@]}" update -qq >&2
fi

# versions SRCPKG: the versions of a source package Debian 12's archive
# lists (bookworm, its point releases and updates, security), newest first
versions() {
  apt-cache "${APT[@]}" showsrc "$1" 2>/dev/null | sed -n 's/^Version: //p' |
    sort -u | sort -r -V
}

# unpack SRCPKG VERSION -> prints the unpacked source directory, or fails when
# that version's files cannot be downloaded (on these machines the security
# archive's pool is not served: its versions are listed but answer 404)
unpack() {
  local pkg=$1 ver=$2 dir=$CACHE/src/$1_${2#*:}
  if [ ! -f "$dir/.unpacked" ]; then
    rm -rf "$dir" && mkdir -p "$dir"
    (cd "$dir" && apt-get "${APT[@]}" source --download-only -qq "$pkg=$ver" >/dev/null 2>&1 &&
      dpkg-source --no-check -x "${pkg}_${ver#*:}.dsc" src >/dev/null) || {
      rm -rf "$dir"
      return 1
    }
    touch "$dir/.unpacked"
  fi
  echo "$dir/src"
}

# Flags of every library: static, for Windows 10 and later.
CFLAGS_W="-O2 -g0 -D_WIN32_WINNT=0x0A00"
TOOLCHAIN=$CACHE/mingw64/toolchain.cmake
cat >"$TOOLCHAIN.new" <<EOF
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_C_COMPILER $HOST-gcc)
set(CMAKE_CXX_COMPILER $HOST-g++)
set(CMAKE_RC_COMPILER $HOST-windres)
set(CMAKE_FIND_ROOT_PATH /usr/$HOST)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
EOF
mv "$TOOLCHAIN.new" "$TOOLCHAIN"

# pcfile PREFIX NAME VERSION CFLAGS LIBS: a .pc file for a static link
pcfile() {
  mkdir -p "$1/lib/pkgconfig"
  cat >"$1/lib/pkgconfig/$2.pc" <<EOF
prefix=$1
Name: $2
Description: $2 (static, mingw-w64, from Debian's source package)
Version: $3
Cflags: -I\${prefix}/include $4
Libs: -L\${prefix}/lib $5
EOF
}

# staticpc PREFIX NAME EXTRA_CFLAGS: folds Libs.private into Libs (static link)
staticpc() {
  local pc=$1/lib/pkgconfig/$2.pc
  local priv
  priv=$(sed -n 's/^Libs.private: *//p' "$pc")
  sed -i -e "s|^Libs: \(.*\)|Libs: \1 $priv|" -e "s|^Cflags: \(.*\)|Cflags: \1 $3|" "$pc"
}

# build NAME SRCPKG BUILDER [DEPENDENCY...]: the newest version of SRCPKG
# whose sources Debian's archive serves, built by BUILDER PREFIX SRC into
# $OUT/<srcpkg>_<version>[+<dependency>_<version>...] unless that is cached.
# Sets PREFIX[NAME] and VERSION[NAME].
declare -A PREFIX VERSION SRCPKG
build() {
  local name=$1 pkg=$2 fn=$3
  shift 3
  local deps="" d v
  for d in "$@"; do deps+="+${SRCPKG[$d]}_${VERSION[$d]}"; done
  for v in $(versions "$pkg"); do
    local key="${pkg}_${v#*:}$deps"
    local prefix=$OUT/$key
    PREFIX[$name]=$prefix
    VERSION[$name]=${v#*:}
    SRCPKG[$name]=$pkg
    [ -f "$prefix/SOURCE" ] && return 0
    local src t0=$SECONDS
    if ! src=$(unpack "$pkg" "$v"); then
      log "$pkg $v: not downloadable from the archive, trying the previous version"
      continue
    fi
    log "building $key"
    rm -rf "$prefix.tmp" "$src/_w64"
    mkdir -p "$prefix.tmp"
    set +e
    (
      set -e
      cd "$src"
      "$fn" "$prefix.tmp" "$src"
    ) >"$CACHE/src/$key.log" 2>&1
    local rc=$?
    set -e
    # a library is a static library: none built is a failure
    if [ $rc -eq 0 ] && ! ls "$prefix.tmp"/lib/*.a >/dev/null 2>&1; then
      echo "no static library in $prefix.tmp/lib" >>"$CACHE/src/$key.log"
      rc=1
    fi
    if [ $rc -ne 0 ]; then
      log "FAILED: $key (log: $CACHE/src/$key.log)"
      tail -30 "$CACHE/src/$key.log" >&2
      exit 1
    fi
    # .pc files name the final prefix
    find "$prefix.tmp" -name '*.pc' -exec sed -i "s|$prefix.tmp|$prefix|g" {} +
    echo "$pkg $v (Debian 12 source package), built $(date -u +%FT%TZ) in $((SECONDS - t0)) s" \
      >"$prefix.tmp/SOURCE"
    rm -rf "$prefix"
    mv "$prefix.tmp" "$prefix"
    rm -rf "$src/_w64"
    log "built $key in $((SECONDS - t0)) s"
    return 0
  done
  if [ -n "${OPTIONAL[$name]:-}" ]; then
    log "no version of $pkg could be downloaded"
    return 1
  fi
  log "FAILED: no version of $pkg could be downloaded"
  exit 1
}
# libinih: on these machines the archive lists libinih 55-1 but serves none
# of its files (404); the agent then uses lib/platform/win32/inih/ (the part
# of inih's API it needs, Debian's options), see docs/platforms.md.
declare -A OPTIONAL=([inih]=1)

cmake_build() { # PREFIX SRC [cmake args]
  local p=$1 s=$2
  shift 2
  cmake -S "$s" -B "$s/_w64" -DCMAKE_TOOLCHAIN_FILE="$TOOLCHAIN" -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_C_FLAGS="$CFLAGS_W" -DCMAKE_INSTALL_PREFIX="$p" -DCMAKE_INSTALL_LIBDIR=lib \
    -DBUILD_SHARED_LIBS=OFF "$@"
  cmake --build "$s/_w64" -j"$JOBS"
  cmake --install "$s/_w64"
}

b_zlib() { # the objects of zlib's win32/Makefile.gcc (Debian's dfsg source has
  # no win32/ folder), static
  local o objs=""
  for o in adler32 compress crc32 deflate gzclose gzlib gzread gzwrite infback inffast inflate \
    inftrees trees uncompr zutil; do
    $HOST-gcc $CFLAGS_W -c "$o.c" -o "$o.o"
    objs+=" $o.o"
  done
  mkdir -p "$1/include" "$1/lib"
  # shellcheck disable=SC2086
  $HOST-ar rcs "$1/lib/libz.a" $objs
  cp zlib.h zconf.h "$1/include/"
  pcfile "$1" zlib "${VERSION[zlib]}" "" "-lz"
}

b_sodium() { # Debian's source has no configure: autoreconf, as debian/rules does
  [ -x configure ] || autoreconf -fi
  mkdir -p _w64 && cd _w64
  ../configure --host=$HOST --prefix="$1" --disable-shared --enable-static --disable-pie \
    --disable-dependency-tracking CFLAGS="$CFLAGS_W"
  make -j"$JOBS"
  make install
  staticpc "$1" libsodium "-DSODIUM_STATIC"
}

b_zmq() { # CURVE through libsodium; CMake, the build that has Windows' own
  # condition variables (autotools offers only C++11 threads, which the win32
  # thread model of Debian's mingw-w64 lacks); select() as the poller; no ipc://
  # (4.3.4 includes afunix.h only for MSVC)
  cmake_build "$1" "$2" -DCMAKE_CXX_FLAGS="$CFLAGS_W" -DBUILD_SHARED=OFF -DBUILD_STATIC=ON \
    -DBUILD_TESTS=OFF -DWITH_LIBSODIUM=ON -DWITH_LIBSODIUM_STATIC=ON -DENABLE_CURVE=ON \
    -DENABLE_DRAFTS=OFF -DZMQ_CV_IMPL=win32api -DPOLLER=select -DWITH_DOCS=OFF \
    -DWITH_PERF_TOOL=OFF -DENABLE_CPACK=OFF -DENABLE_PRECOMPILED=OFF -DENABLE_WS=OFF \
    -DWITH_TLS=OFF -DWITH_NSS=OFF -DWITH_MILITANT=OFF -DENABLE_INTRINSICS=OFF \
    -DZMQ_HAVE_IPC=OFF -DCMAKE_PREFIX_PATH="${PREFIX[sodium]}" \
    -Dsodium_INCLUDE_DIRS="${PREFIX[sodium]}/include" \
    -Dsodium_LIBRARIES="${PREFIX[sodium]}/lib/libsodium.a" \
    -DSODIUM_INCLUDE_DIRS="${PREFIX[sodium]}/include" \
    -DSODIUM_LIBRARIES="${PREFIX[sodium]}/lib/libsodium.a"
  # CURVE must come from libsodium, never the built-in tweetnacl fallback
  grep -q '^#define ZMQ_USE_LIBSODIUM' "$2/_w64/platform.hpp"
  local lib
  lib=$(cd "$1/lib" && ls libzmq*.a | head -1)
  [ "$lib" = libzmq.a ] || mv "$1/lib/$lib" "$1/lib/libzmq.a"
  rm -rf "$1/lib/pkgconfig" "$1/lib/cmake" "$1/share"
  pcfile "$1" libzmq "$(echo "${VERSION[zmq]}" | cut -d- -f1)" "-DZMQ_STATIC" \
    "-lzmq -L${PREFIX[sodium]}/lib -lsodium -lws2_32 -liphlpapi -ladvapi32 -lstdc++"
}

b_protobufc() { # the runtime only (the generator runs on the build machine)
  mkdir -p "$1/include/protobuf-c" "$1/lib"
  $HOST-gcc $CFLAGS_W -I. -c protobuf-c/protobuf-c.c -o protobuf-c.o
  $HOST-ar rcs "$1/lib/libprotobuf-c.a" protobuf-c.o
  cp protobuf-c/protobuf-c.h "$1/include/protobuf-c/"
  pcfile "$1" libprotobuf-c "${VERSION[protobufc]}" "" "-lprotobuf-c"
}

b_lmdb() {
  cd libraries/liblmdb
  $HOST-gcc $CFLAGS_W -c mdb.c -o mdb.o
  $HOST-gcc $CFLAGS_W -c midl.c -o midl.o
  mkdir -p "$1/include" "$1/lib"
  $HOST-ar rcs "$1/lib/liblmdb.a" mdb.o midl.o
  cp lmdb.h "$1/include/"
  pcfile "$1" lmdb "${VERSION[lmdb]}" "" "-llmdb -ladvapi32"
}

b_inih() { # the C parser with meson_options.txt's defaults, as Debian builds it
  $HOST-gcc $CFLAGS_W -c ini.c -o ini.o
  mkdir -p "$1/include" "$1/lib"
  $HOST-ar rcs "$1/lib/libinih.a" ini.o
  cp ini.h "$1/include/"
  pcfile "$1" inih "${VERSION[inih]}" "" "-linih"
}

b_expat() { # autotools, as debian/rules builds it (Debian's security patches
  # test XML_DTD == 1, which only the autotools configuration defines so)
  cd expat
  [ -x configure ] || autoreconf -fi
  rm -rf _w64 && mkdir _w64 && cd _w64
  ../configure --host=$HOST --prefix="$1" --disable-shared --enable-static --without-docbook \
    --without-examples --without-tests --without-xmlwf CFLAGS="$CFLAGS_W"
  make -j"$JOBS"
  make install
  staticpc "$1" expat "-DXML_STATIC"
}

b_libzip() { # deflate only (what .xlsx uses); no TLS, bzip2, lzma, zstd
  cmake_build "$1" "$2" -DCMAKE_PREFIX_PATH="${PREFIX[zlib]}" \
    -DZLIB_INCLUDE_DIR="${PREFIX[zlib]}/include" -DZLIB_LIBRARY="${PREFIX[zlib]}/lib/libz.a" \
    -DENABLE_BZIP2=OFF -DENABLE_LZMA=OFF -DENABLE_ZSTD=OFF -DENABLE_GNUTLS=OFF \
    -DENABLE_OPENSSL=OFF -DENABLE_MBEDTLS=OFF -DENABLE_COMMONCRYPTO=OFF \
    -DENABLE_WINDOWS_CRYPTO=OFF -DBUILD_TOOLS=OFF -DBUILD_REGRESS=OFF -DBUILD_EXAMPLES=OFF \
    -DBUILD_DOC=OFF
  staticpc "$1" libzip "-DZIP_STATIC"
  # zlib by its full path (pkg-config's -lz would find no libz.a on the way)
  sed -i "s|^Libs:.*|Libs: -L\${libdir} -lzip -ladvapi32 ${PREFIX[zlib]}/lib/libz.a|" \
    "$1/lib/pkgconfig/libzip.pc"
}

b_xlsxwriter() { # huibao-agent template; its bundled minizip, zlib from above.
  # With mingw-w64 it opens files with the ANSI calls (it takes the UTF-16
  # ones only for MSVC), so it is built with huibao's compat.h, whose fopen
  # takes UTF-8 paths (hb_win_fopen, linked from the agent): a template
  # written to a folder named in Chinese. Its key carries compat.h's hash.
  CFLAGS_W="$CFLAGS_W -include $COMPAT_H" cmake_build "$1" "$2" \
    -DZLIB_INCLUDE_DIR="${PREFIX[zlib]}/include" \
    -DZLIB_LIBRARY="${PREFIX[zlib]}/lib/libz.a" -DUSE_SYSTEM_MINIZIP=OFF -DBUILD_TESTS=OFF \
    -DBUILD_EXAMPLES=OFF -DUSE_STATIC_MSVC_RUNTIME=OFF
  mkdir -p "$1/lib/pkgconfig"
  pcfile "$1" xlsxwriter "${VERSION[xlsxwriter]}" "" "-lxlsxwriter ${PREFIX[zlib]}/lib/libz.a"
}

b_zstd() { # the library only (compress + decompress: the agent compresses its Submits,
  # issue 17); the x86-64 assembly of the Huffman decoder is ELF-only: C instead
  cd lib
  mkdir -p "$1/include" "$1/lib" _w64
  local f o objs=()
  for f in common/*.c compress/*.c decompress/*.c; do
    o=_w64/$(basename "${f%.c}").o
    $HOST-gcc $CFLAGS_W -DZSTD_DISABLE_ASM -DZSTD_MULTITHREAD=0 -I. -Icommon -c "$f" -o "$o"
    objs+=("$o")
  done
  $HOST-ar rcs "$1/lib/libzstd.a" "${objs[@]}"
  cp zstd.h zdict.h zstd_errors.h "$1/include/"
  pcfile "$1" libzstd "${VERSION[zstd]}" "" "-lzstd"
}

build zlib zlib b_zlib
build zstd libzstd b_zstd
build sodium libsodium b_sodium
build zmq zeromq3 b_zmq sodium
build protobufc protobuf-c b_protobufc
build lmdb lmdb b_lmdb
build inih libinih b_inih || log "libinih: no source; the agent uses lib/platform/win32/inih/"
build expat expat b_expat
build libzip libzip b_libzip zlib
COMPAT_H=$(cd "$(dirname "$0")/../.." && pwd)/lib/platform/win32/compat.h
SRCPKG[compat]=compat VERSION[compat]=$(sha256sum "$COMPAT_H" | cut -c1-12)
build xlsxwriter libxlsxwriter b_xlsxwriter zlib compat

for n in zlib zstd sodium zmq protobufc lmdb inih expat libzip xlsxwriter; do
  [ -f "${PREFIX[$n]:-/nonexistent}/SOURCE" ] && echo "${PREFIX[$n]}/lib/pkgconfig"
done
