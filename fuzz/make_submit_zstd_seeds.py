#!/usr/bin/python3
"""Seeds of fuzz_submit with Submit.records_zstd (issue 17): each packed
Submit given, its records (field 3) moved into one zstd frame (the zstd
tool, which writes the content size, as the agent's ZSTD_compress2 does),
written as OUT_DIR/NAME-zstd; and a decompression bomb (4 MB of zeros).
  fuzz/make_submit_zstd_seeds.py OUT_DIR SUBMIT..."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_delta_seeds import ld, varint, zstd  # noqa: E402  (protobuf by hand, the zstd tool)

RECORDS, RECORDS_ZSTD = 3, 6


def parse(b):
    """[(field, int or bytes)] of a message's top level (varints, bytes)."""
    out, i = [], 0
    while i < len(b):
        key, i = read_varint(b, i)
        if key & 7 == 0:
            v, i = read_varint(b, i)
        else:
            n, i = read_varint(b, i)
            v, i = b[i:i + n], i + n
        out.append((key >> 3, v))
    return out


def read_varint(b, i):
    v = s = 0
    while b[i] & 0x80:
        v, s, i = v | (b[i] & 0x7f) << s, s + 7, i + 1
    return v | b[i] << s, i + 1


def field(n, v):
    return varint(n << 3) + varint(v) if isinstance(v, int) else ld(n, v)


def main():
    out = sys.argv[1]
    for path in sys.argv[2:]:
        with open(path, "rb") as f:
            m = parse(f.read())
        other = b"".join(field(n, v) for n, v in m if n != RECORDS)
        recs = b"".join(field(n, v) for n, v in m if n == RECORDS)
        with open(os.path.join(out, os.path.basename(path) + "-zstd"), "wb") as f:
            f.write(other + field(RECORDS_ZSTD, zstd(recs)))
    with open(os.path.join(out, "bomb-zstd"), "wb") as f:
        f.write(field(1, 1) + field(2, b"t01") + field(RECORDS_ZSTD, zstd(bytes(4096000 + 1))))


if __name__ == "__main__":
    main()
