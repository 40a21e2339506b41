#!/usr/bin/python3
"""Seeds of fuzz_delta (fuzz/fuzz_delta.c): from two packed Rollups of one
campaign (the rollup corpus), a full RollupDelta, a delta against it (zstd
--patch-from, the same frame format as ZSTD_CCtx_refPrefix) and beats.
  fuzz/make_delta_seeds.py ROLLUP_A ROLLUP_B OUT_DIR"""
import hashlib
import os
import struct
import subprocess
import sys
import tempfile


def varint(v):
    out = b""
    while True:
        b = v & 0x7f
        v >>= 7
        if v:
            out += bytes([b | 0x80])
        else:
            return out + bytes([b])


def ld(field, b):
    return varint(field << 3 | 2) + varint(len(b)) + b


def h(b):
    return struct.unpack("<Q", hashlib.blake2b(b, digest_size=16).digest()[:8])[0]


def zstd(cur, base=None):
    with tempfile.TemporaryDirectory() as d:
        c = os.path.join(d, "c")
        open(c, "wb").write(cur)
        argv = ["zstd", "-q", "-c", "-3", c]
        if base is not None:
            p = os.path.join(d, "b")
            open(p, "wb").write(base)
            argv[1:1] = ["--patch-from", p]
        return subprocess.run(argv, check=True, capture_output=True).stdout


def delta(campaign, cur, base=None):
    m = ld(1, campaign) + varint(2 << 3) + varint(1) + varint(3 << 3 | 1) + struct.pack(
        "<Q", h(cur)) + varint(4 << 3) + varint(len(cur))
    if base is not None:
        m += varint(5 << 3 | 1) + struct.pack("<Q", h(base))
    return m + ld(6, zstd(cur, base))


def beat(campaign, cur):
    e = ld(1, campaign) + varint(2 << 3) + varint(1) + varint(3 << 3 | 5) + struct.pack(
        "<I", h(cur) & 0xffffffff)
    return ld(1, e)


def frame(kind, m):
    return bytes([kind]) + struct.pack("<H", len(m)) + m


def main():
    a, b = open(sys.argv[1], "rb").read(), open(sys.argv[2], "rb").read()
    out = sys.argv[3]
    os.makedirs(out, exist_ok=True)
    c = b"nengli-2022"
    seeds = {
        "full": frame(0, delta(c, a)),
        "full-beat": frame(0, delta(c, a)) + frame(1, beat(c, a)),
        "full-delta-beat": frame(0, delta(c, a)) + frame(0, delta(c, b, a)) + frame(1, beat(c, b)),
        "gap": frame(0, delta(c, b, a)) + frame(1, beat(c, a)),
    }
    for n, s in seeds.items():
        open(os.path.join(out, n), "wb").write(s)


if __name__ == "__main__":
    main()
