#!/usr/bin/env python3
"""Issue 18, item 1: no publisher speaks for another county at the city.

The sample county (deploy/sample, 61 units) is synced to its aggregator,
code "sample". A second real aggregator ("other", the same campaigns but
only 3 units synced: other figures) gives real Rollup bytes, captured by a
raw SUB. Two raw publishers (python3-zmq, CURVE with the county key pair the
city accepts) then speak to the city:
  - the impostor re-sends the captured bytes as source "sample" with a far
    higher seq and the current as_of (its own store's epoch): a county that
    claims another's code, or two counties configured with one code;
  - "ahead" publishes under its own code an as_of one day ahead of the clock
    (a rollup from the future would win the epoch rule against every later
    real rollup).
The city (`huibao-sub run --data`, first without --server-code: each
endpoint keeps the first code it gives) refuses both, logs and counts them
(--metrics), and its stored view, `show` and `report` keep the real
county's figures; so after a restart (the bindings are kept in DIR/bindings,
whoever speaks first) and with --server-code, while both still publish. Two
endpoints given one --server-code exit 78, naming both."""
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
import urllib.request

import hbtest

try:
    import zmq
except ImportError:
    print("skipped: python3-zmq is not installed")
    sys.exit(77)
import hbwire  # noqa: E402

SAMPLE = os.path.join(hbtest.REPO, "deploy", "sample")
TEMPLATE = os.path.join(hbtest.REPO, "docs", "templates", "jiefang-2022.txt")
CAMPAIGN = "jiefang-2022"


def sample_county(t, name):
    root = os.path.join(t.dir, name)
    r = hbtest.run([sys.executable, os.path.join(SAMPLE, "make_ledgers.py"), "--out", root],
                   timeout=120)
    if r.rc != 0:
        raise RuntimeError(f"make_ledgers.py failed: {r}")
    shutil.copy(os.path.join(SAMPLE, "units.csv"), os.path.join(root, "units.csv"))
    shutil.copy(os.path.join(SAMPLE, "campaigns.ini"), os.path.join(root, "campaigns.ini"))
    return hbtest.County(root)


# --------------------------------------------------------------- protobuf
def fields(buf):
    """[(field, wire type, raw bytes of the whole field)] of one message."""
    out, i = [], 0
    while i < len(buf):
        start = i
        key, i = hbwire._read_varint(buf, i)
        f, wt = key >> 3, key & 7
        if wt == 0:
            _, i = hbwire._read_varint(buf, i)
        elif wt == 1:
            i += 8
        elif wt == 2:
            n, i = hbwire._read_varint(buf, i)
            i += n
        elif wt == 5:
            i += 4
        else:
            raise ValueError(f"wire type {wt}")
        out.append((f, wt, buf[start:i]))
    return out


def rewrite(rollup, source=None, seq=None, as_of_ms=None):
    """The Rollup's bytes with source (1), seq (5) and as_of_ms (6)
    replaced; every other field as it came."""
    out = b""
    for f, _, raw in fields(rollup):
        if f == 1 and source is not None:
            raw = hbwire.f_bytes(1, source)
        elif f == 5 and seq is not None:
            raw = hbwire.f_varint(5, seq)
        elif f == 6 and as_of_ms is not None:
            raw = hbwire.f_varint(6, as_of_ms)
        out += raw
    return out


def capture(t, agg, campaigns, timeout=15):
    """{campaign: Rollup bytes} published by agg, read by a raw SUB with the
    city's key."""
    ctx = zmq.Context.instance()
    s = ctx.socket(zmq.SUB)
    s.linger = 0
    hbwire.curve_client(s, t.keys.secret("city"), t.keys.public("county"))
    s.setsockopt(zmq.SUBSCRIBE, b"rollup/")
    s.connect(agg.publish)
    got, end = {}, time.monotonic() + timeout
    while set(got) != set(campaigns) and time.monotonic() < end:
        if s.poll(500):
            parts = s.recv_multipart()
            if len(parts) == 2:
                got[parts[0].decode()[len("rollup/"):]] = parts[1]
    s.close()
    return got


