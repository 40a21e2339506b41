#!/usr/bin/env python3
"""The console's 台账 page in a browser (issue 15): headless Chromium logs
in as a viewer, /ledger.html shows every problem of a small county (two
per unit), the overdue ones marked, 只看逾期 narrows the table, and a click
on a row opens that record's history page. Exit 77 without Chromium."""
# ctest-labels: nosan
import os
import shutil
import sys

import hbconsole
import hbtest
from test_dashboard import Chromium

VIEWER = "viewer1"


def main(t):
    if not (shutil.which("chromium") or os.access("/usr/bin/chromium", os.X_OK)):
        print("chromium is not installed (deploy/deps.sh installs it): skipped")
        sys.exit(77)
    county = t.county(units=3, rows=3, seed=11)
    units = county.units()
    for u in units:
        hbconsole.write_problems(county, u, status="整改中")
    cport = hbtest.free_port()
    agg = t.aggregator(county, extra=["--console", f"127.0.0.1:{cport}"])
    runs = t.sync_all(county, agg)
    t.check(all(r.rc == 0 for r in runs.values()), "every unit syncs")
    t.check_rc(hbconsole.account_add(agg, VIEWER, "viewer"), 0, "account add (viewer)")
    console = f"http://127.0.0.1:{cport}"
    br = Chromium(t.dir)
    try:
        t.check(hbtest.chromium_login(br, console, VIEWER, hbconsole.PASSWORD),
                "the viewer logs in to the console")
        p = br.open(console + "/ledger.html")
        n = len(units) * 2
        t.check(br.wait(p, f"document.querySelectorAll('#ledger tbody tr').length === {n}", 15),
                f"the 台账 shows the {n} problems")
        t.check_eq(br.eval(p, "document.getElementById('l-count').textContent"), str(n),
                   "with their count")
        t.check_eq(br.eval(p, "document.querySelectorAll('#ledger tbody tr.overdue').length"),
                   len(units), "the problems past their deadline are marked")
        t.check_eq(br.eval(p, "[...document.querySelectorAll('#ledger tbody tr.overdue')]"
                              ".every(r => r.dataset.id === 'WT001')"), True,
                   "… and they are the WT001s")
        br.eval(p, "document.getElementById('l-overdue').click();"
                   "document.querySelector('[data-testid=\"ledger-refresh\"]').click(); true")
        t.check(br.wait(p, "document.querySelectorAll('#ledger tbody tr').length === "
                           f"{len(units)}", 10), "只看逾期 leaves the overdue ones")
        br.eval(p, "document.querySelector('#ledger tbody tr').click(); true")
        t.check(br.wait(p, "location.pathname === '/history.html' && "
                           "location.search.includes('id=WT001')", 10),
                "a click opens the record's history page")
    finally:
        br.close()
    t.check_eq(agg.stop(), 0, "the aggregator stops cleanly")


if __name__ == "__main__":
    hbtest.Test("ledger_browser").guard(main)
