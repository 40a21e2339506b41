#!/usr/bin/env python3
"""Bad rows: each is reported as FILE:LINE: column: reason (naming the bad
value), the sync exits 65, the good rows are still sent; `check` says the
same offline; a stored row that turns bad keeps its stored figures."""
import os
import re
import hbtest

DIAG = re.compile(r"(activities|problems)\.csv:\d+: ", re.M)


def main(t):
    county = t.county(units=10, rows=12, seed=51, bad=8)
    bad = county.bad_rows()
    t.check_eq(len(bad), 8, "generator planted 8 bad rows")
    by_unit = {}
    for b in bad:
        by_unit.setdefault(b["unit"], []).append(b)
    agg = t.aggregator(county)
    runs = t.sync_all(county, agg)
    for u in county.units():
        r = runs[u]
        want = by_unit.get(u, [])
        t.check_rc(r, hbtest.EX_DATAERR if want else 0, f"sync {u} ({len(want)} bad rows)")
        for b in want:
            m = hbtest.diag_re(b["file"], b["line"], b["column"]).search(r.err)
            t.check(m is not None, f"{u}: {b['file']}:{b['line']}: {b['column']}: reported", r.err)
            if m:
                t.check(b["expected"] in m.group(2) and m.group(2).endswith(b["value"]) or
                        (b["expected"] in m.group(2) and (": " + b["value"] + ";") in m.group(2)),
                        f"{u}: line {b['line']} says {b['expected']!r} and names {b['value']!r}",
                        m.group(0))
        t.check_eq(len(DIAG.findall(r.err)), len(want), f"{u}: no other row reported", r.err)
        c = hbtest.run([hbtest.AGENT, "check", "--ledger", county.ledger(u)])
        t.check_rc(c, hbtest.EX_DATAERR if want else 0, f"check {u}")
        t.check_eq(sorted(DIAG_lines(c.err)), sorted(DIAG_lines(r.err)),
                   f"check {u} says what sync said")
    t.check_rollups(county, agg, "good rows counted, bad rows left out")

    # a second sync: still 65, nothing changes
    r = t.sync(county, bad[0]["unit"], agg)
    t.check_rc(r, hbtest.EX_DATAERR, "second sync of a ledger with a bad row")
    t.check_rollups(county, agg, "unchanged after the second sync")

    # a stored row turns bad: its stored figures stay (not taken for a deletion)
    good_unit = next(u for u in county.units() if u not in by_unit and
                     os.path.exists(os.path.join(county.ledger(u), "activities.csv")))
    expected_before = county.expected()
    path = os.path.join(county.ledger(good_unit), "activities.csv")
    hdr, rows, info = hbtest.hbledger.read_table(path)
    idx, names = hbtest.hbledger.map_header(hdr, hbtest.hbledger.ACT_COLS)
    raw = open(path, "rb").read()
    text, enc = hbtest.hbledger.decode(raw)
    line, cells = rows[0]
    cells = list(cells)
    cells[idx["participants"]] = "很多"
    import csv, io
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n" if info["crlf"] else "\n")
    w.writerow(hdr)
    w.writerow(cells)
    for _, c in rows[1:]:
        w.writerow(c)
    data = buf.getvalue().encode("gbk" if enc == "gbk" else "utf-8")
    if enc == "utf-8-sig":
        data = b"\xef\xbb\xbf" + data
    open(path, "wb").write(data)
    r = t.sync(county, good_unit, agg)
    t.check_rc(r, hbtest.EX_DATAERR, f"sync {good_unit} after a stored row turned bad")
    t.check(hbtest.diag_re("activities.csv", 2, names["participants"]).search(r.err) is not None,
            f"activities.csv:2: {names['participants']}: reported", r.err)
    diffs = {}
    for c in county.campaigns():
        _, got = t.rollups(agg, c)
        diffs[c] = hbtest.hbcount.compare(expected_before[c], got.get(c, {}))
    t.check(not any(diffs.values()), "the stored figures of the now-bad row are unchanged",
            {c: d[:10] for c, d in diffs.items() if d})
    agg.stop()
    t.check_rc(agg.verify(), 0, "verify at the end")


def DIAG_lines(err):
    return [ln[ln.find(m.group(0)):] for ln in err.splitlines() for m in [DIAG.search(ln)] if m]


hbtest.Test("bad_rows").guard(main)
