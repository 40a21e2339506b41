#!/usr/bin/env python3
"""Key files that would hang or mislead the county (issue 18, items 6 and 9):
a FIFO given as --secret is refused at once (exit 78), not read forever; a
FIFO in the --keys folder is left out with a message and the county starts;
one public key installed for two units refuses to start (exit 78, naming
both units), and a SIGHUP that brings such a pair keeps the old keys; and a
Submit for another unit is logged with the key's unit and the unit claimed."""
import os
import shutil
import signal
import time

import hbtest


def start(t, county, extra, timeout=8):
    """(Run of a start that should fail) with the test's default flags."""
    argv = [hbtest.AGGREGATOR, "--data", os.path.join(t.dir, "data-x"), "--units",
            county.units_csv, "--campaigns", county.campaigns_ini, "--listen",
            f"tcp://127.0.0.1:{hbtest.free_port()}", "--publish",
            f"tcp://127.0.0.1:{hbtest.free_port()}"] + extra
    os.makedirs(os.path.join(t.dir, "data-x"), exist_ok=True)
    return hbtest.run(argv, timeout=timeout)


def wait_log(agg, text, timeout=3.0):
    end = time.monotonic() + timeout
    while text not in agg.log_text() and time.monotonic() < end:
        time.sleep(0.05)
    return text in agg.log_text()


def main(t):
    county = t.county(units=4, rows=3, seed=23)
    units = county.units()
    keys = t.keys
    keys.install_units(units)

    # --secret is a FIFO: refused at once
    fifo = os.path.join(t.dir, "county.key_secret")
    os.mkfifo(fifo, 0o600)
    r = start(t, county, ["--secret", fifo, "--keys", keys.units,
                          "--subscriber-keys", keys.cities])
    t.check_rc(r, hbtest.EX_CONFIG, "a FIFO as --secret: exit 78, not a hang")
    t.check("not a regular file (a FIFO)" in r.err, "the message says it is a FIFO", r)

    # a FIFO in the keys folder: left out, the county starts
    os.mkfifo(os.path.join(keys.units, "zz.key"), 0o644)
    agg = t.aggregator(county)
    t.check("zz.key" in agg.log_text() and "not a regular file" in agg.log_text(),
            "a FIFO in --keys is logged and left out", agg.log_text()[-1500:])
    t.check_rc(t.sync(county, units[1], agg), 0, "the county works with the other keys")
    os.unlink(os.path.join(keys.units, "zz.key"))

    # item 9: a Submit for another unit names the key and the unit
    victim, thief = units[0], units[2]  # the victim has not synced: it has rows to send
    r = t.sync(county, victim, agg, timeout=3,
               extra=["--key", keys.secret(thief), "--county-key", keys.public("county")])
    t.check_rc(r, hbtest.EX_DATAERR, "another unit's key: refused")
    t.check(wait_log(agg, f"refused a Submit for unit {victim}: it came with the key of unit "
                          f"{thief} ({keys.units}/{thief}.key)"),
            "the county log names the key and the unit claimed", agg.log_text()[-1500:])

    # one key installed for two units: SIGHUP keeps the old keys ...
    shared = os.path.join(keys.units, units[3] + ".key")
    shutil.copyfile(keys.public(units[2]), shared)
    agg.proc.send_signal(signal.SIGHUP)
    t.check(wait_log(agg, "reload: keeping the old unit keys"), "SIGHUP with a shared key keeps "
            "the old keys", agg.log_text()[-1500:])
    t.check(f"{units[2]}.key and {units[3]}.key hold the same public key" in agg.log_text()
            or f"{units[3]}.key and {units[2]}.key hold the same public key" in agg.log_text(),
            "naming both units", agg.log_text()[-1500:])
    r = t.sync(county, units[3], agg, timeout=3,
               extra=["--key", keys.secret(units[2]), "--county-key", keys.public("county")])
    t.check(r.rc != 0, f"{units[2]}'s key does not report for {units[3]}", r)
    t.check_eq(agg.stop(), 0, "aggregator stops")

    # ... and a start refuses
    r = start(t, county, keys.aggregator_flags())
    t.check_rc(r, hbtest.EX_CONFIG, "a start with one key for two units: exit 78")
    t.check(units[2] in r.err and units[3] in r.err and "same public key" in r.err,
            "naming both units", r)
    r = start(t, county, keys.aggregator_flags() + ["--check-config"])
    t.check_rc(r, hbtest.EX_CONFIG, "--check-config says so too")


hbtest.Test("key_files").guard(main)
