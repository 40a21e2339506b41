#!/usr/bin/env python3
"""One unit cannot fill the county's disk (issue 18, item 3). A raw client
with a unit's own key sends records carrying unknown protobuf fields (3 KB
each): they are stored without them (the same record sent again without
the fields is a DUPLICATE, not STALE: the stored bytes are what the county
understands). Past its quota (unit-quota-records = / unit-quota-bytes = in
the -c file) a unit's new records are REJECTED with the reason and the
figures, while edits that do not grow it, deletions, and other units go on;
`verify` passes."""
import os

import hbtest
import hbwire

CAMPAIGN = "jiefang-2022"


def main(t):
    county = t.county(units=3, rows=3, seed=11)
    units = county.units()
    unit, other = units[1], units[2]
    conf = os.path.join(t.dir, "aggregator.ini")
    with open(conf, "w", encoding="utf-8") as f:
        f.write("[aggregator]\nunit-quota-records = 40\nunit-quota-bytes = 8K\n")
    agg = t.aggregator(county, extra=["-c", conf])
    keys = t.keys
    t.keys.install_units(units)

    # unknown fields are dropped before storing
    raw = hbwire.Agent(agg.listen, keys.secret(unit), keys.public("county"))
    unknown = hbwire.f_bytes(99, b"x" * 3000) + hbwire.f_varint(100, 7)
    a = raw.submit(unit, [hbwire.problem(unit, "U001", 1000, CAMPAIGN, extra=unknown)])
    t.check(a and a["results"] and a["results"][0]["code"] == hbwire.STORED,
            "a record with unknown fields is stored", a)
    a = raw.submit(unit, [hbwire.problem(unit, "U001", 1000, CAMPAIGN)])
    t.check(a and a["results"] and a["results"][0]["code"] == hbwire.DUPLICATE,
            "the same record without them is a DUPLICATE: they were not stored", a)
    # 20 records with 3 KB of unknown fields each would not fit 8K if they were kept
    a = raw.submit(unit, [hbwire.problem(unit, f"U1{i:02d}", 1000, CAMPAIGN, extra=unknown)
                          for i in range(20)])
    t.check(a and all(r["code"] == hbwire.STORED for r in a["results"]),
            "20 more with unknown fields fit the byte quota (the fields are not counted)", a)

    # the records quota: 40 per unit
    a = raw.submit(unit, [hbwire.problem(unit, f"Q{i:03d}", 1000, CAMPAIGN) for i in range(30)])
    codes = [r["code"] for r in a["results"]] if a else []
    t.check_eq((codes.count(hbwire.STORED), codes.count(hbwire.REJECTED)), (19, 11),
               "past 40 records the unit's new records are REJECTED", a)
    rej = [r for r in (a["results"] if a else []) if r["code"] == hbwire.REJECTED]
    t.check(rej and "unit quota exceeded" in rej[0]["reason"] and "40 records" in rej[0]["reason"],
            "the reason names the quota", rej[:1])
    a = raw.submit(unit, [hbwire.problem(unit, "Q000", 1001, CAMPAIGN,
                                         description="edited")])
    t.check(a and a["results"][0]["code"] == hbwire.STORED,
            "an edit of a stored row that does not grow the unit is stored", a)
    a = raw.submit(unit, [hbwire.problem(unit, "Q000", 1002, CAMPAIGN, deleted=True)])
    t.check(a and a["results"][0]["code"] == hbwire.STORED, "a deletion is stored", a)
    # the byte quota: 8 KiB; edits that grow records by ~500 bytes each
    big = "长" * 170
    a = raw.submit(unit, [hbwire.problem(unit, "U001", 1003, CAMPAIGN, description=big)])
    t.check(a and a["results"][0]["code"] == hbwire.STORED, "one large edit fits", a)
    a = raw.submit(unit, [hbwire.problem(unit, f"U1{i:02d}", 1003, CAMPAIGN, description=big)
                          for i in range(20)])
    codes = [r["code"] for r in a["results"]] if a else []
    t.check(hbwire.REJECTED in codes and hbwire.STORED in codes,
            "growing edits are REJECTED once the unit holds 8 KiB", codes)
    rej = [r for r in (a["results"] if a else []) if r["code"] == hbwire.REJECTED]
    t.check(rej and "8192 bytes" in rej[0]["reason"], "the reason names the byte quota", rej[:1])
    raw.close()

    # other units are not affected
    t.check_rc(t.sync(county, other, agg), 0, f"unit {other} syncs")
    t.check_eq(agg.stop(), 0, "aggregator stops")
    t.check_rc(agg.verify(), 0, "verify passes")

    # a bad quota setting is a configuration error
    with open(conf, "w", encoding="utf-8") as f:
        f.write("unit-quota-bytes = 12X\n")
    r = hbtest.run([hbtest.AGGREGATOR, "-c", conf, "--check-config", "--data", agg.data,
                    "--units", county.units_csv, "--campaigns", county.campaigns_ini,
                    "--listen", agg.listen, "--publish", agg.publish, "--insecure"])
    t.check_rc(r, hbtest.EX_CONFIG, "unit-quota-bytes = 12X is refused")
    t.check("unit-quota-bytes" in r.err, "naming the setting", r)


hbtest.Test("unit_quota").guard(main)
