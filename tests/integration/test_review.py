#!/usr/bin/env python3
"""The county's review (issue 14, docs/review.md), with real processes: an
aggregator, a unit's agent and a city (`huibao-sub run`). A problem the unit
marks 已整改 is `claimed` (+1), not `confirmed`; `huibao-aggregator review
confirm` makes it confirmed (+1 at the county and at the city); `review
return --reason` makes a problem returned (+1) until the unit edits the row
and syncs (-1); a unit's deletion of a held problem keeps it counted
(`total` unchanged, `deletion_pending` +1) until `approve-delete` (`total`
-1) or `refuse-delete` (kept); a campaign with problem_delete = free
deletes at once. Every decision is made while the service runs, by a second
process, and shows in the next rollup; `verify` passes after all of it.
Refusals: a reason missing (64), the state forbids it (65, saying why in
Chinese), no such record (66), a viewer or a wrong password (77)."""
import os
import subprocess
import time

import hbtest
from test_campaign_model import City  # a `huibao-sub run` city

P_HDR = ["编号", "专项", "查摆日期", "范围", "类别", "状态", "整改措施数", "整改时限", "销号日期", "问题描述"]
CAMPAIGN = "jiefang-2022"  # problem_delete = review (the default)
FREE = "nengli-2022"       # problem_delete = free
PASSWORD = "jiancha-2023"
REVIEW_KEYS = ("confirmed", "claimed", "returned", "deletion_pending", "reopened")


def row(pid, status, measures="2", campaign=CAMPAIGN, category="深化县情认识"):
    resolved = "2023-11-20" if status == "已整改" else ""
    return [pid, campaign, "2022-07-01", "个人", category, status, measures, "2024-06-30", resolved,
            f"问题 {pid}"]


def review_by_default(county):
    """The generated campaigns say problem_delete = free (tests/tools/gen_ledgers.py):
    CAMPAIGN goes back to the default."""
    out, section = [], None
    with open(county.campaigns_ini, encoding="utf-8") as f:
        for line in f:
            s = line.strip()
            if s.startswith("["):
                section = s[1:-1]
            if section == CAMPAIGN and s.startswith("problem_delete"):
                continue
            out.append(line)
    with open(county.campaigns_ini, "w", encoding="utf-8") as f:
        f.writelines(out)


def figures(ro, unit):
    """The review figures of a rollup: the campaign's problems, the category
    county's, the unit's, and activities.returned."""
    def pick(p):
        p = dict(p or {})
        if "count" in p:  # a category: count is its total
            p["total"] = p["count"]
        return {k: p.get(k) for k in ("total", "resolved") + REVIEW_KEYS}
    cat = (ro.get("problems", {}).get("by_category") or {}).get("county")
    u = next((x for x in ro.get("units", []) if x.get("code") == unit), {})
    return {"campaign": pick(ro.get("problems")), "category": pick(cat),
            "unit": pick(u.get("problems")),
            "activities_returned": (ro.get("activities") or {}).get("returned")}


def moved(before, after, part, **delta):
    """after[part] == before[part] + delta for the keys in delta (None counts as 0)."""
    for k, d in delta.items():
        if (after[part].get(k) or 0) != (before[part].get(k) or 0) + d:
            return False
    return True


