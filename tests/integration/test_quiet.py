#!/usr/bin/env python3
"""Quiet beats (issue 17, docs/protocol.md "Quiet beats"): a county (CURVE,
heartbeats of 200 ms) -> a city (`huibao-sub run`), and a raw SUB of "state/"
and "tock" beside it.

- Idle, the county's quiet beats back off: each says when the next comes
  (next_ms 200, 400, 800, then 1600 = 8 heartbeats), and the city follows
  them: it never marks the county stale while nothing changes (the rule of 3
  heartbeats alone would, every 1.6 s).
- A one-row edit reaches the city (its log shows the new seq), and the next
  quiet beat says 200 again.
- The county frozen (SIGSTOP: its connection stays open, nothing comes): the
  city marks it stale after the announced 1.6 s + 2 heartbeats, not after 3
  heartbeats; SIGCONT: heard again.
- The county killed (-9: its connection closes) just after a quiet beat of
  1.6 s: the city marks it stale 3 heartbeats after that beat (the closed
  connection voids what the beat announced), not 2 s after."""
import os
import re
import signal
import subprocess
import threading
import time

import hbtest
import hbwire
import zmq

HB_MS = 200
QUIET_MAX = 8 * HB_MS  # HB_PUBLISHER_QUIET_BEATS heartbeats


class Tocks:
    """A raw SUB of "state/" and "tock" logging (monotonic, next_ms) per quiet beat."""

    def __init__(self, endpoint, secret, server_public):
        self.ctx = zmq.Context()
        self.s = self.ctx.socket(zmq.SUB)
        self.s.linger = 0
        hbwire.curve_client(self.s, secret, server_public)
        for tp in ("state/", "tock"):
            self.s.setsockopt(zmq.SUBSCRIBE, tp.encode())
        self.s.connect(endpoint)
        self.lock = threading.Lock()
        self.log = []
        self.bad = []
        self.stop = False
        self.th = threading.Thread(target=self.run, daemon=True)
        self.th.start()

    def run(self):
        while not self.stop:
            if not self.s.poll(20):
                continue
            parts = self.s.recv_multipart()
            if parts[0].startswith(b"tock"):
                if len(parts) != 1:
                    self.bad.append(len(parts))
                    continue
                beat = hbwire.parse(parts[0][4:])  # RollupBeat: 2 = next_ms
                with self.lock:
                    self.log.append((time.monotonic(), beat.get(2, [0])[0]))

    def since(self, t0):
        with self.lock:
            return [x for x in self.log if x[0] >= t0]

    def wait(self, pred, timeout):
        """The first beat after now for which pred(next_ms) holds, or None."""
        t0 = time.monotonic()
        while time.monotonic() < t0 + timeout:
            for x in self.since(t0):
                if pred(x[1]):
                    return x
            time.sleep(0.01)
        return None

    def close(self):
        self.stop = True
        self.th.join()
        self.s.close(0)
        self.ctx.term()


def text(path):
    with open(path, "rb") as f:
        return f.read().decode("utf-8", "replace")


