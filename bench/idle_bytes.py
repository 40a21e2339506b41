#!/usr/bin/python3
"""Bytes on the wire between levels (issue 17: quiet when idle, small per change).

A real county (huibao-aggregator, 61 units, ledgers from tests/tools/gen_ledgers.py,
CURVE) -> a real city (`huibao-sub run --publish`, CURVE) -> a real province
(`huibao-sub run`). At the county's and the city's publishers a counting subscriber
(a raw ZeroMQ SUB with a subscriber key pair, CURVE on) subscribes as each kind of
subscriber does and adds up the bytes of every message it receives (topic frame +
body frame, after decryption: what the publisher sends for that subscriber; the
ZMTP/CURVE framing adds 2 x 35 bytes a message, and TCP/IP headers a packet):
  new  subscribes "state/" and "tick" (a subscriber of issue 17)
  old  subscribes "rollup/" (a subscriber of issue 14: full Rollups)
Rows (medians of --reps repetitions):
  idle bytes/s per source per subscriber, over --window seconds of nothing changing
  bytes per one-row edit (a participants count of one activity row, then one agent
  sync): every message of "state/" (new) or "rollup/" carrying the new seq (old)
  within 3 s of the sync, at the county (to the city) and at the city (to the province).
Prints "row | target | measured | met|NOT met" lines; exit 0 (a benchmark).

  bench/idle_bytes.py [--reps 5] [--window 10] [--heartbeat-ms 1000]
"""
import argparse
import csv
import io
import os
import re
import statistics
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))
import hbtest  # noqa: E402
import hbwire  # noqa: E402
import zmq  # noqa: E402

IDLE_TARGET = 100  # bytes/s per source per subscriber
EDIT_TARGET = 2048  # bytes per one-row edit per subscriber per level


class Counter:
    """A raw SUB counting the bytes of what it receives, per topic family."""

    def __init__(self, endpoint, secret, server_public, topics):
        self.ctx = zmq.Context()
        self.s = self.ctx.socket(zmq.SUB)
        self.s.linger = 0
        hbwire.curve_client(self.s, secret, server_public)
        for t in topics:
            self.s.setsockopt(zmq.SUBSCRIBE, t.encode())
        self.s.connect(endpoint)
        self.lock = threading.Lock()
        self.log = []  # (monotonic, topic, bytes)
        self.stop = False
        self.th = threading.Thread(target=self.run, daemon=True)
        self.th.start()

    def run(self):
        while not self.stop:
            if self.s.poll(100):
                parts = self.s.recv_multipart()
                n = sum(len(p) for p in parts)
                with self.lock:
                    self.log.append((time.monotonic(), parts[0].decode("utf-8", "replace"), n))

    def bytes_between(self, t0, t1, prefix=""):
        with self.lock:
            return sum(n for (t, tp, n) in self.log if t0 <= t < t1 and tp.startswith(prefix))

    def close(self):
        self.stop = True
        self.th.join()
        self.s.close(0)
        self.ctx.term()


def tcp_sent(endpoint):
    """{peer: bytes_sent} of the publisher's established TCP connections
    (`ss -ti`, the kernel's count: ZMTP and CURVE framing included, TCP/IP
    headers not)."""
    port = endpoint.rsplit(":", 1)[1]
    out = subprocess.run(["ss", "-tinH", "state", "established", f"( sport = :{port} )"],
                         capture_output=True, text=True).stdout
    got, peer = {}, None
    for line in out.splitlines():
        if not line.startswith(("\t", " ")):
            f = line.split()
            peer = f[-1] if f else None
        else:
            m = re.search(r"bytes_sent:(\d+)", line)
            if peer and m:
                got[peer] = int(m.group(1))
    return got


def edit_one_row(county, unit, rnd):
    """Sets the participants count of the first activity row of unit."""
    path = os.path.join(county.ledger(unit), "activities.csv")
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    col = rows[0].index("participants")
    rows[1][col] = str(1000 + rnd)
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write(out.getvalue())


def start_sub(t, name, upstream, server_key, publish=None, hb_ms=1000):
    k = t.keys
    data = os.path.join(t.dir, name + "-data")
    os.makedirs(data, exist_ok=True)
    argv = [hbtest.SUB, "run", "--connect", upstream, "--data", data, "--source", name,
            "--key", k.secret(name), "--server-key", k.public(server_key),
            "--heartbeat-ms", str(hb_ms), "--log-level", "info"]
    if publish:
        subs = os.path.join(t.dir, name + "-subscribers")
        os.makedirs(subs, exist_ok=True)
        for who in ("province", "meter"):
            k.install(who, subs)
        argv += ["--publish", publish, "--secret", k.secret(name), "--subscriber-keys", subs]
    log = open(os.path.join(t.dir, name + ".log"), "wb")
    p = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT)
    hbtest._live.append(p)
    return p


