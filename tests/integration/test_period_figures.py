#!/usr/bin/env python3
"""Per-period figures of a whole campaign (issue 13, "Done when" item 2).

A 60-unit county from tests/tools/gen_ledgers.py whose campaigns have
`cycle = weekly, 5, 18:00`; real agents sync to a real county, a real city
(`huibao-sub run`) subscribes. The figures of every period (activities
total and by kind, problems identified / resolved / overdue_at_end) equal
tests/tools/count.py exactly (periods computed there in Python from the
cycle, from the ledgers' own dates), at the county and at the city:

1. after the first sync;
2. after edits that move records from one period to another (activity
   dates, 查摆日期 moved earlier, 销号日期 moved later), deletions, and a
   round of clerk edits (gen_ledgers --mutate: statuses move on, rows added
   and deleted);
3. and the store verifies (its day cells equal those rebuilt from the
   records)."""
import copy
import datetime
import os
import random

import hbtest
from test_campaign_model import City, check_city

os.environ["TZ"] = "Asia/Shanghai"  # the county's local time (periods' dues)
CYCLE = "weekly, 5, 18:00"


def add_cycle(county):
    """cycle = weekly, 5, 18:00 in every campaign of campaigns.ini."""
    with open(county.campaigns_ini, encoding="utf-8") as f:
        lines = f.read().splitlines()
    out = []
    for ln in lines:
        out.append(ln)
        if ln.startswith("[") and ln.strip().endswith("]"):
            out.append(f"cycle = {CYCLE}")
    with open(county.campaigns_ini, "w", encoding="utf-8") as f:
        f.write("\n".join(out) + "\n")


def rewrite(path, fn):
    """Calls fn(idx, rows) on a ledger file's (column index, [cells]) and
    writes the rows back as the file was (encoding, line ends, header)."""
    hdr, rows, info = hbtest.hbledger.read_table(path)
    cols = hbtest.hbledger.PROB_COLS if "problems" in path else hbtest.hbledger.ACT_COLS
    idx, _ = hbtest.hbledger.map_header(hdr, cols)
    cells = [list(c) + [""] * (len(hdr) - len(c)) for _, c in rows]
    cells = fn(idx, cells)
    nl = "\r\n" if info["crlf"] else "\n"
    hbtest.write_csv(path, hdr, cells, encoding=info["encoding"], nl=nl)


def move_dates(county, rng):
    """Moves records across periods: {what: count} of the edits made."""
    camps = hbtest.hbledger.Campaigns(county.campaigns_ini)
    today = hbtest.TODAY_DATE
    done = {"activity dates": 0, "identified_on": 0, "resolved_on": 0, "deleted": 0}
    parse = hbtest.hbledger.parse_date

    def acts(idx, rows):
        keep = []
        for c in rows:
            camp = camps.find(c[idx["campaign"]])
            d = parse(c[idx["date"]])
            if camp and d and rng.random() < 0.3:
                nd = d + datetime.timedelta(days=rng.choice([-14, -8, -7, 7, 8, 13]))
                if camp["start"] <= nd <= min(camp["end"], today):
                    c[idx["date"]] = nd.isoformat()
                    done["activity dates"] += 1
            if rng.random() < 0.05:
                done["deleted"] += 1
                continue
            keep.append(c)
        return keep

    def probs(idx, rows):
        keep = []
        for c in rows:
            camp = camps.find(c[idx["campaign"]])
            d = parse(c[idx["identified_on"]])
            r = parse(c[idx["resolved_on"]]) if "resolved_on" in idx and \
                c[idx["resolved_on"]].strip() else None
            if camp and d and rng.random() < 0.3:  # earlier: deadline, 销号日期 stay after it
                nd = d - datetime.timedelta(days=rng.choice([7, 8, 15]))
                if nd >= camp["start"]:
                    c[idx["identified_on"]] = nd.isoformat()
                    done["identified_on"] += 1
            if r and rng.random() < 0.5:
                nr = r + datetime.timedelta(days=rng.choice([7, 9, 21]))
                if nr <= today:
                    c[idx["resolved_on"]] = nr.isoformat()
                    done["resolved_on"] += 1
            if rng.random() < 0.04:
                done["deleted"] += 1
                continue
            keep.append(c)
        return keep

    for code in county.units():
        for name, fn in (("activities.csv", acts), ("problems.csv", probs)):
            path = os.path.join(county.ledger(code), name)
            if os.path.exists(path):
                rewrite(path, fn)
    return done


