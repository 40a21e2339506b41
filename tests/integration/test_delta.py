#!/usr/bin/env python3
"""Quiet when idle, small per change (issue 17): a county (CURVE) -> a city
(`huibao-sub run --publish`) with heartbeats of 200 ms.

- Idle, a subscriber of the delta topics ("state/", "tick") receives at most
  100 bytes per heartbeat per source, counted over 10 heartbeats at the county
  and at the city (a size assertion: bytes / heartbeats received).
- An old-style subscriber (a raw SUB on "rollup/<campaign>", as issue 14's
  huibao-sub) still receives full Rollups from the new county and the new city.
- The city's view is exact (its merged seq and figures equal the county's) after
  the start, after a one-row edit (which moves at most 2 KB on the delta topics
  to each subscriber), and after the city is killed with -9 while the county
  changes and restarted on the same --data (it missed the deltas: it gets the
  full state and is exact again)."""
import os
import signal
import subprocess
import threading
import time

import hbtest
import hbwire
import zmq

HB_MS = 200


class Meter:
    """A raw SUB adding up the bytes of what it receives (topic + body)."""

    def __init__(self, endpoint, secret, server_public, topics):
        self.ctx = zmq.Context()
        self.s = self.ctx.socket(zmq.SUB)
        self.s.linger = 0
        hbwire.curve_client(self.s, secret, server_public)
        for tp in topics:
            self.s.setsockopt(zmq.SUBSCRIBE, tp.encode())
        self.s.connect(endpoint)
        self.lock = threading.Lock()
        self.log = []  # (monotonic, topic, bytes, parts)
        self.stop = False
        self.th = threading.Thread(target=self.run, daemon=True)
        self.th.start()

    def run(self):
        while not self.stop:
            if self.s.poll(50):
                parts = self.s.recv_multipart()
                with self.lock:
                    self.log.append((time.monotonic(), parts[0].decode("utf-8", "replace"),
                                     sum(len(p) for p in parts), parts))

    def since(self, t0, prefix=""):
        with self.lock:
            return [x for x in self.log if x[0] >= t0 and x[1].startswith(prefix)]

    def close(self):
        self.stop = True
        self.th.join()
        self.s.close(0)
        self.ctx.term()


