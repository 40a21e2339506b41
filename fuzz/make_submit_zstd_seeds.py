#!/usr/bin/python3
"""Seeds of fuzz_submit with Submit.records_zstd (issue 17): each packed
Submit given, its records (field 3) moved into one zstd frame (the zstd
tool, which writes the content size, as the agent's ZSTD_compress2 does),
written as OUT_DIR/NAME-zstd; and a decompression bomb (4 MB of zeros).
  fuzz/make_submit_zstd_seeds.py OUT_DIR SUBMIT..."""
import os
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


def read_varint(b, i):
    v = s = 0
    while True:
        c = b[i]
        i += 1
        v |= (c & 0x7f) << s
        s += 7
        if c < 0x80:
            return v, i


def fields(b):
    """(number, raw bytes of the whole field) of a message's top level."""
    i = 0
    while i < len(b):
        start = i
        key, i = read_varint(b, i)
        wt = key & 7
        if wt == 0:
            _, i = read_varint(b, i)
        elif wt == 1:
            i += 8
        elif wt == 2:
            n, i = read_varint(b, i)
            i += n
        elif wt == 5:
            i += 4
        else:
            raise ValueError("unsupported wire type")
        yield key >> 3, b[start:i]


def zstd(data):
    with tempfile.NamedTemporaryFile() as f:
        f.write(data)
        f.flush()
        return subprocess.run(["zstd", "-q", "-c", f.name], check=True,
                              capture_output=True).stdout


def main():
    out = sys.argv[1]
    for path in sys.argv[2:]:
        b = open(path, "rb").read()
        other, recs = b"", b""
        for n, raw in fields(b):
            if n == 3:
                recs += raw
            else:
                other += raw
        z = zstd(recs)
        with open(os.path.join(out, os.path.basename(path) + "-zstd"), "wb") as f:
            f.write(other + varint(6 << 3 | 2) + varint(len(z)) + z)
    bomb = zstd(bytes(4096000 + 1))
    with open(os.path.join(out, "bomb-zstd"), "wb") as f:
        f.write(varint(1 << 3) + varint(1) + varint(2 << 3 | 2) + varint(3) + b"t01" +
                varint(6 << 3 | 2) + varint(len(bomb)) + bomb)


if __name__ == "__main__":
    main()
