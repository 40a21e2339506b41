#!/usr/bin/env python3
"""The independent counter: what every rollup of a county must say.

Reads units.csv, campaigns.ini and <ledgers>/<unit>/{activities,problems}.csv
with its own decoding and rules (hbledger.py, not the C code), and prints one
JSON object per campaign with the keys of `huibao-sub snapshot --format json`.

  count.py --county DIR [--campaign ID] [--today YYYY-MM-DD]
      DIR holds units.csv, campaigns.ini and ledgers/ (as gen_ledgers.py writes)
  count.py --units F --campaigns F --ledgers DIR ...

compare(expected, actual) lists the differences (used by the tests).
"""
import argparse
import datetime
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hbledger as hl  # noqa: E402

TOT_KEYS = ("records", "sessions", "participants", "outputs")


def _zero_tot():
    return {k: 0 for k in TOT_KEYS}


def _add_tot(t, a):
    t["records"] += 1
    t["sessions"] += a["sessions"]
    t["participants"] += a["participants"]
    t["outputs"] += a["outputs"]


def load_county(units_path, campaigns_path, ledgers_dir, today_):
    """{'units': [...], 'campaigns': Campaigns, 'ledgers': {code: (acts, probs, bad)}}."""
    units = hl.load_units(units_path)
    camps = hl.Campaigns(campaigns_path)
    ledgers = {}
    for code, _, _ in units:
        d = os.path.join(ledgers_dir, code)
        acts, abad, _ = hl.load_ledger_file(os.path.join(d, "activities.csv"), False, camps, today_)
        probs, pbad, _ = hl.load_ledger_file(os.path.join(d, "problems.csv"), True, camps, today_)
        ledgers[code] = (acts, probs, [("activities.csv",) + b for b in abad] +
                         [("problems.csv",) + b for b in pbad])
    return {"units": units, "campaigns": camps, "ledgers": ledgers}


def rollup(county, campaign_id, today_):
    """The expected rollup of one campaign as a JSON-ready dict."""
    camp = next(c for c in county["campaigns"].items if c["id"] == campaign_id)
    cats = camp["categories"]
    a_total, by_kind, cube = _zero_tot(), {}, {}
    p = {"total": 0, "identified": 0, "rectifying": 0, "resolved": 0, "measures": 0,
         "overdue": 0}
    by_scope = {"individual": 0, "team": 0}
    by_cat = {code: {"name": name, "count": 0, "share": 0.0, "units": 0, "resolved": 0}
              for code, name in cats}
    urows, missing, reported = [], [], 0
    for code, name, utype in county["units"]:
        acts, probs, _ = county["ledgers"][code]
        acts = [a for a in acts if a["campaign"] == campaign_id]
        probs = [q for q in probs if q["campaign"] == campaign_id]
        ut, up = _zero_tot(), {"total": 0, "resolved": 0, "rectifying": 0, "identified": 0,
                               "overdue": 0}
        for a in acts:
            _add_tot(a_total, a)
            _add_tot(ut, a)
            _add_tot(by_kind.setdefault(a["kind"], _zero_tot()), a)
            _add_tot(cube.setdefault((utype, a["level"], a["kind"]), _zero_tot()), a)
        ucats = set()
        for q in probs:
            for tgt in (p, up):
                tgt["total"] += 1
                tgt[q["status"]] += 1
                if q["status"] != "resolved" and q["deadline"] and q["deadline"] < today_:
                    tgt["overdue"] += 1
            p["measures"] += q["measures"]
            by_scope[q["scope"]] += 1
            c = by_cat[q["category"]]
            c["count"] += 1
            if q["status"] == "resolved":
                c["resolved"] += 1
            ucats.add(q["category"])
        for c in ucats:
            by_cat[c]["units"] += 1
        if acts or probs:
            reported += 1
        else:
            missing.append(code)
        urows.append({"code": code, "name": name, "type": utype, "activities": ut,
                      "problems": up})
    for c in by_cat.values():
        c["share"] = c["count"] / p["total"] if p["total"] else 0.0
    p["resolution_rate"] = p["resolved"] / p["total"] if p["total"] else 0.0
    p["by_scope"] = by_scope
    p["by_category"] = by_cat
    cube_list = [dict(unit_type=k[0], level=k[1], kind=k[2], **v)
                 for k, v in sorted(cube.items())]
    return {
        "campaign": campaign_id,
        "coverage": {"expected": len(county["units"]), "reported": reported, "missing": missing},
        "activities": {"total": a_total, "by_kind": by_kind, "cube": cube_list},
        "problems": p,
        "units": urows,
    }