class City:
    def __init__(self, t, upstream, subscriber_dir):
        self.t, self.upstream, self.subs = t, upstream, subscriber_dir
        self.data = os.path.join(t.dir, "city-data")
        os.makedirs(self.data, exist_ok=True)
        self.publish = f"tcp://127.0.0.1:{hbtest.free_port()}"
        self.starts = 0

    def start(self):
        self.starts += 1
        k = self.t.keys
        self.log = os.path.join(self.t.dir, f"city.{self.starts}.log")
        self.t.logs.append(self.log)
        argv = [hbtest.SUB, "run", "--connect", self.upstream, "--data", self.data,
                "--source", "city1", "--publish", self.publish, "--secret", k.secret("city1"),
                "--subscriber-keys", self.subs, "--heartbeat-ms", str(HB_MS),
                "--key", k.secret("city1"), "--server-key", k.public("county"),
                "--log-level", "info"]
        self.logf = open(self.log, "wb")
        self.proc = subprocess.Popen(argv, stdout=self.logf, stderr=subprocess.STDOUT)
        hbtest._live.append(self.proc)
        return self

    def kill9(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()
        self.logf.close()


def view(t, endpoint, key, server):
    """{campaign: snapshot json} of `huibao-sub snapshot` on endpoint."""
    k = t.keys
    r = hbtest.run([hbtest.SUB, "snapshot", "--connect", endpoint, "--format", "json",
                    "--timeout", "5", "--key", k.secret(key), "--server-key", k.public(server)],
                   timeout=30)
    import json
    try:
        doc = json.loads(r.out)
    except ValueError:
        return {}
    items = doc.get("campaigns", [doc]) if isinstance(doc, dict) else doc
    return {it["campaign"]: it for it in items if isinstance(it, dict) and "campaign" in it}


def differences(county_view, city_view):
    """What the city's merged view says otherwise than the county's."""
    out = []
    for c, cv in county_view.items():
        m = city_view.get(c)
        if not m:
            out.append(f"{c}: missing at the city")
            continue
        if m.get("seq") != cv.get("seq"):
            out.append(f"{c}: seq {m.get('seq')} at the city, {cv.get('seq')} at the county")
        for key in ("problems", "activities", "coverage"):
            if m.get(key) != cv.get(key):
                out.append(f"{c}: {key} differ")
    return out


def wait_exact(t, city, what, timeout=15):
    end = time.monotonic() + timeout
    while True:
        cv = view(t, t.agg.publish, "meter", "county")
        mv = view(t, city.publish, "meter", "city1")
        d = differences(cv, mv) if cv else ["no county view"]
        if not d or time.monotonic() > end:
            break
        time.sleep(0.3)
    t.check(not d, what, d[:10])


def idle_check(t, meter, who):
    t0 = time.monotonic()
    time.sleep(10 * HB_MS / 1000 + 0.1)
    got = meter.since(t0)
    beats = [x for x in got if x[1] == "tick"]
    total = sum(x[2] for x in got)
    per = total / max(1, len(beats))
    t.check(len(beats) >= 8, f"{who}: a beat every heartbeat ({len(beats)} in 10 heartbeats)")
    t.check(per <= 100, f"{who}: idle, at most 100 bytes per heartbeat per source "
            f"({total} bytes, {len(beats)} beats: {per:.0f} per heartbeat)",
            [(x[1], x[2]) for x in got][:20])


def main(t):
    k = t.keys
    k.make(["city1", "province", "meter"])
    k.install("city1", k.cities)
    k.install("meter", k.cities)
    subs = os.path.join(t.dir, "city-subscribers")
    os.makedirs(subs)
    k.install("province", subs)
    k.install("meter", subs)
    county = t.county("county", 8, 6, 17, 0, "--gbk", "0", "--bom", "0", "--zh-header", "0",
                      "--shuffle", "0", "--silent", "0")
    t.agg = agg = t.aggregator(county, heartbeat_ms=HB_MS)
    runs = t.sync_all(county, agg)
    t.check(all(r.rc == 0 for r in runs.values()), "every sync exits 0")
    city = City(t, agg.publish, subs).start()
    cmeter = Meter(agg.publish, k.secret("meter"), k.public("county"), ["state/", "tick"])
    ymeter = Meter(city.publish, k.secret("meter"), k.public("city1"), ["state/", "tick"])
    wait_exact(t, city, "the city's view equals the county's (seq and figures)")

    idle_check(t, cmeter, "county -> subscriber")
    idle_check(t, ymeter, "city -> subscriber")

    # an old-style subscriber: full Rollups on rollup/<campaign>, from both
    camp = county.campaigns()[0]
    for ep, srv, who in ((agg.publish, "county", "county"), (city.publish, "city1", "city")):
        r = hbwire.rollup_recv(ep, k.secret("meter"), k.public(srv), camp, timeout=3)
        t.check(r is not None and r.get(3) == [camp.encode()] and len(r.get(14, [])) > 0,
                f"an old subscriber of the {who} still receives full Rollups on rollup/{camp}",
                r and {f: len(v) for f, v in r.items()})

    # a one-row edit: exact at the city, and small on the delta topics
    unit = county.units()[0]
    t0 = time.monotonic()
    county.set_participants(unit, 4321)
    t.check_rc(t.sync(county, unit, agg), 0, "the sync of a one-row edit")
    time.sleep(1.0)  # counted before any snapshot joins (a new subscriber brings full states)
    for m, who in ((cmeter, "county"), (ymeter, "city")):
        moved = sum(x[2] for x in m.since(t0, "state/"))
        t.check(0 < moved <= 2048, f"the edit moved {moved} bytes on state/ from the {who} "
                "(at most 2 KB)")
    wait_exact(t, city, "after a one-row edit the city's view equals the county's")

    # the city misses deltas (killed while the county changes), then restarts
    city.kill9()
    for rnd in (1, 2):
        county.mutate(rnd, 17)
        t.sync_all(county, agg)
    city.start()
    wait_exact(t, city, "a city that missed deltas (kill -9, restart) is exact again")
    for m in (cmeter, ymeter):
        m.close()
    with open(city.log, "rb") as f:
        text = f.read().decode("utf-8", "replace")
    t.check("malformed" not in text, "the city dropped no message as malformed", text[-1500:])


hbtest.Test("delta").guard(main)