def main(t):
    county = t.county(units=3, rows=3, seed=14)
    review_by_default(county)
    unit = county.units()[1]
    pfile = os.path.join(county.ledger(unit), "problems.csv")
    rows = {"WT001": row("WT001", "整改中"), "WT002": row("WT002", "整改中"),
            "WT003": row("WT003", "整改中"), "WT004": row("WT004", "已查摆"),
            "WT009": row("WT009", "整改中", campaign=FREE, category="思想")}

    def write():
        hbtest.write_csv(pfile, P_HDR, list(rows.values()))

    def sync(what):
        write()
        t.check_rc(t.sync(county, unit, agg), 0, what)

    write()
    agg = t.aggregator(county, heartbeat_ms=200)
    city = City(t, agg.publish)
    sync("first sync")

    def county_fig(campaign=CAMPAIGN):
        _, got = t.rollups(agg, campaign)
        return figures(got.get(campaign, {}), unit)

    def city_fig(campaign=CAMPAIGN):
        return figures(city.rollups()[1].get(campaign, {}), unit)

    def wait(fn, cond, timeout=6.0):
        """fn() until cond(value) or timeout: the change shows within a heartbeat."""
        end = time.monotonic() + timeout
        while True:
            v = fn()
            if cond(v) or time.monotonic() > end:
                return v
            time.sleep(0.25)

    def review(*args, password=PASSWORD):
        argv = [hbtest.AGGREGATOR, "review", "--data", agg.data] + list(args)
        p = subprocess.run(argv, input=(password + "\n").encode(), capture_output=True,
                           timeout=60)
        return hbtest.Run(argv, p.returncode, p.stdout.decode("utf-8", "replace"),
                          p.stderr.decode("utf-8", "replace"), 0)

    # accounts (huibao-aggregator account, password from stdin)
    for name, role in (("李四", "reviewer"), ("王五", "viewer")):
        p = subprocess.run([hbtest.AGGREGATOR, "account", "add", "--data", agg.data, name,
                            "--role", role], input=(PASSWORD + "\n").encode(),
                           capture_output=True, timeout=60)
        t.check_eq(p.returncode, 0, f"account add {name} --role {role}", p.stderr.decode())

    base = wait(county_fig, lambda f: f["campaign"]["total"] is not None)
    cbase = wait(city_fig, lambda f: f == base)
    t.check_eq(cbase, base, "the city has the county's figures")

    # 1. the unit marks WT001 已整改: claimed +1, confirmed unchanged
    rows["WT001"] = row("WT001", "已整改")
    sync("sync after WT001 已整改")
    f1 = wait(county_fig, lambda f: moved(base, f, "campaign", resolved=1))
    for part in ("campaign", "category", "unit"):
        t.check(moved(base, f1, part, resolved=1, claimed=1, confirmed=0),
                f"county {part}: 已整改 -> resolved +1, claimed +1, confirmed unchanged", f1[part])
    c1 = wait(city_fig, lambda f: f == f1)
    t.check(moved(cbase, c1, "campaign", claimed=1, confirmed=0),
            "city: claimed +1, confirmed unchanged", c1)

    # refusals before any change: reason missing, state, no record, viewer, password
    r = review("--as", "李四", "return", unit, "WT002")
    t.check_rc(r, 64, "return without --reason")
    r = review("--as", "李四", "confirm", unit, "WT002")
    t.check_rc(r, 65, "confirm a problem not 已整改")
    t.check("已整改" in r.err, "the refusal says why in Chinese", r.err)
    r = review("--as", "李四", "confirm", unit, "WT404")
    t.check_rc(r, 66, "confirm a record that does not exist")
    r = review("--as", "王五", "confirm", unit, "WT001")
    t.check_rc(r, 77, "a viewer cannot review")
    r = review("--as", "李四", "confirm", unit, "WT001", password="wrong-password")
    t.check_rc(r, 77, "a wrong password is refused")
    t.check_eq(county_fig(), f1, "nothing refused changed a figure")

    # 2. confirm: confirmed +1 at county and city, claimed back
    r = review("--as", "李四", "confirm", unit, "WT001", "--kind", "problem")
    t.check_rc(r, 0, "review confirm WT001")
    t.check("已销号" in r.out and "李四" in r.out, "it says what was done in Chinese", r.out)
    f2 = wait(county_fig, lambda f: moved(f1, f, "campaign", confirmed=1))
    for part in ("campaign", "category", "unit"):
        t.check(moved(f1, f2, part, total=0, resolved=0, confirmed=1, claimed=-1),
                f"county {part}: confirm -> confirmed +1, claimed -1", f2[part])
    c2 = wait(city_fig, lambda f: f == f2)
    t.check(moved(c1, c2, "campaign", confirmed=1, claimed=-1), "city: confirmed +1", c2)
    r = review("--as", "李四", "confirm", unit, "WT001")
    t.check_rc(r, 65, "confirm twice")

    # 3. return with a reason: returned +1
    r = review("--as", "李四", "return", unit, "WT002", "--reason", "整改材料不全")
    t.check_rc(r, 0, "review return WT002 --reason")
    f3 = wait(county_fig, lambda f: moved(f2, f, "campaign", returned=1))
    t.check(moved(f2, f3, "campaign", returned=1, total=0), "county: returned +1", f3)
    t.check(moved(f2, f3, "unit", returned=1), "county unit row: returned +1", f3["unit"])
    c3 = wait(city_fig, lambda f: f == f3)
    t.check(moved(c2, c3, "campaign", returned=1), "city: returned +1", c3)

    # 4. the unit edits the row and syncs: returned -1
    rows["WT002"] = row("WT002", "整改中", measures="3")
    sync("sync after editing WT002")
    f4 = wait(county_fig, lambda f: moved(f3, f, "campaign", returned=-1))
    t.check(moved(f3, f4, "campaign", returned=-1, total=0), "county: edited -> returned -1", f4)
    t.check_eq(wait(city_fig, lambda f: f == f4), f4, "the city follows")

    # 5. the unit deletes a held problem: total unchanged, deletion_pending +1
    del rows["WT003"]
    sync("sync after deleting WT003")
    f5 = wait(county_fig, lambda f: moved(f4, f, "campaign", deletion_pending=1))
    for part in ("campaign", "category", "unit"):
        t.check(moved(f4, f5, part, total=0, deletion_pending=1),
                f"county {part}: deleted -> total unchanged, deletion_pending +1", f5[part])
    t.check(moved(f4, wait(city_fig, lambda f: f == f5), "campaign", total=0, deletion_pending=1),
            "city: total unchanged, deletion_pending +1")
    r = review("--as", "李四", "confirm", unit, "WT003")
    t.check_rc(r, 65, "confirm a problem whose deletion waits")

    # 6. approve-delete: total -1
    r = review("--as", "李四", "approve-delete", unit, "WT003")
    t.check_rc(r, 0, "review approve-delete WT003")
    f6 = wait(county_fig, lambda f: moved(f5, f, "campaign", total=-1))
    t.check(moved(f5, f6, "campaign", total=-1, deletion_pending=-1),
            "county: approved -> total -1, deletion_pending -1", f6)
    t.check(moved(f5, wait(city_fig, lambda f: f == f6), "campaign", total=-1),
            "city: total -1")

    # 7. refuse-delete: the confirmed WT001 deleted, then kept
    del rows["WT001"]
    sync("sync after deleting the confirmed WT001")
    f7 = wait(county_fig, lambda f: moved(f6, f, "campaign", deletion_pending=1))
    t.check(moved(f6, f7, "campaign", total=0, resolved=0, deletion_pending=1, confirmed=-1),
            "county: a confirmed problem deleted -> held, deletion_pending +1", f7)
    r = review("--as", "李四", "refuse-delete", unit, "WT001")
    t.check_rc(r, 64, "refuse-delete without --reason")
    r = review("--as", "李四", "refuse-delete", unit, "WT001", "--reason", "问题未整改到位，不能撤销")
    t.check_rc(r, 0, "review refuse-delete WT001 --reason")
    f8 = wait(county_fig, lambda f: moved(f7, f, "campaign", deletion_pending=-1))
    t.check(moved(f7, f8, "campaign", total=0, resolved=0, deletion_pending=-1),
            "county: refused -> the problem keeps counting", f8)
    t.check_eq(wait(city_fig, lambda f: f == f8), f8, "the city follows")
    r = review("--as", "李四", "refuse-delete", unit, "WT001", "--reason", "again")
    t.check_rc(r, 65, "refuse twice")

    # 8. problem_delete = free: deleted at once
    free0 = county_fig(FREE)
    del rows["WT009"]
    sync("sync after deleting WT009 (problem_delete = free)")
    ff = wait(lambda: county_fig(FREE), lambda f: moved(free0, f, "campaign", total=-1))
    t.check(moved(free0, ff, "campaign", total=-1, deletion_pending=0),
            "problem_delete = free: total -1 at once", ff)

    # 9. everything follows from the records and the review entries
    r = agg.verify()
    t.check_rc(r, 0, "verify after the reviews")
    t.check_eq(agg.stop(), 0, "aggregator stops on SIGTERM")


if __name__ == "__main__":
    hbtest.Test("review").guard(main)