def count_dir(county_dir, today_=None, campaign=None):
    """Rollups {campaign id: rollup} for a county folder as gen_ledgers.py writes it."""
    today_ = today_ or hl.today()
    c = load_county(os.path.join(county_dir, "units.csv"),
                    os.path.join(county_dir, "campaigns.ini"),
                    os.path.join(county_dir, "ledgers"), today_)
    ids = [campaign] if campaign else [x["id"] for x in c["campaigns"].items]
    return {i: rollup(c, i, today_) for i in ids}


# ---------------------------------------------------------------- compare

def _num_eq(a, b):
    if isinstance(a, bool) or isinstance(b, bool):
        return a == b
    if isinstance(a, float) or isinstance(b, float):
        try:
            return abs(float(a) - float(b)) <= 1e-9
        except (TypeError, ValueError):
            return False
    return a == b


def _cmp_tot(path, e, a, out):
    if not isinstance(a, dict):
        out.append(f"{path}: expected {e}, got {a!r}")
        return
    for k in TOT_KEYS:
        if not _num_eq(e.get(k, 0), a.get(k, 0)):
            out.append(f"{path}.{k}: expected {e.get(k, 0)}, got {a.get(k)!r}")


def _cmp_keys(path, e, a, keys, out):
    if not isinstance(a, dict):
        out.append(f"{path}: expected an object, got {a!r}")
        return
    for k in keys:
        if k not in a:
            out.append(f"{path}.{k}: missing (expected {e[k]!r})")
        elif not _num_eq(e[k], a[k]):
            out.append(f"{path}.{k}: expected {e[k]!r}, got {a[k]!r}")


def _is_zero_tot(t):
    return isinstance(t, dict) and all(not t.get(k, 0) for k in TOT_KEYS)


