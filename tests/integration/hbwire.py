"""A raw huibao client for attack tests: protobuf (proto2) encoded by hand
(proto/huibao/v1/huibao.proto; no generated Python) and a ZeroMQ DEALER or
SUB with CURVE keys read from huibao-keygen's zcert files (python3-zmq).

    c = hbwire.Agent(endpoint, secret_file, county_public_file)
    ack = c.submit(unit, [hbwire.problem(unit, "WT001", version, ...)])
    ack["results"][0]["code"] == hbwire.REJECTED
"""
import datetime
import re
import time

import zmq

STORED, DUPLICATE, STALE, REJECTED = 1, 2, 3, 4
CODE_NAMES = {STORED: "STORED", DUPLICATE: "DUPLICATE", STALE: "STALE", REJECTED: "REJECTED"}
U64_MAX = (1 << 64) - 1


def _varint(n):
    n &= U64_MAX if n >= 0 else (1 << 64) - 1
    if n < 0:
        n += 1 << 64
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def f_varint(field, n):
    return _varint(field << 3) + _varint(n if n >= 0 else n + (1 << 64))


def f_bytes(field, b):
    if isinstance(b, str):
        b = b.encode("utf-8")
    return _varint((field << 3) | 2) + _varint(len(b)) + b


def day(iso):
    """Days since 1970-01-01 of YYYY-MM-DD."""
    return (datetime.date.fromisoformat(iso) - datetime.date(1970, 1, 1)).days


def problem(unit, pid, version, campaign, identified_on="2022-07-01", scope=1,
            category="深化县情认识", status=2, measures=1, deadline="2024-06-30",
            description="raw client problem", deleted=False, extra=b""):
    """A packed Problem (status 1 identified, 2 rectifying, 3 resolved);
    extra: raw bytes appended (unknown fields)."""
    if deleted:
        return (f_bytes(1, unit) + f_bytes(2, pid) + f_varint(3, version) + f_varint(13, 1)
                + extra)
    return (f_bytes(1, unit) + f_bytes(2, pid) + f_varint(3, version) + f_bytes(4, campaign)
            + f_varint(5, day(identified_on)) + f_varint(6, scope) + f_bytes(7, category)
            + f_varint(8, status) + f_varint(9, measures) + f_varint(10, day(deadline))
            + f_bytes(12, description) + extra)


def record(seq, problem_bytes):
    return f_varint(1, seq) + f_bytes(3, problem_bytes)


def submit(batch_id, unit, records):
    return (f_varint(1, batch_id) + f_bytes(2, unit)
            + b"".join(f_bytes(3, record(i + 1, r)) for i, r in enumerate(records)))


def parse(buf):
    """{field: [values]} of one message: ints for varint/fixed, bytes else."""
    out, i = {}, 0
    while i < len(buf):
        key, i = _read_varint(buf, i)
        field, wt = key >> 3, key & 7
        if wt == 0:
            v, i = _read_varint(buf, i)
        elif wt == 1:
            v, i = int.from_bytes(buf[i:i + 8], "little"), i + 8
        elif wt == 5:
            v, i = int.from_bytes(buf[i:i + 4], "little"), i + 4
        elif wt == 2:
            n, i = _read_varint(buf, i)
            v, i = buf[i:i + n], i + n
        else:
            raise ValueError(f"wire type {wt}")
        out.setdefault(field, []).append(v)
    return out


def _read_varint(buf, i):
    n = shift = 0
    while True:
        b = buf[i]
        i += 1
        n |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            return n, i


def ack(buf):
    m = parse(buf)
    results = []
    for r in m.get(2, []):
        rm = parse(r)
        results.append({"seq": rm[1][0], "code": rm[2][0],
                        "field": rm.get(3, [b""])[0].decode("utf-8", "replace"),
                        "reason": rm.get(4, [b""])[0].decode("utf-8", "replace"),
                        "stored_version": rm.get(5, [None])[0]})
    return {"batch_id": m.get(1, [0])[0], "results": results,
            "error": m.get(3, [b""])[0].decode("utf-8", "replace"), "epoch": m.get(5, [0])[0]}


def zcert_keys(path):
    """(public, secret or None) Z85 keys of a zcert file."""
    with open(path, encoding="utf-8") as f:
        text = f.read()
    pub = re.search(r'public-key\s*=\s*"([^"]{40})"', text).group(1)
    sec = re.search(r'secret-key\s*=\s*"([^"]{40})"', text)
    return pub, (sec.group(1) if sec else None)


def curve_client(sock, secret_file, server_public_file):
    pub, sec = zcert_keys(secret_file)
    sock.curve_publickey = pub.encode()
    sock.curve_secretkey = sec.encode()
    sock.curve_serverkey = zcert_keys(server_public_file)[0].encode()


def rollup_recv(publish, secret_file, county_public_file, campaign, timeout=5.0):
    """The first packed Rollup of campaign received on publish as a city
    would (a SUB with the city's key pair), parsed ({field: [values]}), or
    None after timeout seconds."""
    ctx = zmq.Context()
    s = ctx.socket(zmq.SUB)
    s.linger = 0
    curve_client(s, secret_file, county_public_file)
    s.connect(publish)
    s.setsockopt(zmq.SUBSCRIBE, f"rollup/{campaign}".encode())
    got = None
    end = time.monotonic() + timeout
    while time.monotonic() < end and got is None:
        if s.poll(200):
            got = parse(s.recv_multipart()[-1])
    s.close(0)
    ctx.term()
    return got


class Agent:
    """A DEALER that speaks Submit/Ack with a unit's key pair."""

    def __init__(self, endpoint, secret_file, county_public_file):
        self.ctx = zmq.Context()
        self.sock = self.ctx.socket(zmq.DEALER)
        self.sock.linger = 0
        curve_client(self.sock, secret_file, county_public_file)
        self.sock.connect(endpoint)
        self.batch = 1000

    def submit(self, unit, problems, timeout=5.0):
        """Sends one Submit of packed Problems; returns the parsed Ack (or None)."""
        self.batch += 1
        self.sock.send(submit(self.batch, unit, problems))
        if not self.sock.poll(int(timeout * 1000)):
            return None
        while True:
            a = ack(self.sock.recv())
            if a["batch_id"] == self.batch:
                return a

    def close(self):
        self.sock.close(0)
        self.ctx.term()
