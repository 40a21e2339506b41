#!/usr/bin/env python3
"""The test tools themselves (no huibao program needed): the generator writes
the habits it promises, the counter finds exactly the planted bad rows,
mutations keep every file's encoding and move statuses forward only, the
sample county reproduces the report figures, and compare() catches a change."""
import copy
import glob
import os
import sys
import hbtest

hl = hbtest.hbledger


def main(t):
    county = t.county(units=60, rows=20, seed=3, bad=10)
    files = glob.glob(os.path.join(county.ledgers, "*", "*.csv"))
    encs, zh_hdr, crlf, multiline = set(), 0, 0, 0
    for f in files:
        raw = open(f, "rb").read()
        txt, enc = hl.decode(raw)
        encs.add(enc)
        hdr, rows, info = hl.read_table(f)
        zh_hdr += hdr[0] in ("编号", "专项") or any(h in ("编号",) for h in hdr)
        crlf += info["crlf"]
        multiline += any("\n" in c for _, cells in rows for c in cells)
    t.check_eq(sorted(encs), ["gbk", "utf-8", "utf-8-sig"], "files in GBK, UTF-8 and UTF-8+BOM")
    t.check(0 < zh_hdr < len(files), f"some Chinese headers ({zh_hdr}/{len(files)})")
    t.check(0 < crlf < len(files), f"CRLF and LF files ({crlf}/{len(files)})")
    t.check(multiline > 0, f"quoted newlines in {multiline} files")

    today = hbtest.TODAY_DATE
    c = hbtest.hbcount.load_county(county.units_csv, county.campaigns_ini, county.ledgers, today)
    found = sorted((u, f, line) for u, (_, _, bad) in c["ledgers"].items() for f, line, _, _ in bad)
    planted = sorted((b["unit"], b["file"], b["line"]) for b in county.bad_rows())
    t.check_eq(found, planted, "counter leaves out exactly the planted bad rows")
    late = [r for _, (a, p, _) in c["ledgers"].items() for r in a + p
            if max(v for k, v in r.items() if hasattr(v, "year") and k != "deadline") > today]
    t.check_eq(late, [], "no valid date after today", late[:3])
    exp = county.expected()
    overdue = sum(e["problems"]["overdue"] for e in exp.values())
    t.check(overdue > 0, f"some problems are overdue ({overdue})")
    t.check(any(q["deadline"] and q["deadline"] > today and q["status"] != "resolved"
                for _, (_, p, _) in c["ledgers"].items() for q in p), "some deadlines ahead")

    before = {f: hl.decode(open(f, "rb").read())[1] for f in files}
    status_of = {(u, q["id"]): q["status"] for u, (_, p, _) in c["ledgers"].items() for q in p}
    st = county.mutate(1, 3)
    t.check(all(v > 0 for v in st.values()), f"mutation does every kind of edit ({st})")
    after = {f: hl.decode(open(f, "rb").read())[1] for f in files if os.path.exists(f)}
    t.check_eq({f: e for f, e in after.items() if before.get(f) not in (e, None)}, {},
               "mutation keeps each file's encoding")
    c2 = hbtest.hbcount.load_county(county.units_csv, county.campaigns_ini, county.ledgers, today)
    order = {"identified": 0, "rectifying": 1, "resolved": 2}
    back = [(k, s, q["status"]) for u, (_, p, _) in c2["ledgers"].items() for q in p
            for k in [(u, q["id"])] for s in [status_of.get(k)] if s and order[q["status"]] < order[s]]
    t.check_eq(back, [], "statuses only move forward")
    moved = sum(1 for u, (_, p, _) in c2["ledgers"].items() for q in p
                if status_of.get((u, q["id"])) not in (None, q["status"]))
    t.check(moved > 0, f"{moved} problems changed status")
    t.check_eq(len([b for _, (_, _, b) in c2["ledgers"].items() for _ in b]), 10,
               "bad rows survive mutation")

    exp2 = county.expected()
    t.check(any(hbtest.hbcount.compare(exp[k], exp2[k]) for k in exp), "compare sees the edits")
    e = exp2["jiefang-2022"]
    t.check_eq(hbtest.hbcount.compare(e, copy.deepcopy(e)), [], "compare of equal rollups is empty")
    x = copy.deepcopy(e)
    x["problems"]["by_category"]["county"]["share"] += 1e-6
    x["activities"]["cube"] = x["activities"]["cube"][1:]
    x["units"][0]["problems"]["overdue"] += 1
    d = hbtest.hbcount.compare(e, x)
    t.check_eq(len(d), 3, "compare reports a share, a cube cell and a unit figure", d)

    r = hbtest.run([sys.executable, os.path.join(hbtest.REPO, "deploy", "sample", "make_ledgers.py"),
                    "--out", os.path.join(t.dir, "sample"), "--check"])
    t.check_rc(r, 0, "sample county reproduces the report figures")


hbtest.Test("tools").guard(main)
