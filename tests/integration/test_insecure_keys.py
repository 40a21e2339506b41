#!/usr/bin/env python3
"""Issue 18, item 6 (configuration): `insecure` beside a key setting is an
error, never plain text with keys configured. The aggregator exits 78 (on
the command line, in a -c file, and in --check-config), naming the key
setting; huibao-agent sync and huibao-sub exit 64 for --insecure beside a
key flag. Each alone still works (--check-config 0, the agent and the city
reach their usual next step)."""
import os

import hbtest


def main(t):
    county = t.county(units=3, rows=3, seed=18)
    keys = t.keys
    keys.install_units(county.units())
    data = os.path.join(t.dir, "agg")
    os.makedirs(data)
    base = [hbtest.AGGREGATOR, "--data", data, "--units", county.units_csv, "--campaigns",
            county.campaigns_ini, "--listen", f"tcp://127.0.0.1:{hbtest.free_port()}",
            "--publish", f"tcp://127.0.0.1:{hbtest.free_port()}"]

    # the aggregator, flags
    r = hbtest.run(base + ["--insecure", "--check-config"])
    t.check_rc(r, 0, "aggregator --insecure alone passes --check-config")
    r = hbtest.run(base + keys.aggregator_flags() + ["--check-config"])
    t.check_rc(r, 0, "aggregator with its keys alone passes --check-config")
    for flag, value in (("--secret", keys.secret("county")), ("--keys", keys.units),
                        ("--subscriber-keys", keys.cities)):
        r = hbtest.run(base + ["--insecure", flag, value, "--check-config"])
        t.check_rc(r, hbtest.EX_CONFIG, f"aggregator --insecure {flag} --check-config")
        t.check(f"insecure (plain TCP) contradicts {flag[2:]}" in r.err,
                f"the error names {flag[2:]}", r)
    r = hbtest.run(base + keys.aggregator_flags() + ["--insecure"], timeout=10)
    t.check_rc(r, hbtest.EX_CONFIG, "aggregator --insecure with every key does not start")

    # the aggregator, a -c file
    conf = os.path.join(t.dir, "agg.ini")
    with open(conf, "w", encoding="utf-8") as f:
        f.write("[aggregator]\ninsecure = true\nsecret = %s\nkeys = %s\n"
                "subscriber-keys = %s\n" % (keys.secret("county"), keys.units, keys.cities))
    r = hbtest.run(base + ["-c", conf, "--check-config"])
    t.check_rc(r, hbtest.EX_CONFIG, "a -c file with insecure = true and the keys, --check-config")
    t.check("contradicts secret" in r.err, "the error names the setting", r)
    r = hbtest.run(base + ["-c", conf], timeout=10)
    t.check_rc(r, hbtest.EX_CONFIG, "a -c file with insecure = true and the keys does not start")

    # the agent
    unit = county.units()[0]
    sync = [hbtest.AGENT, "sync", "--unit", unit, "--ledger", county.ledger(unit), "--state",
            county.state(unit), "--county", f"tcp://127.0.0.1:{hbtest.free_port()}",
            "--timeout", "1"]
    for extra in (["--key", keys.secret(unit)], ["--county-key", keys.public("county")],
                  keys.agent_flags(unit)):
        r = hbtest.run(sync + ["--insecure"] + extra)
        t.check_rc(r, hbtest.EX_USAGE, f"agent sync --insecure {extra[0]}")
        t.check("--insecure (plain TCP) contradicts --key/--county-key" in r.err,
                "the agent says why", r)
    r = hbtest.run(sync + ["--insecure"])
    t.check_rc(r, hbtest.EX_TEMPFAIL, "agent sync --insecure alone tries the county (down: 75)")

    # the city
    ep = f"tcp://127.0.0.1:{hbtest.free_port()}"
    for cmd, extra, named in (
            (["snapshot", "--timeout", "0.5"], ["--key", keys.secret("city")], "key"),
            (["snapshot", "--timeout", "0.5"], ["--server-key", keys.public("county")],
             "server-key"),
            (["run", "--data", os.path.join(t.dir, "city"), "--publish",
              f"tcp://127.0.0.1:{hbtest.free_port()}"], ["--secret", keys.secret("city")],
             "secret")):
        r = hbtest.run([hbtest.SUB] + cmd + ["--connect", ep, "--insecure"] + extra)
        t.check_rc(r, hbtest.EX_USAGE, f"huibao-sub {cmd[0]} --insecure --{named}")
        t.check(f"--insecure (plain TCP) contradicts --{named}" in r.err, "the city says why", r)
    r = hbtest.run([hbtest.SUB, "snapshot", "--timeout", "0.5", "--connect", ep, "--insecure"])
    t.check_rc(r, hbtest.EX_TEMPFAIL, "huibao-sub snapshot --insecure alone waits (nothing: 75)")


hbtest.Test("insecure_keys").guard(main)
