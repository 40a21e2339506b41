#!/usr/bin/env python3
"""Issue 14's keys in the rollups of real processes, county and city: the
review counts (problems.confirmed, claimed, returned, deletion_pending,
reopened for the campaign, each category and each unit; activities.returned
for the campaign and each unit) are present, confirmed + claimed = resolved
everywhere, the city's are the counties' sums, the city's rollup has no log of
its own and each counties[] entry carries its county's; the terminal table has
its 县级审核 line and the CSV export its review columns. (With nobody reviewing,
confirmed is 0 and claimed = resolved; integration.review drives decisions.)"""
import csv
import io
import os
import re

import hbtest

REVIEW = ("confirmed", "claimed", "returned", "deletion_pending", "reopened")


def log_ok(v):
    """A history head as the JSON shows it, or null (no history yet)."""
    return v is None or (isinstance(v, dict) and isinstance(v.get("n"), int) and
                         re.fullmatch(r"[0-9a-f]{64}", v.get("hash", "")) is not None)


def shape_errors(ro):
    """What is missing or inconsistent in one rollup's review keys."""
    bad = []

    def check(where, p):
        miss = [k for k in REVIEW if not isinstance(p.get(k), int)]
        if miss:
            bad.append(f"{where}: no {miss}")
        elif p["confirmed"] + p["claimed"] != p["resolved"]:
            bad.append(f"{where}: confirmed + claimed != resolved ({p})")

    check("problems", ro["problems"])
    for code, c in ro["problems"]["by_category"].items():
        check(f"category {code}", c)
    for u in ro["units"]:
        check(f"unit {u['code']}", u["problems"])
        if not isinstance(u["activities"].get("returned"), int):
            bad.append(f"unit {u['code']}: no activities.returned")
    if not isinstance(ro["activities"].get("returned"), int):
        bad.append("no activities.returned")
    if "log" not in ro or not log_ok(ro["log"]):
        bad.append(f"log {ro.get('log')!r}")
    for k in ro["counties"]:
        if "log" not in k or not log_ok(k["log"]):
            bad.append(f"counties[{k['code']}].log {k.get('log')!r}")
    return bad


def main(t):
    names = ["xa", "xb"]
    counties = {n: t.county(n, units=5, rows=8, seed=60 + i) for i, n in enumerate(names)}
    aggs = {n: t.aggregator(counties[n], extra=["--code", n, "--name", n.upper()]) for n in names}
    for n in names:
        runs = t.sync_all(counties[n], aggs[n])
        t.check(all(r.rc == 0 for r in runs.values()), f"{n}: every sync exits 0")
    camp = counties["xa"].campaigns()[0]
    own = {}
    for n in names:
        r, got = t.rollups(aggs[n], camp)
        t.check_rc(r, 0, f"{n}: snapshot")
        ro = own[n] = got.get(camp)
        if not t.check(ro is not None, f"{n}: the campaign's rollup"):
            return
        bad = shape_errors(ro)
        t.check(not bad, f"{n}: every review key present, confirmed + claimed = resolved",
                "\n".join(bad[:10]))
        # a snapshot is the merged view of one county: the county's head is in
        # its counties entry (the merged view has none of its own)
        lg = ro["counties"][0]["log"]
        t.check(isinstance(lg, dict) and lg["n"] > 0 and len(lg["hash"]) == 64
                and all(c in "0123456789abcdef" for c in lg["hash"]),
                f"{n}: its counties entry carries its history head", lg)

    eps = ",".join(aggs[n].publish for n in names)
    r, got = t.rollups(eps, camp)
    t.check_rc(r, 0, "city: snapshot of both counties")
    city = got.get(camp)
    if not t.check(city is not None, "city: the merged rollup"):
        return
    bad = shape_errors(city)
    t.check(not bad, "city: every review key present, confirmed + claimed = resolved",
            "\n".join(bad[:10]))
    sums = {k: sum(own[n]["problems"][k] for n in names) for k in REVIEW}
    t.check_eq({k: city["problems"][k] for k in REVIEW}, sums, "city: the counties' sums")
    t.check_eq(city["activities"]["returned"],
               sum(own[n]["activities"]["returned"] for n in names), "city: activities returned")
    t.check(city["log"] is None, "city: no log of its own", city.get("log"))
    t.check_eq({k["code"]: k["log"] for k in city["counties"]},
               {n: own[n]["counties"][0]["log"] for n in names},
               "city: each county's log in its counties entry")

    r = t.snapshot(eps, camp, fmt="table")
    t.check_rc(r, 0, "city: table snapshot")
    t.check(re.search(r"县级审核 已销号 \d+，待销号 \d+，退回 \d+", r.out) is not None,
            "city table: the 县级审核 line", r.out[:2000])

    out = os.path.join(t.dir, "export.csv")
    r = hbtest.run([hbtest.SUB, "export", "--connect", eps, "--format", "csv", "--out", out,
                    "--campaign", camp, "--timeout", "5"] + t.sub_keys(eps))
    t.check_rc(r, 0, "export --format csv")
    with open(out, "rb") as f:
        rows = list(csv.reader(io.StringIO(f.read()[3:].decode("utf-8"), newline="")))
    hdr = rows[0]
    t.check_eq(hdr[-6:], ["已销号", "待销号", "退回", "重新打开", "待审批撤销", "活动退回"],
               "CSV: the review columns at the end")
    tot = [dict(zip(hdr, row)) for row in rows[1:] if row[2] == "合计"]
    t.check(tot and int(tot[0]["待销号"]) == city["problems"]["claimed"] and
            int(tot[0]["已销号"]) == city["problems"]["confirmed"],
            "CSV: the 合计 row's review figures are the city's", tot)
    for n in names:
        t.check_eq(aggs[n].stop(), 0, f"{n}: the aggregator stops cleanly")


hbtest.Test("review_rollup").guard(main)
