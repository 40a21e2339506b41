#!/usr/bin/env python3
"""A county stores 报送 rows (Report records, issue 13) sent raw by a unit's
key, with its clock at Thursday 2022-06-09 09:00 (Asia/Shanghai, libfaketime)
in a campaign due Fridays 18:00: 本期 naming the campaign by its name is
STORED (DUPLICATE when sent again), a row for a day that is no period of
any campaign is REJECTED; the published rollup carries the cycle, the
periods, period_current = 2022-06-10 and the unit's state nil for it (the
other units pending); `verify` passes; a backup restored keeps the period
facts (the unit is still nil); `admin unlock --kind report` removes the row
and keeps the facts (history)."""
import os
import shutil
import stat
import time

import zmq

import hbtest
import hbwire

FAKETIME_LIB = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1"
CAMPAIGN = "zhuti-cycle"
SECTION = ("\n[zhuti-cycle]\nname = 周期专项\nstart = 2022-06-01\nend = 2022-07-29\n"
           "cycle = weekly, 5, 18:00\n")
NOW_S = 1654736400  # 2022-06-09 09:00 Asia/Shanghai
NIL, PENDING = 2, 5


def report(unit, rid, version, campaign=None, period=None, nil=False, deleted=False):
    m = hbwire.f_bytes(1, unit) + hbwire.f_bytes(2, rid) + hbwire.f_varint(3, version)
    if deleted:
        return m + hbwire.f_varint(10, 1)
    if campaign:
        m += hbwire.f_bytes(4, campaign)
    return (m + hbwire.f_bytes(5, period) + hbwire.f_bytes(6, "张三") + hbwire.f_bytes(7, "李四")
            + hbwire.f_varint(8, 1 if nil else 0) + hbwire.f_bytes(9, "说明"))


class Raw(hbwire.Agent):
    """hbwire.Agent sending Records whose body is a Report (field 6)."""

    def send(self, unit, bodies, timeout=5.0):
        self.batch += 1
        recs = b"".join(hbwire.f_bytes(3, hbwire.f_varint(1, i + 1) + hbwire.f_bytes(6, body))
                        for i, body in enumerate(bodies))
        self.sock.send(hbwire.f_varint(1, self.batch) + hbwire.f_bytes(2, unit) + recs)
        if not self.sock.poll(int(timeout * 1000)):
            return None
        while True:
            a = hbwire.ack(self.sock.recv())
            if a["batch_id"] == self.batch:
                return a


def codes(a):
    return [hbwire.CODE_NAMES.get(r["code"]) for r in a["results"]] if a else None


def faketime_wrapper(t, when):
    """A script that runs the aggregator with its wall clock from `when` on
    (exec'd: SIGTERM reaches the aggregator itself)."""
    path = os.path.join(t.dir, "aggregator-faketime.sh")
    with open(path, "w", encoding="utf-8") as f:
        f.write("#!/bin/sh\nASAN_OPTIONS=\"${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0\" "
                "TZ=Asia/Shanghai FAKETIME_DONT_FAKE_MONOTONIC=1 FAKETIME='@" + when + "' "
                f"LD_PRELOAD={FAKETIME_LIB} exec {hbtest.AGGREGATOR_REAL} \"$@\"\n")
    os.chmod(path, stat.S_IRWXU)
    return path


def rollup_pb(t, agg, timeout=5.0):
    """The packed Rollup of CAMPAIGN, received raw as a city would."""
    t.sub_keys(agg.publish)
    ctx = zmq.Context()
    s = ctx.socket(zmq.SUB)
    s.linger = 0
    hbwire.curve_client(s, t.keys.secret("city"), t.keys.public("county"))
    s.connect(agg.publish)
    s.setsockopt(zmq.SUBSCRIBE, f"rollup/{CAMPAIGN}".encode())
    got = None
    end = time.monotonic() + timeout
    while time.monotonic() < end and got is None:
        if s.poll(200):
            got = hbwire.parse(s.recv_multipart()[-1])
    s.close(0)
    ctx.term()
    return got


