#!/usr/bin/env python3
"""A county stores and counts Indicator and Case records (issue 12), sent
raw by a unit's key: STORED, DUPLICATE, STALE, an edit (higher version),
a deletion (tombstone); `huibao-aggregator verify` passes, and the
published rollup carries the exact sums (0.1 + 0.2 + 0.3 = 0.6: 6000 in
ten-thousandths) and the case counts, for the county and the unit.

The indicators are declared in campaigns.ini (indicator.CODE)."""
import os
import time

import zmq

import hbtest
import hbwire

CAMPAIGN = "jiefang-2022"
DECLARE = ("indicator.juanzhu = 捐助物资, 万元, 2\n"
           "indicator.shishi = 为民办实事, 件\n")


def zigzag(n):
    return (n << 1) ^ (n >> 63)


def unzigzag(n):
    return (n >> 1) ^ -(n & 1)


def indicator(unit, iid, version, code=None, value=None, deleted=False, extra=b""):
    m = hbwire.f_bytes(1, unit) + hbwire.f_bytes(2, iid) + hbwire.f_varint(3, version)
    if deleted:
        return m + hbwire.f_varint(9, 1)
    return (m + hbwire.f_bytes(4, CAMPAIGN) + hbwire.f_varint(5, hbwire.day("2022-07-01"))
            + hbwire.f_bytes(6, code) + hbwire.f_varint(7, zigzag(value))
            + hbwire.f_bytes(8, "说明") + extra)


def case(unit, cid, version, ctype=1, deleted=False):
    m = hbwire.f_bytes(1, unit) + hbwire.f_bytes(2, cid) + hbwire.f_varint(3, version)
    if deleted:
        return m + hbwire.f_varint(9, 1)
    return (m + hbwire.f_bytes(4, CAMPAIGN) + hbwire.f_varint(5, hbwire.day("2022-08-01"))
            + hbwire.f_varint(6, ctype) + hbwire.f_bytes(7, "典型案例标题")
            + hbwire.f_bytes(8, "摘要"))


class Raw(hbwire.Agent):
    """hbwire.Agent sending Records whose body is an Indicator (field 4) or
    a Case (field 5): rows are (field, packed body)."""

    def send(self, unit, rows, timeout=5.0):
        self.batch += 1
        recs = b"".join(hbwire.f_bytes(3, hbwire.f_varint(1, i + 1) + hbwire.f_bytes(f, body))
                        for i, (f, body) in enumerate(rows))
        self.sock.send(hbwire.f_varint(1, self.batch) + hbwire.f_bytes(2, unit) + recs)
        if not self.sock.poll(int(timeout * 1000)):
            return None
        while True:
            a = hbwire.ack(self.sock.recv())
            if a["batch_id"] == self.batch:
                return a


def codes(a):
    return [hbwire.CODE_NAMES.get(r["code"]) for r in a["results"]] if a else None


def declare(county):
    """Declares the indicators of CAMPAIGN in campaigns.ini."""
    with open(county.campaigns_ini, encoding="utf-8") as f:
        text = f.read()
    head = f"[{CAMPAIGN}]\n"
    with open(county.campaigns_ini, "w", encoding="utf-8") as f:
        f.write(text.replace(head, head + DECLARE, 1))


def rollup_pb(t, agg, timeout=5.0):
    """The packed Rollup of CAMPAIGN, received raw as a city would."""
    t.sub_keys(agg.publish)  # makes the city's key
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
            parts = s.recv_multipart()
            got = hbwire.parse(parts[-1])
    s.close(0)
    ctx.term()
    return got


def indicators_of(m, field):
    """{code: (value, records)} of the IndicatorSums in field of m."""
    out = {}
    for b in m.get(field, []):
        f = hbwire.parse(b)
        out[f[1][0].decode()] = (unzigzag(f.get(5, [0])[0]), f.get(6, [0])[0])
    return out


def cases_of(m, field):
    if field not in m:
        return None
    f = hbwire.parse(m[field][0])
    return [f.get(i, [0])[0] for i in range(1, 6)]  # total, typical, practice, group, person


