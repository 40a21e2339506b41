#!/usr/bin/env python3
"""Command lines: --help and --version exit 0, a bad flag exits 64 with a
message, missing required flags exit 64, `huibao-agent check` validates a
ledger offline (0 / 65 / 66)."""
import os
import hbtest


def main(t):
    for prog, sub in ((hbtest.AGENT, ["sync"]), (hbtest.AGENT, ["check"]),
                      (hbtest.AGGREGATOR, []), (hbtest.SUB, ["snapshot"])):
        name = " ".join([os.path.basename(prog)] + sub)
        r = hbtest.run([prog] + sub + ["--bogus-flag"], timeout=10)
        t.check_rc(r, hbtest.EX_USAGE, f"{name} --bogus-flag")
        t.check(r.err.strip() != "", f"{name} --bogus-flag says why on stderr", r)
    for prog in (hbtest.AGENT, hbtest.AGGREGATOR, hbtest.SUB):
        n = os.path.basename(prog)
        r = hbtest.run([prog, "--help"], timeout=10)
        t.check_rc(r, 0, f"{n} --help")
        t.check(n in r.out or "Usage" in r.out or "usage" in r.out, f"{n} --help prints usage", r)
        r = hbtest.run([prog, "--version"], timeout=10)
        t.check_rc(r, 0, f"{n} --version")
        t.check(any(ch.isdigit() for ch in r.out), f"{n} --version prints a version", r)
    r = hbtest.run([hbtest.AGENT], timeout=10)
    t.check_rc(r, hbtest.EX_USAGE, "huibao-agent without a command")
    r = hbtest.run([hbtest.AGENT, "frobnicate"], timeout=10)
    t.check_rc(r, hbtest.EX_USAGE, "huibao-agent with an unknown command")
    r = hbtest.run([hbtest.AGENT, "sync", "--ledger", t.dir], timeout=10)
    t.check_rc(r, hbtest.EX_USAGE, "huibao-agent sync without --unit/--state/--county")
    r = hbtest.run([hbtest.AGENT, "sync", "--unit", "t01", "--ledger", t.dir, "--state", t.dir,
                    "--county", "tcp://127.0.0.1:1", "--timeout", "abc"], timeout=10)
    t.check_rc(r, hbtest.EX_USAGE, "huibao-agent sync --timeout abc")
    r = hbtest.run([hbtest.AGGREGATOR, "--data", t.dir], timeout=10)
    t.check_rc(r, hbtest.EX_USAGE, "huibao-aggregator without --units/--campaigns/--listen")

    county = t.county(units=6, rows=10, seed=71, bad=3)
    bad_units = {b["unit"] for b in county.bad_rows()}
    for u in county.units():
        r = hbtest.run([hbtest.AGENT, "check", "--ledger", county.ledger(u)])
        t.check_rc(r, hbtest.EX_DATAERR if u in bad_units else 0, f"check {u}")
    r = hbtest.run([hbtest.AGENT, "check", "--ledger", os.path.join(t.dir, "no-such-folder")])
    t.check_rc(r, hbtest.EX_NOINPUT, "check of a folder that does not exist")


hbtest.Test("cli").guard(main)