def wait_log(path, pattern, start, timeout):
    """The first match of pattern in path's text after offset start, or None."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        m = re.search(pattern, text(path)[start:])
        if m:
            return m
        time.sleep(0.02)
    return None


def seqs(t, agg):
    _, got = t.rollups(agg)
    return {c: r.get("seq") for c, r in got.items()}


def main(t):
    k = t.keys
    k.make(["city1", "meter"])
    k.install("city1", k.cities)
    k.install("meter", k.cities)
    county = t.county("county", 6, 6, 23, 0, "--gbk", "0", "--bom", "0", "--zh-header", "0",
                      "--shuffle", "0", "--silent", "0")
    agg = t.aggregator(county, heartbeat_ms=HB_MS)
    runs = t.sync_all(county, agg)
    t.check(all(r.rc == 0 for r in runs.values()), "every sync exits 0")
    os.makedirs(os.path.join(t.dir, "city-data"), exist_ok=True)
    log = os.path.join(t.dir, "city.log")
    t.logs.append(log)
    logf = open(log, "wb")
    city = subprocess.Popen(
        [hbtest.SUB, "run", "--connect", agg.publish, "--data", os.path.join(t.dir, "city-data"),
         "--source", "city1", "--key", k.secret("city1"),
         "--server-key", k.public("county"), "--log-level", "info"],
        stdout=logf, stderr=subprocess.STDOUT)
    hbtest._live.append(city)
    tocks = Tocks(agg.publish, k.secret("meter"), k.public("county"))
    before = seqs(t, agg)
    t.check(len(before) >= 1, f"the county publishes campaigns ({sorted(before)})")
    t.check(wait_log(log, r"campaign \S+: seq \d+", 0, 15) is not None, "the city hears the county")

    # idle: the beats back off to 8 heartbeats, the city stays fresh
    t0 = time.monotonic()
    start = len(text(log))
    t.check(tocks.wait(lambda n: n == QUIET_MAX, 15) is not None,
            f"idle, a quiet beat says the next comes within {QUIET_MAX} ms")
    time.sleep(3 * QUIET_MAX / 1000)
    nexts = [n for _, n in tocks.since(t0)]
    t.check(nexts and max(nexts) == QUIET_MAX and all(n in (200, 400, 800, 1600) for n in nexts),
            f"every quiet beat says 200, 400, 800 or 1600 ms ({nexts})")
    t.check_eq(tocks.bad, [], "every quiet beat is one frame")
    idle_log = text(log)[start:]
    t.check("stale" not in idle_log,
            "idle, the city never marks the county stale (it follows the announced interval)",
            idle_log[-2000:])

    # an edit reaches the city; the next quiet beat says one heartbeat again
    unit = county.units()[0]
    start = len(text(log))
    county.set_participants(unit, 4321)
    t.check_rc(t.sync(county, unit, agg), 0, "the sync of a one-row edit")
    after = seqs(t, agg)
    moved = {c: s for c, s in after.items() if s != before.get(c)}
    t.check(len(moved) >= 1, f"the edit moved a campaign's seq ({before} -> {after})")
    for c, s in moved.items():
        t.check(wait_log(log, rf"campaign {re.escape(c)}: seq \d+ -> {s}\b", start, 15) is not None,
                f"the city has the edit of {c} (seq {s})")
    t.check(tocks.wait(lambda n: n == HB_MS, 5) is not None or
            any(n == HB_MS for _, n in tocks.since(time.monotonic() - 3)),
            f"after the edit a quiet beat says {HB_MS} ms again")

    # frozen: stale after the announced interval + 2 heartbeats
    t.check(tocks.wait(lambda n: n == QUIET_MAX, 15) is not None, "idle again: back to 1600 ms")
    start = len(text(log))
    agg.proc.send_signal(signal.SIGSTOP)
    m = wait_log(log, r"stale \(nothing heard for ([0-9.]+) s\)", start, 15)
    t.check(m is not None, "the frozen county is marked stale", text(log)[start:][-2000:])
    if m:
        quiet = float(m.group(1))
        t.check((QUIET_MAX + 2 * HB_MS) / 1000 <= quiet + 0.05 <= 3.5,
                f"... after the announced {QUIET_MAX} ms + 2 heartbeats (nothing heard for "
                f"{quiet} s; 3 heartbeats alone would be 0.6 s)")
    start = len(text(log))
    agg.proc.send_signal(signal.SIGCONT)
    t.check(wait_log(log, r"heard again", start, 15) is not None, "SIGCONT: heard again")

    # killed just after a quiet beat of 1.6 s: 3 heartbeats after it
    t.check(tocks.wait(lambda n: n == QUIET_MAX, 15) is not None, "idle again: 1600 ms")
    start = len(text(log))
    agg.kill9()
    m = wait_log(log, r"stale \(nothing heard for ([0-9.]+) s\)", start, 15)
    t.check(m is not None, "the killed county is marked stale", text(log)[start:][-2000:])
    if m:
        quiet = float(m.group(1))
        t.check(quiet < (QUIET_MAX + 2 * HB_MS) / 1000 - 0.5,
                f"... 3 heartbeats after its last beat, its connection closed (nothing heard "
                f"for {quiet} s; the announced interval would be 2.0 s)")
    tocks.close()
    city.send_signal(signal.SIGTERM)
    t.check_eq(city.wait(20), 0, "the city stops on SIGTERM")
    logf.close()


hbtest.Test("quiet").guard(main)