def states(m, period):
    """{unit: state} of the period with this id in a parsed Rollup."""
    for b in m.get(22, []):
        p = hbwire.parse(b)
        if p[1][0].decode() == period:
            out = {}
            for u in p.get(7, []):
                f = hbwire.parse(u)
                out[f[1][0].decode()] = f.get(2, [0])[0]
            return out
    return None


def check_rollup(t, agg, unit, what):
    m = rollup_pb(t, agg)
    t.check(m is not None, f"{what}: the rollup is published")
    if not m:
        return
    t.check_eq(m.get(21, [b""])[0].decode(), "weekly,5,18:00", f"{what}: cycle")
    t.check_eq(len(m.get(22, [])), 9, f"{what}: nine periods 06-03 .. 07-29", m.get(22))
    t.check_eq(m.get(23, [b""])[0].decode(), "2022-06-10", f"{what}: period_current")
    st = states(m, "2022-06-10")
    t.check(st is not None and st.get(unit) == NIL, f"{what}: the unit is nil for 2022-06-10", st)
    t.check(st is not None and all(v == PENDING for u, v in st.items() if u != unit),
            f"{what}: the other units are pending", st)


def main(t):
    if not os.path.exists(FAKETIME_LIB):
        print(f"skipped: {FAKETIME_LIB} missing (Debian package faketime)")
        raise SystemExit(77)
    county = t.county(units=3, rows=2, seed=13)
    with open(county.campaigns_ini, "a", encoding="utf-8") as f:
        f.write(SECTION)
    unit = county.units()[0]
    hbtest.AGGREGATOR_REAL = hbtest.AGGREGATOR
    hbtest.AGGREGATOR = faketime_wrapper(t, "2022-06-09 09:00:00")
    try:
        agg = t.aggregator(county)
    finally:
        hbtest.AGGREGATOR = hbtest.AGGREGATOR_REAL
    v0 = NOW_S * 1000000
    raw = Raw(agg.listen, t.keys.secret(unit), t.keys.public("county"))
    try:
        rows = [report(unit, "本期@周期专项", v0, "周期专项", "本期", nil=True),
                report(unit, "2022-06-17", v0, None, "2022-06-17")]
        a = raw.send(unit, rows)
        t.check_eq(codes(a), ["STORED"] * 2, "报送 rows are stored", a)
        a = raw.send(unit, rows)
        t.check_eq(codes(a), ["DUPLICATE"] * 2, "the same again (本期 resolved alike)", a)
        a = raw.send(unit, [report(unit, "2022-06-11", v0, None, "2022-06-11")])
        t.check_eq(codes(a), ["REJECTED"], "a day that is no period's due", a)
    finally:
        raw.close()
    check_rollup(t, agg, unit, "stored")

    backup = os.path.join(t.dir, "backup")
    r = hbtest.run([hbtest.AGGREGATOR_REAL, "backup", "--data", agg.data, "--out", backup])
    t.check_rc(r, 0, "backup while the service runs")
    t.check_eq(agg.stop(), 0, "aggregator stops")
    v = agg.verify()
    t.check_rc(v, 0, "verify: the 报送 rows pass the form check")
    t.check("0 differences" in v.out, "verify: 0 differences", v)

    # restore: the period facts come back with the copy (whole environment)
    shutil.rmtree(agg.data)
    os.makedirs(agg.data)
    shutil.copy(os.path.join(backup, "data.mdb"), agg.data)
    hbtest.AGGREGATOR = faketime_wrapper(t, "2022-06-09 09:05:00")
    try:
        agg.start()
    finally:
        hbtest.AGGREGATOR = hbtest.AGGREGATOR_REAL
    check_rollup(t, agg, unit, "restored from the backup")
    u = hbtest.run([hbtest.AGGREGATOR_REAL, "admin", "--data", agg.data, "unlock", unit,
                    "本期@周期专项", "--kind", "report"])
    t.check_rc(u, 0, "admin unlock --kind report")
    time.sleep(1.5)  # the service reloads within a second
    check_rollup(t, agg, unit, "after the unlock (facts are history)")
    t.check_eq(agg.stop(), 0, "aggregator stops again")
    t.check_rc(agg.verify(), 0, "verify after the restore and the unlock")


hbtest.Test("county_reports").guard(main)
