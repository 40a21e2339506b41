#!/usr/bin/env python3
"""Only the right unit may report (CurveZMQ + ZAP), one test per attack:
an unknown key cannot connect; a known key cannot report for another unit;
a plain-text agent cannot talk to a CURVE county; a subscriber with an
unknown key gets nothing; adding or removing a unit's key takes effect on
SIGHUP without a restart; --insecure is explicit and logged. After every
attack the victim's figures are unchanged (nothing was stored)."""
import json
import os
import signal
import time

import hbtest


def unit_records(t, agg, county, unit):
    """Records of unit summed over every campaign, from a fresh snapshot."""
    _, got = t.rollups(agg)
    n = 0
    for c in county.campaigns():
        for u in got.get(c, {}).get("units", []):
            if u.get("code") == unit:
                n += u.get("records", 0)
    return n


def log_has(agg, text, timeout=3.0):
    """The aggregator logs after it has sent the acks: wait a little for the line."""
    end = time.time() + timeout
    while text not in agg.log_text() and time.time() < end:
        time.sleep(0.05)
    return text in agg.log_text()


def sighup(agg):
    agg.proc.send_signal(signal.SIGHUP)
    time.sleep(0.7)


def main(t):
    county = t.county(units=4, rows=6, seed=31)
    units = county.units()
    victim, thief, late = units[1], units[2], units[3]
    agg = t.aggregator(county)
    keys = t.keys

    # An unknown key cannot connect at all: the agent times out (75) and the
    # county logs the refusal.
    keys.make(["stranger"])
    r = t.sync(county, victim, agg, timeout=2,
               extra=["--key", keys.secret("stranger"), "--county-key", keys.public("county")])
    t.check_rc(r, hbtest.EX_TEMPFAIL, "unknown key: the agent cannot connect")
    t.check("the peer refused our key (ZAP status 400" in r.err and "county refused the connection"
            in r.err, "the agent says the county refused its key, not that it is down", r)
    t.check("refused an agent connection" in agg.log_text() and "unknown key" in agg.log_text(),
            "the county logs the refused key", agg.log_text()[-2000:])
    t.check_eq(unit_records(t, agg, county, victim), 0, "nothing stored for the victim")

    # A known key reporting for another unit: the whole batch is refused.
    r = t.sync(county, victim, agg, timeout=3,
               extra=["--key", keys.secret(thief), "--county-key", keys.public("county")])
    t.check_rc(r, hbtest.EX_DATAERR, "known key, other unit: refused")
    t.check(f"unit mismatch: this connection's key is unit {thief}, the batch says {victim}"
            in r.err, "the agent prints the county's reason", r)
    t.check(log_has(agg, "for a unit other than the one their key belongs to"),
            "the county logs the impersonation", agg.log_text()[-2000:])
    t.check_eq(unit_records(t, agg, county, victim), 0, "still nothing stored for the victim")

    # A plain-text agent against a CURVE county.
    r = t.sync(county, victim, agg, timeout=2, extra=["--insecure"])
    t.check_rc(r, hbtest.EX_TEMPFAIL, "plain-text agent refused by a CURVE county")
    t.check("county refused the connection" in r.err and "--insecure" in r.err,
            "the agent says the county closes it during the security handshake (mechanisms "
            "differ), not that it is down", r.err)
    t.check_eq(unit_records(t, agg, county, victim), 0, "plain text stored nothing")

    # The right key works, and the figures are exactly the ledger's.
    r = t.sync(county, victim, agg)
    t.check_rc(r, 0, "the victim's own key syncs")
    want = sum(u["activities"]["records"] + u["problems"]["total"]
               for e in county.expected().values() for u in e["units"] if u["code"] == victim)
    t.check_eq(unit_records(t, agg, county, victim), want, "the victim's records are exact")

    # A subscriber with an unknown key gets nothing.
    keys.make(["spy"])
    r = hbtest.run([hbtest.SUB, "snapshot", "--connect", agg.publish, "--timeout", "2",
                    "--key", keys.secret("spy"), "--server-key", keys.public("county")],
                   timeout=30)
    t.check_rc(r, hbtest.EX_TEMPFAIL, "subscriber with an unknown key gets nothing")
    t.check("the peer refused our key (ZAP status 400" in r.err,
            "the subscriber says the county refused its key", r.err)
    doc = json.loads(r.out) if r.out.strip() else {}
    t.check_eq(doc.get("missing"), [agg.publish], "the endpoint is reported missing")
    t.check("refused a subscriber connection" in agg.log_text(),
            "the county logs the refused subscriber", agg.log_text()[-2000:])

    # The two keyrings are separate ZAP domains: the city's key cannot
    # report as an agent, and a unit's key cannot subscribe.
    other = late  # not synced yet: its outbox has records to send
    r = t.sync(county, other, agg, timeout=2,
               extra=["--key", keys.secret("city"), "--county-key", keys.public("county")])
    t.check_rc(r, hbtest.EX_TEMPFAIL, "the city's key cannot connect as an agent")
    t.check_eq(unit_records(t, agg, county, other), 0, "nothing stored with the city's key")
    r = hbtest.run([hbtest.SUB, "snapshot", "--connect", agg.publish, "--timeout", "2",
                    "--key", keys.secret(victim), "--server-key", keys.public("county")],
                   timeout=30)
    t.check_rc(r, hbtest.EX_TEMPFAIL, "a unit's key cannot subscribe")
    # The city's own key does get the rollups.
    r = hbtest.run([hbtest.SUB, "snapshot", "--connect", agg.publish, "--timeout", "5"]
                   + keys.sub_flags(1), timeout=30)
    t.check_rc(r, 0, "the city's key subscribes")

    # Removing a unit's key takes effect on SIGHUP, without a restart...
    os.unlink(os.path.join(keys.units, late + ".key"))
    sighup(agg)
    own = ["--key", keys.secret(late), "--county-key", keys.public("county")]
    r = t.sync(county, late, agg, timeout=2, extra=own)
    t.check_rc(r, hbtest.EX_TEMPFAIL, "a removed key is refused after SIGHUP")
    t.check_eq(unit_records(t, agg, county, late), 0, "nothing stored with a removed key")
    # ...and so does adding it back.
    keys.install(late, keys.units)
    sighup(agg)
    r = t.sync(county, late, agg, extra=own)
    t.check_rc(r, 0, "an added key syncs after SIGHUP")
    t.check(unit_records(t, agg, county, late) > 0, "its records are stored")
    # An unreadable key folder on SIGHUP keeps the keys loaded before.
    moved = keys.units + ".moved"
    os.rename(keys.units, moved)
    sighup(agg)
    t.check("reload: keeping the old unit keys" in agg.log_text(),
            "an unreadable key folder is logged on reload", agg.log_text()[-2000:])
    r = t.sync(county, thief, agg, extra=["--key", keys.secret(thief),
                                          "--county-key", keys.public("county")])
    t.check_rc(r, 0, "the old keys still admit a known unit")
    os.rename(moved, keys.units)
    pid = agg.proc.pid
    t.check(agg.proc.poll() is None and agg.proc.pid == pid, "no restart was needed")
    t.check_eq(agg.stop(), 0, "the aggregator stops cleanly")

    # Secure is the default: no keys and no --insecure is a usage error...
    r = hbtest.run([hbtest.AGGREGATOR, "--data", agg.data, "--units", county.units_csv,
                    "--campaigns", county.campaigns_ini, "--listen", "tcp://127.0.0.1:1",
                    "--publish", "tcp://127.0.0.1:2"], timeout=10)
    t.check_rc(r, hbtest.EX_CONFIG, "aggregator without keys or --insecure: a configuration error")
    t.check("--secret is required" in r.err, "it says which flag is missing", r)
    # --check-config reads the keys too: a missing key folder is exit 78.
    nope = os.path.join(t.dir, "no-such-keys")
    r = hbtest.run([hbtest.AGGREGATOR, "--check-config", "--data", agg.data,
                    "--units", county.units_csv, "--campaigns", county.campaigns_ini,
                    "--listen", "tcp://127.0.0.1:1", "--publish", "tcp://127.0.0.1:2"]
                   + keys.aggregator_flags() + ["--keys", nope], timeout=10)
    t.check_rc(r, 78, "--check-config with a missing key folder")
    t.check(f"{nope}: cannot read key folder" in r.err, "it names the folder", r)
    # ...and --insecure warns on every start.
    ins = t.aggregator(county, extra=["--insecure"])
    t.check("insecure: plain TCP, no authentication" in ins.log_text(),
            "--insecure is logged as a warning at start", ins.log_text()[-1000:])
    t.check_eq(ins.stop(), 0, "the insecure aggregator stops cleanly")


hbtest.Test("auth").guard(main)