def row(name, target, measured, unit, met):
    print(f"{name} | target {target} | measured {measured:.0f} {unit} | "
          f"{'met' if met else 'NOT met'}", flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--window", type=float, default=10.0)
    ap.add_argument("--heartbeat-ms", type=int, default=1000)
    a = ap.parse_args()
    t = hbtest.Test("idle_bytes")
    try:
        run(t, a)
    finally:
        hbtest._reap()
        import shutil
        shutil.rmtree(t.dir, ignore_errors=True)


def run(t, a):
    county = t.county("county", 61, 10, 7, 0, "--gbk", "0", "--bom", "0", "--zh-header", "0",
                      "--shuffle", "0", "--silent", "0")
    t.keys.make(["city", "province", "meter"])
    t.keys.install("meter", t.keys.cities)
    agg = t.aggregator(county, heartbeat_ms=a.heartbeat_ms)
    res = t.sync_all(county, agg)
    bad = [u for u, r in res.items() if r.rc != 0]
    if bad:
        print(f"sync failed for {bad[:5]}: {res[bad[0]]}", file=sys.stderr)
    city_pub = f"tcp://127.0.0.1:{hbtest.free_port()}"
    start_sub(t, "city", agg.publish, "county", city_pub, a.heartbeat_ms)
    start_sub(t, "province", city_pub, "city", None, a.heartbeat_ms)
    k = t.keys
    meters = {
        ("county", "new"): Counter(agg.publish, k.secret("meter"), k.public("county"),
                                   ["state/", "tick"]),
        ("county", "old"): Counter(agg.publish, k.secret("meter"), k.public("county"),
                                   ["rollup/"]),
        ("city", "new"): Counter(city_pub, k.secret("meter"), k.public("city"),
                                 ["state/", "tick"]),
        ("city", "old"): Counter(city_pub, k.secret("meter"), k.public("city"), ["rollup/"]),
    }
    time.sleep(4)  # the full states of the join, and the city's first merges
    idle = {m: [] for m in meters}
    wire = {lvl: [] for lvl in ("county", "city")}
    eps = {"county": agg.publish, "city": city_pub}
    for _ in range(a.reps):
        t0 = time.monotonic()
        before = {lvl: tcp_sent(ep) for lvl, ep in eps.items()}
        time.sleep(a.window)
        for lvl, ep in eps.items():
            after = tcp_sent(ep)
            rates = [(after[p] - before[lvl][p]) / a.window for p in after if p in before[lvl]]
            if rates:  # the quietest connection: a subscriber of the new topics
                wire[lvl].append(min(rates))
        for m, c in meters.items():
            idle[m].append(c.bytes_between(t0, t0 + a.window) / a.window)
    edit = {m: [] for m in meters}
    unit = county.units()[0]
    for rep in range(a.reps):
        edit_one_row(county, unit, rep)
        t0 = time.monotonic()
        r = t.sync(county, unit, agg)
        if r.rc != 0:
            print(f"sync of the edit failed: {r}", file=sys.stderr)
        time.sleep(3)
        t1 = time.monotonic()
        for m, c in meters.items():
            # what the edit moved: the delta topic (new), or the full rollups
            # beyond the heartbeat's (old: a heartbeat's worth is subtracted)
            if m[1] == "new":
                edit[m].append(c.bytes_between(t0, t1, "state/"))
            else:
                base = statistics.median(idle[m]) * (t1 - t0)
                edit[m].append(max(0.0, c.bytes_between(t0, t1) - base))
        time.sleep(1)
    for m in meters:
        c = meters[m]
        c.close()
    for lvl, to in (("county", "city"), ("city", "province")):
        for kind in ("old", "new"):
            v = statistics.median(idle[(lvl, kind)])
            row(f"idle bytes/s {lvl} -> {to} per subscriber ({kind} subscriber)",
                f"<= {IDLE_TARGET} B/s", v, "B/s", v <= IDLE_TARGET)
    for lvl, to in (("county", "city"), ("city", "province")):
        if wire[lvl]:
            v = statistics.median(wire[lvl])
            row(f"idle TCP bytes/s {lvl} -> {to}, quietest subscriber connection (ss -ti "
                "bytes_sent: ZMTP + CURVE framing, no TCP/IP headers)", f"<= {IDLE_TARGET} B/s",
                v, "B/s", v <= IDLE_TARGET)
    for lvl, to in (("county", "city"), ("city", "province")):
        for kind in ("old", "new"):
            v = statistics.median(edit[(lvl, kind)])
            row(f"bytes per one-row edit {lvl} -> {to} per subscriber ({kind} subscriber)",
                f"<= {EDIT_TARGET} B", v, "B", v <= EDIT_TARGET)
    print(f"(counted: message bytes at a raw CURVE SUB, topic + body; medians of {a.reps}; "
          f"idle windows of {a.window:.0f} s; heartbeat {a.heartbeat_ms} ms; "
          f"load {os.getloadavg()[0]:.2f})", flush=True)


if __name__ == "__main__":
    main()
