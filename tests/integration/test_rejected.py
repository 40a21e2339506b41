#!/usr/bin/env python3
"""Records the county rejects (a category or campaign it does not know; a
unit it does not expect): the agent exits 65 and prints the county's reason;
the other rows are stored; the rejected row is sent again next time and is
stored once the clerk fixes it."""
import os
import hbtest

P_HDR = ["id", "campaign", "identified_on", "scope", "category", "status", "measures",
         "deadline", "resolved_on", "description"]
A_HDR = ["id", "campaign", "date", "kind", "level", "sessions", "participants", "outputs", "title"]


def main(t):
    county = t.county(units=5, rows=6, seed=61)
    agg = t.aggregator(county)
    runs = t.sync_all(county, agg)
    t.check(all(r.rc == 0 for r in runs.values()), "first sync exits 0",
            [r for r in runs.values() if r.rc != 0][:2])
    unit = county.units()[1]
    rows = [["P1", "jiefang-2022", "2022-07-01", "individual", "county", "resolved", "2",
             "", "2022-08-01", "ok row"],
            ["P2", "jiefang-2022", "2022-07-01", "team", "nosuchcat", "rectifying", "1",
             "", "", "category unknown to the county"],
            ["P3", "no-such-campaign", "2022-07-01", "team", "county", "identified", "0",
             "", "", "campaign unknown to the county"]]
    hbtest.write_csv(os.path.join(county.ledger(unit), "problems.csv"), P_HDR, rows)
    c = hbtest.run([hbtest.AGENT, "check", "--ledger", county.ledger(unit)])
    t.check_rc(c, 0, "offline check (no campaigns file) passes the ledger")
    r = t.sync(county, unit, agg)
    t.check_rc(r, hbtest.EX_DATAERR, "sync with records the county rejects")
    t.check("P2" in r.err and ("category" in r.err or "类别" in r.err),
            "the county's reason for P2 (category) is printed", r.err)
    t.check("P3" in r.err and ("campaign" in r.err or "专项" in r.err),
            "the county's reason for P3 (campaign) is printed", r.err)
    t.check_rollups(county, agg, "accepted rows stored, rejected ones not")

    r = t.sync(county, unit, agg)
    t.check_rc(r, hbtest.EX_DATAERR, "rejected records are sent (and rejected) again")
    t.check("P2" in r.err, "and reported again", r.err)

    rows[1][4] = "贯彻新发展理念"   # the clerk fixes the category (display name)
    rows[2][1] = "解放思想、振兴发展研讨"  # and names the campaign
    hbtest.write_csv(os.path.join(county.ledger(unit), "problems.csv"), P_HDR, rows, encoding="gbk")
    r = t.sync(county, unit, agg)
    t.check_rc(r, 0, "sync after the fix")
    t.check_rollups(county, agg, "fixed rows are stored")

    # a unit the county does not expect
    stranger = os.path.join(county.root, "ledgers", "x99")
    hbtest.write_csv(os.path.join(stranger, "activities.csv"), A_HDR,
                     [["A1", "jiefang-2022", "2022-07-01", "study", "unit", "1", "10", "0", "x"]])
    r = t.sync(county, "x99", agg, ledger=stranger)
    t.check_rc(r, hbtest.EX_DATAERR, "sync of a unit the county does not expect")
    t.check("x99" in r.err, "the refusal names the unit", r.err)
    t.check_rollups(county, agg, "nothing of the unknown unit stored")
    agg.stop()
    t.check_rc(agg.verify(), 0, "verify at the end")


hbtest.Test("rejected").guard(main)