class Publisher(threading.Thread):
    """Raw XPUBs, CURVE servers with the county key pair the city accepts,
    each sending make() (a list of (topic, bytes)) every 200 ms."""

    def __init__(self, t):
        super().__init__(daemon=True)
        self.ctx = zmq.Context.instance()
        self.socks = []
        self.stop = threading.Event()
        pub, sec = hbwire.zcert_keys(t.keys.secret("county"))
        self.keys = (pub.encode(), sec.encode())

    def add(self, make):
        s = self.ctx.socket(zmq.XPUB)
        s.linger = 0
        s.curve_server = True
        s.curve_publickey, s.curve_secretkey = self.keys
        port = hbtest.free_port()
        s.bind(f"tcp://127.0.0.1:{port}")
        self.socks.append((s, make))
        return f"tcp://127.0.0.1:{port}"

    def run(self):
        while not self.stop.is_set():
            for s, make in self.socks:
                while s.poll(0):
                    s.recv()  # subscriptions
                for topic, body in make():
                    s.send_multipart([topic, body])
            time.sleep(0.2)


# ------------------------------------------------------------------ city
class City:
    def __init__(self, t, data, eps, extra=()):
        self.t, self.data, self.eps, self.extra = t, data, eps, list(extra)
        self.metrics = f"127.0.0.1:{hbtest.free_port()}"
        self.n = 0
        self.proc = None

    def start(self):
        self.n += 1
        self.log = os.path.join(self.t.dir, f"city.{self.n}.log")
        argv = [hbtest.SUB, "run", "--connect", ",".join(self.eps), "--data", self.data,
                "--metrics", self.metrics, "--log-level", "info"] + \
            self.t.sub_keys(",".join(self.eps)) + self.extra
        with open(self.log, "wb") as lf:
            self.proc = subprocess.Popen(argv, stdout=lf, stderr=subprocess.STDOUT)
        hbtest._live.append(self.proc)
        self.t.logs.append(self.log)

    def text(self):
        with open(self.log, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def stop(self):
        self.proc.terminate()
        return self.proc.wait(10)

    def wait_log(self, pattern, timeout=30):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if re.search(pattern, self.text()):
                return True
            time.sleep(0.2)
        return False

    def refused(self):
        """{reason: count} of huibao_sub_rollups_refused_total."""
        try:
            body = urllib.request.urlopen(f"http://{self.metrics}/metrics", timeout=5).read()
        except OSError:
            return {}
        out = {}
        for m in re.finditer(r'huibao_sub_rollups_refused_total\{reason="(\w+)"\} (\S+)',
                             body.decode()):
            out[m.group(1)] = float(m.group(2))
        return out


def show(data):
    r = hbtest.run([hbtest.SUB, "show", "--data", data, "--campaign", CAMPAIGN])
    try:
        return r, json.loads(r.out)
    except ValueError:
        return r, None


def check_view(t, county, data, what, settle=10.0):
    """The stored view is the sample county's, number for number, and
    names no other county."""
    exp = county.expected(CAMPAIGN)[CAMPAIGN]
    end = time.monotonic() + settle
    while True:
        r, got = show(data)
        diffs = ["no stored view: %r" % r] if got is None else hbtest.hbcount.compare(exp, got)
        if not diffs or time.monotonic() > end:
            break
        time.sleep(0.3)
    t.check(not diffs, f"{what}: the stored view equals the sample county", "\n".join(diffs[:20]))
    sources = sorted(c.get("code") for c in (got or {}).get("counties", []))
    t.check_eq(sources, ["sample"], f"{what}: the view holds only the sample county", r.out[:500])
    return got


def report_text(data=None, connect=None, t=None):
    argv = [hbtest.SUB, "report", "--campaign", CAMPAIGN, "--template", TEMPLATE]
    argv += ["--data", data] if data else ["--connect", connect] + t.sub_keys(connect)
    return hbtest.run(argv)


def main(t):
    sample = sample_county(t, "sample")
    agg = t.aggregator(sample, extra=["--code", "sample", "--name", "Sample"])
    runs = t.sync_all(sample, agg)
    t.check(all(r.rc == 0 for r in runs.values()), "the sample county's 61 units sync",
            [r for r in runs.values() if r.rc != 0][:1])

    # a second real county, 3 units: real Rollup bytes with other figures
    other = t.aggregator(sample, extra=["--code", "other", "--name", "Other"])
    copy = hbtest.County(sample.root)
    copy.states = os.path.join(t.dir, "other-state")
    t.sync_all(copy, other, units=sample.units()[:3])
    captured = capture(t, other, [CAMPAIGN])
    t.check(CAMPAIGN in captured, "a rollup of the other county was captured")
    other.stop()
    if CAMPAIGN not in captured:
        return
    real_seq = t.seqs(agg, CAMPAIGN)

    # the city hears the sample county first
    data = os.path.join(t.dir, "city")
    pubs = Publisher(t)
    now_ms = lambda: int(time.time() * 1000)  # noqa: E731
    topic = f"rollup/{CAMPAIGN}".encode()
    impostor = pubs.add(lambda: [(topic, rewrite(captured[CAMPAIGN], source="sample",
                                                 seq=real_seq + 1000000, as_of_ms=now_ms()))])
    ahead = pubs.add(lambda: [(topic, rewrite(captured[CAMPAIGN], source="ahead",
                                              as_of_ms=now_ms() + 86400000))])
    eps = [agg.publish, impostor, ahead]
    city = City(t, data, eps)
    city.start()
    t.check(city.wait_log(r"county sample campaign " + CAMPAIGN + r": seq"),
            "the city takes the sample county's rollup")
    good = check_view(t, sample, data, "before the attack")
    rep_before = report_text(data=data)
    t.check_rc(rep_before, 0, "report from the city's store")

    pubs.start()
    t.check(city.wait_log(re.escape(f"refused a rollup from {impostor} (source sample")),
            "the city refuses and logs the impostor's rollup", city.text()[-2000:])
    t.check(city.wait_log(re.escape(f"refused a rollup from {ahead} (source ahead") +
                          r".*ahead of this clock"),
            "the city refuses and logs the rollup from the future", city.text()[-2000:])
    t.check(re.search(re.escape(f"source sample belongs to {agg.publish}"), city.text()),
            "the log says whose code it is")
    time.sleep(3)  # a few more heartbeats of both
    got = check_view(t, sample, data, "during the attack")
    t.check_eq((got or {}).get("counties", [{}])[0].get("seq"),
               (good or {}).get("counties", [{}])[0].get("seq"),
               "the stored seq is the sample county's")
    rep = report_text(data=data)
    t.check_eq(rep.out, rep_before.out, "the report from the store is the sample county's")
    t.check_eq(rep.out, report_text(connect=agg.publish, t=t).out,
               "and equals a report made from the sample county directly")
    ref = city.refused()
    t.check(ref.get("source", 0) > 0 and ref.get("future", 0) > 0,
            f"the refusals are counted in the city's metrics ({ref})")
    t.check_eq(city.stop(), 0, "the city stops")

    # two endpoints configured with one code: a configuration error
    r = hbtest.run([hbtest.SUB, "run", "--connect", f"{agg.publish},{impostor}", "--data", data,
                    "--server-code", "sample", "--server-code", "sample"]
                   + t.sub_keys(f"{agg.publish},{impostor}"))
    t.check_rc(r, hbtest.EX_CONFIG, "two endpoints given one --server-code")
    t.check(f"{agg.publish} and {impostor} are both configured as source sample" in r.err,
            "the error names both endpoints and the code", r)

    # restarted as it was, both still publishing: the bindings of the first
    # run are kept in DIR/bindings, whoever speaks first now
    city.start()
    t.check(city.wait_log(re.escape(f"refused a rollup from {impostor} (source sample") +
                          r".*belongs to " + re.escape(agg.publish)),
            "after a restart the impostor is refused (the kept binding)", city.text()[-2000:])
    t.check(city.wait_log(re.escape(f"refused a rollup from {ahead}")),
            "after a restart the rollup from the future is refused")
    time.sleep(2)
    check_view(t, sample, data, "after a restart")
    t.check_eq(report_text(data=data).out, rep_before.out,
               "the report after a restart is the sample county's")
    t.check_eq(city.stop(), 0, "the city stops again")

    # restarted with the codes configured, both still publishing: the
    # impostor's endpoint is "other"'s, never the sample county's
    city.extra = ["--server-code", "sample", "--server-code", "other", "--server-code", "ahead"]
    city.start()
    t.check(city.wait_log(re.escape(f"refused a rollup from {impostor} (source sample") +
                          r".*speaks for source other \(--server-code\)"),
            "with --server-code the impostor is refused by its configured code",
            city.text()[-2000:])
    t.check(city.wait_log(re.escape(f"refused a rollup from {ahead}")),
            "with --server-code the rollup from the future is refused")
    time.sleep(2)
    check_view(t, sample, data, "with --server-code")
    t.check_eq(report_text(data=data).out, rep_before.out,
               "the report with --server-code is the sample county's")
    t.check_eq(city.stop(), 0, "the city stops a third time")
    pubs.stop.set()
    pubs.join(5)


hbtest.Test("impostor").guard(main)