def compare(expected, actual):
    """Differences between the expected rollup of one campaign and the JSON the
    system printed, as readable strings (empty list = equal). Integers must be
    equal, floats within 1e-9. Zero cells the system lists but the counter
    leaves out (by_kind, cube) are not differences; keys beyond section 5 are
    ignored, and so are county and last_sync of unit rows."""
    out = []
    if not isinstance(actual, dict):
        return [f"rollup: expected an object, got {actual!r}"]
    if actual.get("campaign") != expected["campaign"]:
        out.append(f"campaign: expected {expected['campaign']!r}, got {actual.get('campaign')!r}")
    ec, ac = expected["coverage"], actual.get("coverage") or {}
    _cmp_keys("coverage", ec, ac, ("expected", "reported"), out)
    if sorted(ac.get("missing") or []) != sorted(ec["missing"]):
        out.append(f"coverage.missing: expected {ec['missing']}, got {ac.get('missing')!r}")
    ea, aa = expected["activities"], actual.get("activities") or {}
    _cmp_tot("activities.total", ea["total"], aa.get("total"), out)
    abk = aa.get("by_kind") or {}
    for k in sorted(set(ea["by_kind"]) | set(abk)):
        if k not in ea["by_kind"]:
            if not _is_zero_tot(abk[k]):
                out.append(f"activities.by_kind.{k}: unexpected {abk[k]!r}")
            continue
        _cmp_tot(f"activities.by_kind.{k}", ea["by_kind"][k], abk.get(k, {}), out)
    ecube = {(c["unit_type"], c["level"], c["kind"]): c for c in ea["cube"]}
    acube = {}
    for c in aa.get("cube") or []:
        key = (c.get("unit_type"), c.get("level"), c.get("kind"))
        if key in acube:
            out.append(f"activities.cube: cell {key} listed twice")
        acube[key] = c
    for key in sorted(set(ecube) | set(acube), key=str):
        name = "activities.cube[%s/%s/%s]" % key
        if key not in ecube:
            if not _is_zero_tot(acube[key]):
                out.append(f"{name}: unexpected {acube[key]!r}")
        elif key not in acube:
            out.append(f"{name}: missing (expected {ecube[key]})")
        else:
            _cmp_tot(name, ecube[key], acube[key], out)
    ep, ap = expected["problems"], actual.get("problems") or {}
    _cmp_keys("problems", ep, ap, ("total", "identified", "rectifying", "resolved", "measures",
                                   "overdue", "resolution_rate"), out)
    _cmp_keys("problems.by_scope", ep["by_scope"], ap.get("by_scope"), ("individual", "team"), out)
    abc = ap.get("by_category") or {}
    if not isinstance(abc, dict):
        out.append(f"problems.by_category: expected an object, got {abc!r}")
        abc = {}
    for code in sorted(set(ep["by_category"]) | set(abc)):
        if code not in ep["by_category"]:
            out.append(f"problems.by_category.{code}: unexpected {abc[code]!r}")
            continue
        _cmp_keys(f"problems.by_category.{code}", ep["by_category"][code], abc.get(code),
                  ("name", "count", "share", "units", "resolved"), out)
    eu = {u["code"]: u for u in expected["units"]}
    au = {}
    for u in actual.get("units") or []:
        au[u.get("code")] = u
    for code in eu:
        if code not in au:
            out.append(f"units.{code}: missing")
            continue
        e, a = eu[code], au[code]
        _cmp_keys(f"units.{code}", e, a, ("name", "type"), out)
        _cmp_tot(f"units.{code}.activities", e["activities"], a.get("activities"), out)
        _cmp_keys(f"units.{code}.problems", e["problems"], a.get("problems"),
                  ("total", "resolved", "rectifying", "identified", "overdue"), out)
    for code in au:
        if code not in eu:
            out.append(f"units.{code}: not an expected unit")
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--county", help="folder with units.csv, campaigns.ini, ledgers/")
    ap.add_argument("--units")
    ap.add_argument("--campaigns")
    ap.add_argument("--ledgers")
    ap.add_argument("--campaign")
    ap.add_argument("--today", help="YYYY-MM-DD (default HUIBAO_TODAY or today)")
    ap.add_argument("--invalid", action="store_true", help="list the rows left out instead")
    a = ap.parse_args()
    t = datetime.date.fromisoformat(a.today) if a.today else hl.today()
    if a.county:
        a.units = a.units or os.path.join(a.county, "units.csv")
        a.campaigns = a.campaigns or os.path.join(a.county, "campaigns.ini")
        a.ledgers = a.ledgers or os.path.join(a.county, "ledgers")
    if not (a.units and a.campaigns and a.ledgers):
        ap.error("give --county DIR or all of --units, --campaigns, --ledgers")
    c = load_county(a.units, a.campaigns, a.ledgers, t)
    if a.invalid:
        for code, (_, _, bad) in c["ledgers"].items():
            for f, line, col, why in bad:
                print(f"{code}/{f}:{line}: {col}: {why}")
        return 0
    ids = [a.campaign] if a.campaign else [x["id"] for x in c["campaigns"].items]
    res = [rollup(c, i, t) for i in ids]
    json.dump(res[0] if a.campaign else {"campaigns": res}, sys.stdout, ensure_ascii=False,
              indent=1)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