def period_keys(exp):
    """{(campaign, period): figures} of the counter's rollups."""
    return {(c, p["id"]): (p["activities"]["total"]["records"], p["problems"]["identified"],
                           p["problems"]["resolved"], p["problems"]["overdue_at_end"])
            for c, ro in exp.items() for p in ro.get("periods", [])}


def sync_ok(t, county, agg, what):
    bad = {u: r for u, r in t.sync_all(county, agg).items() if r.rc != 0}
    t.check(not bad, what, "\n".join(f"{u}: {r}" for u, r in list(bad.items())[:5]))


def check_shape(t, county, agg):
    """The counter's periods are the ones of a weekly cycle, and the county's
    JSON has them with figures (the comparison itself is check_rollups')."""
    exp = county.expected()
    for c, ro in exp.items():
        ps = ro.get("periods", [])
        t.check(len(ps) > 20, f"{c}: the counter has the weekly periods", len(ps))
        t.check(all(datetime.date.fromisoformat(p["id"]).isoweekday() == 5 for p in ps),
                f"{c}: every period is due on a Friday")
        t.check_eq(sum(p["activities"]["total"]["records"] for p in ps),
                   ro["activities"]["total"]["records"],
                   f"{c}: every activity falls in exactly one period")
        t.check_eq(sum(p["problems"]["identified"] for p in ps), ro["problems"]["total"],
                   f"{c}: every problem is identified in exactly one period")
        t.check(any(p["problems"]["resolved"] for p in ps) and
                any(p["problems"]["overdue_at_end"] for p in ps),
                f"{c}: periods with problems resolved and overdue at their end")
    _, got = t.rollups(agg)
    for c in exp:
        ro = got.get(c) or {}
        t.check_eq(ro.get("cycle"), "weekly,5,18:00", f"{c}: the county's rollup has the cycle")
        t.check(any((p.get("activities") or {}).get("total", {}).get("records")
                    for p in ro.get("periods") or []),
                f"{c}: the county's periods carry figures")
        # the comparison is not vacuous: one figure off is found
        for key in ("identified", "resolved", "overdue_at_end"):
            wrong = copy.deepcopy(exp[c])
            wrong["periods"][len(wrong["periods"]) // 2]["problems"][key] += 1
            t.check(any(key in d for d in hbtest.hbcount.compare(wrong, ro)),
                    f"{c}: a period's {key} off by one is a difference")


def main(t):
    county = t.county(units=60, rows=25, seed=13)
    add_cycle(county)
    agg = t.aggregator(county, heartbeat_ms=200)
    city = City(t, agg.publish)

    # 1. the first sync
    sync_ok(t, county, agg, "every unit syncs")
    t.check_rollups(county, agg, "county: every period's figures equal count.py", settle=5.0)
    check_city(t, county, city, "city: every period's figures equal count.py", settle=10.0)
    check_shape(t, county, agg)

    # 2. records move from one period to another, some are deleted
    before = period_keys(county.expected())
    done = move_dates(county, random.Random(13))
    t.check(all(done.values()), "edits of every sort were made", done)
    after = period_keys(county.expected())
    moved = [k for k in before if before[k] != after.get(k)]
    t.check(len(moved) > 10, "the edits change the figures of many periods", len(moved))
    sync_ok(t, county, agg, "the edited ledgers sync")
    t.check_rollups(county, agg, "county after dates moved across periods: equal to count.py",
                    settle=5.0)
    check_city(t, county, city, "city after dates moved across periods: equal to count.py",
               settle=10.0)

    county.mutate(1, 13)
    sync_ok(t, county, agg, "a round of clerk edits syncs")
    t.check_rollups(county, agg, "county after clerk edits: equal to count.py", settle=5.0)
    check_city(t, county, city, "city after clerk edits: equal to count.py", settle=10.0)

    # 3. the day cells the county kept equal those rebuilt from its records
    t.check_eq(agg.stop(), 0, "the county stops")
    r = agg.verify()
    t.check_rc(r, 0, "the store verifies (day cells included)")
    t.check("without day cells" not in r.out, "the store is of the current format", r.out)


if __name__ == "__main__":
    hbtest.Test("period_figures").guard(main)