def main(t):
    county = t.county(units=3, rows=2, seed=12)
    unit = county.units()[0]
    declare(county)
    agg = t.aggregator(county)
    now = int(time.time()) * 1000000
    raw = Raw(agg.listen, t.keys.secret(unit), t.keys.public("county"))
    try:
        a = raw.send(unit, [(4, indicator(unit, "I1", now, "juanzhu", 1000)),
                            (4, indicator(unit, "I2", now, "juanzhu", 2000,
                                          extra=hbwire.f_bytes(99, "unknown field"))),
                            (4, indicator(unit, "I3", now, "shishi", 30000)),
                            (5, case(unit, "C1", now, 1)), (5, case(unit, "C2", now, 4)),
                            (5, case(unit, "I1", now, 2))])  # an id may name rows of two kinds
        t.check_eq(codes(a), ["STORED"] * 6, "indicators and cases are stored", a)
        a = raw.send(unit, [(4, indicator(unit, "I1", now, "juanzhu", 1000)),
                            (5, case(unit, "C1", now, 1))])
        t.check_eq(codes(a), ["DUPLICATE"] * 2, "the same again: DUPLICATE", a)
        a = raw.send(unit, [(4, indicator(unit, "I1", now, "juanzhu", 9000)),
                            (5, case(unit, "C1", now, 3))])
        t.check_eq(codes(a), ["STALE"] * 2, "other content at the same version: STALE", a)
        t.check(a and all(r["stored_version"] == now for r in a["results"]),
                "STALE names the stored version", a)
        # edit: I1 0.1 -> 0.4; C1 典型案例 -> 先进集体; delete I2 (0.2) and C2
        a = raw.send(unit, [(4, indicator(unit, "I1", now + 1, "juanzhu", 4000)),
                            (5, case(unit, "C1", now + 1, 3)),
                            (4, indicator(unit, "I2", now + 1, deleted=True)),
                            (5, case(unit, "C2", now + 1, deleted=True)),
                            (4, indicator(unit, "I4", now, "juanzhu", 2000)),
                            (4, indicator(unit, "I5", now, "捐助物资", 0))])  # by its name
        t.check_eq(codes(a), ["STORED"] * 6, "edits and deletions are stored", a)
        a = raw.send(unit, [(4, indicator(unit, "I9", now, "nosuch", 1))])
        t.check_eq(codes(a), ["REJECTED"], "an indicator the campaign does not declare", a)
    finally:
        raw.close()

    m = rollup_pb(t, agg)
    t.check(m is not None, "the rollup is published")
    if m:
        inds = indicators_of(m, 18)
        t.check_eq(inds.get("juanzhu"), (6000, 3),
                   "juanzhu = 0.4 + 0.2 + 0 = 0.6 exactly, 3 records (one named by its name)", inds)
        t.check_eq(inds.get("shishi"), (30000, 1), "shishi = 3", inds)
        t.check_eq(cases_of(m, 19), [2, 0, 1, 1, 0], "cases: total, by type", m.get(19))
        rows = [hbwire.parse(u) for u in m.get(14, [])]
        mine = [r for r in rows if r[1][0].decode() == unit]
        t.check(len(mine) == 1, "the unit has its row")
        if mine:
            t.check_eq(indicators_of(mine[0], 11).get("juanzhu"), (6000, 3), "the unit's juanzhu")
            t.check_eq(cases_of(mine[0], 12), [2, 0, 1, 1, 0], "the unit's cases")
        t.check_eq(list(inds), ["juanzhu", "shishi"], "the declared indicators, in file order")
    _, got = t.rollups(agg, CAMPAIGN)
    j = got.get(CAMPAIGN, {})
    if "indicators" in j:  # the JSON of issue 12 (hb_rollup_to_json, the rollup work)
        t.check_eq(j["indicators"].get("juanzhu", {}).get("text"), "0.60", "JSON text", j)
        t.check_eq(j["indicators"].get("juanzhu", {}).get("value"), 0.6, "JSON value", j)
        t.check_eq(j.get("cases", {}).get("total"), 2, "JSON cases", j)

    t.check_eq(agg.stop(), 0, "aggregator stops")
    v = agg.verify()
    t.check_rc(v, 0, "verify recounts the stored records and agrees")
    t.check("0 differences" in v.out, "verify: 0 differences", v)
    agg.start()
    u = hbtest.run([hbtest.AGGREGATOR, "admin", "--data", agg.data, "unlock", unit, "I1"])
    t.check_rc(u, hbtest.EX_DATAERR, "unlock I1 without --kind: a case and an indicator")
    u = hbtest.run([hbtest.AGGREGATOR, "admin", "--data", agg.data, "unlock", unit, "I1",
                    "--kind", "indicator"])
    t.check_rc(u, 0, "admin unlock --kind indicator")
    t.check(f"unlocked unit {unit} indicator I1" in u.out, "it says what it did", u)
    t.check_eq(agg.stop(), 0, "aggregator stops again")
    t.check_rc(agg.verify(), 0, "verify after the unlock")


hbtest.Test("county_records").guard(main)
