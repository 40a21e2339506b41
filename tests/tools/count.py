#!/usr/bin/env python3
"""The independent counter: what every rollup of a county must say.

Reads units.csv, campaigns.ini and <ledgers>/<unit>/{activities,problems}.csv
with its own decoding and rules (hbledger.py, not the C code), and prints one
JSON object per campaign with the keys of `huibao-sub snapshot --format json`.

  count.py --county DIR [--campaign ID] [--today YYYY-MM-DD]
      DIR holds units.csv, campaigns.ini and ledgers/ (as gen_ledgers.py writes)
  count.py --units F --campaigns F --ledgers DIR ...

A campaign with `cycle = ...` also gets "cycle" and "periods": every period
(computed here from the cycle with Python's calendar, docs/periods.md) with its
figures from the ledgers' own dates (activities total and by kind, problems
identified / resolved / overdue_at_end); compare() checks them, not the units'
states (those depend on when the county stored what).

compare(expected, actual) lists the differences (used by the tests).
"""
import argparse
import datetime
import decimal
import json
import os
import re
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


# ---------------------------------------------------------------- issue 12
# A campaign's own vocabulary (kind., indicator., category.X.Y, stage.N keys
# of campaigns.ini) and the tables and columns that use it, read here with
# rules of their own: hbledger.Campaigns keeps such keys as plain values and
# lists category.X.Y as a category "X.Y", which campaign_vocab() undoes.

SOURCES = [("new", "增量"), ("existing", "存量")]
TERMS = [("immediate", "立行立改"), ("long_term", "长期整改")]
CASE_TYPES = [("case", "典型案例"), ("practice", "经验做法"), ("group", "先进集体"),
              ("person", "先进个人")]
PROB_COLS12 = hl.PROB_COLS + [("subcategory", "子类别"), ("owner", "责任人"),
                              ("measures_text", "整改措施"), ("source", "来源"), ("term", "整改类型")]
IND_COLS = [("id", "编号"), ("campaign", "专项"), ("date", "日期"), ("indicator", "指标"),
            ("value", "数量"), ("note", "说明")]
CASE_COLS = [("id", "编号"), ("campaign", "专项"), ("date", "日期"), ("type", "类型"),
             ("title", "标题"), ("summary", "摘要")]
SCALE = 10000
INDICATOR_VALUE_MAX = 10 ** 14
NOTE_MAX = 1024
SUMMARY_MAX = 4096


def _ini_value(v):
    """The value without an inline comment (' ; ...')."""
    return re.split(r"\s[;#]", v, 1)[0].strip()


def campaign_vocab(camps):
    """Adds kinds [(code, name)], indicators [(code, name, unit, places)],
    subs {category: [(code, name)]} and stages [(n, name, start, end)] to every
    campaign of an hbledger.Campaigns, in file order, and takes the
    sub-categories out of its categories."""
    for c in camps.items:
        c["kinds"], c["indicators"], c["subs"], c["stages"] = [], [], {}, []
        cats = []
        for code, name in c["categories"]:
            name = _ini_value(name)
            if "." in code:
                cat, sub = code.split(".", 1)
                c["subs"].setdefault(cat, []).append((sub, name))
            else:
                cats.append((code, name))
        c["categories"] = cats
        for k, v in list(c.items()):
            if not isinstance(v, str) or "." not in k:
                continue
            head, code = k.split(".", 1)
            f = [x.strip() for x in _ini_value(v).split(",")]
            if head == "kind":
                c["kinds"].append((code, f[0]))
            elif head == "indicator":
                c["indicators"].append((code, f[0], f[1] if len(f) > 1 else "",
                                        int(f[2]) if len(f) > 2 and f[2] else 0))
            elif head == "stage":
                c["stages"].append((int(code), f[0], datetime.date.fromisoformat(f[1]),
                                    datetime.date.fromisoformat(f[2])))
        c["stages"].sort(key=lambda s: s[2])
    return camps


def _in_campaign(camp, d):
    return camp is None or ("start" not in camp or d >= camp["start"]) and \
        ("end" not in camp or d <= camp["end"])


def _named(table, s):
    """code of (code, name) pairs for s (code or name, blanks trimmed), or None."""
    t = s.strip()
    for row in table:
        if t == row[0] or t == row[1]:
            return row[0]
    return None


def parse_value(s, places):
    """An indicator value in 1/10000 (exact, int arithmetic), or None."""
    m = re.fullmatch(r"([+-]?)(\d+)(?:\.(\d+))?", s.strip())
    digits = (m.group(3) or "").rstrip("0") if m else ""
    if not m or len(digits) > places:  # trailing zeros ("1.250", 2 places) are no decimals
        return None
    frac = digits.ljust(4, "0")
    v = int(m.group(2)) * SCALE + int(frac)
    v = -v if m.group(1) == "-" else v
    return v if abs(v) <= INDICATOR_VALUE_MAX else None


def parse_activity12(get, campaigns, today_):
    """hbledger.parse_activity with the campaign's declared kinds and dates."""
    camp = campaigns.find(get("campaign"))
    declared = _named(camp["kinds"], get("kind")) if camp else None
    if declared and hl.lookup(hl.KINDS, get("kind")) is None:
        r = hl.parse_activity(lambda k: "study" if k == "kind" else get(k), campaigns, today_)
        if isinstance(r, dict):
            r["kind"] = declared
    else:
        r = hl.parse_activity(get, campaigns, today_)
    if isinstance(r, dict) and not _in_campaign(camp, r["date"]):
        return ("date", "outside the campaign")
    return r


def parse_problem12(get, campaigns, today_):
    """hbledger.parse_problem with sub-category, owner, measures_text, source, term."""
    r = hl.parse_problem(get, campaigns, today_)
    if not isinstance(r, dict):
        return r
    camp = campaigns.find(get("campaign"))
    if not _in_campaign(camp, r["identified_on"]):
        return ("identified_on", "outside the campaign")
    r["subcategory"] = None
    if get("subcategory").strip():
        r["subcategory"] = _named(camp["subs"].get(r["category"], []), get("subcategory"))
        if r["subcategory"] is None:
            return ("subcategory", "unknown sub-category")
    for col, table in (("source", SOURCES), ("term", TERMS)):
        r[col] = None
        if get(col).strip():
            r[col] = hl.lookup(table, get(col))
            if r[col] is None:
                return (col, "unknown " + col)
    return r


def _parse_dated(get, campaigns, today_):
    r = {"id": get("id").strip()}
    if r["id"] == "" or not hl._text_ok(r["id"], hl.ID_MAX):
        return None, ("id", "bad id")
    camp = campaigns.find(get("campaign"))
    if camp is None:
        return None, ("campaign", "unknown campaign")
    r["campaign"] = camp["id"]
    d = hl.parse_date(get("date"))
    if d is None or d < hl.DATE_MIN:
        return None, ("date", "not a date")
    if d > today_:
        return None, ("date", "in the future")
    if not _in_campaign(camp, d):
        return None, ("date", "outside the campaign")
    r["date"] = d
    return camp, r


def parse_indicator(get, campaigns, today_):
    camp, r = _parse_dated(get, campaigns, today_)
    if camp is None:
        return r
    ind = next((i for i in camp["indicators"] if get("indicator").strip() in (i[0], i[1])), None)
    if ind is None:
        return ("indicator", "unknown indicator")
    r["indicator"] = ind[0]
    r["value"] = parse_value(get("value"), ind[3])
    if r["value"] is None:
        return ("value", "bad value")
    if not hl._text_ok(get("note"), NOTE_MAX):
        return ("note", "too long")
    return r


def parse_case(get, campaigns, today_):
    camp, r = _parse_dated(get, campaigns, today_)
    if camp is None:
        return r
    r["type"] = hl.lookup(CASE_TYPES, get("type"))
    if r["type"] is None:
        return ("type", "unknown type")
    r["title"] = get("title").strip()
    if not r["title"] or not hl._text_ok(r["title"], hl.TITLE_MAX):
        return ("title", "bad title")
    if not hl._text_ok(get("summary"), SUMMARY_MAX):
        return ("summary", "too long")
    return r


def load_table(path, cols, parse, campaigns, today_):
    """(valid rows, invalid [(line, column, reason)]) of one CSV file, as
    hbledger.load_ledger_file does it (a repeated id makes the later row invalid)."""
    t = hl.read_table(path)
    if t is None:
        return [], []
    hdr, rows, _ = t
    idx, _ = hl.map_header(hdr, cols)
    good, bad, seen = [], [], set()
    for line, cells in rows:
        def get(k, cells=cells):
            i = idx.get(k)
            return cells[i] if i is not None and i < len(cells) else ""
        r = parse(get, campaigns, today_)
        if isinstance(r, tuple):
            bad.append((line, r[0], r[1]))
        elif r["id"] in seen:
            bad.append((line, "id", "duplicate id"))
        else:
            seen.add(r["id"])
            r["_line"] = line
            good.append(r)
    return good, bad


TABLES = (("activities.csv", hl.ACT_COLS, parse_activity12),
          ("problems.csv", PROB_COLS12, parse_problem12),
          ("indicators.csv", IND_COLS, parse_indicator),
          ("cases.csv", CASE_COLS, parse_case))


def load_county(units_path, campaigns_path, ledgers_dir, today_):
    """{'units': [...], 'campaigns': Campaigns, 'ledgers': {code: (acts, probs, bad)},
    'tables12': {code: (indicators, cases)}} (bad lists the invalid rows of all four tables)."""
    units = hl.load_units(units_path)
    camps = campaign_vocab(hl.Campaigns(campaigns_path))
    ledgers, tables12 = {}, {}
    for code, _, _ in units:
        d = os.path.join(ledgers_dir, code)
        got, bad = [], []
        for name, cols, parse in TABLES:
            g, b = load_table(os.path.join(d, name), cols, parse, camps, today_)
            got.append(g)
            bad += [(name,) + x for x in b]
        ledgers[code] = (got[0], got[1], bad)
        tables12[code] = (got[2], got[3])
    return {"units": units, "campaigns": camps, "ledgers": ledgers, "tables12": tables12}


def value_text(v, places):
    """v (1/10000) with exactly places decimals, rounded half away from zero."""
    div = 10 ** (4 - places)
    q = (abs(v) + div // 2) // div
    s = str(q).rjust(places + 1, "0")
    s = s[:-places] + "." + s[-places:] if places else s
    return ("-" if v < 0 and q else "") + s


def indicator_json(decl, value, records):
    code, name, unit, places = decl
    text = value_text(value, places)
    return {"name": name, "unit": unit, "places": places,
            "value": int(text) if places == 0 else float(decimal.Decimal(text)),
            "text": text, "records": records}


def indicators_of(camp, rows):
    sums = {i[0]: [0, 0] for i in camp["indicators"]}
    for x in rows:
        sums[x["indicator"]][0] += x["value"]
        sums[x["indicator"]][1] += 1
    return {i[0]: indicator_json(i, *sums[i[0]]) for i in camp["indicators"]}


def cases_of(rows):
    by = {t: 0 for t, _ in CASE_TYPES}
    for x in rows:
        by[x["type"]] += 1
    return {"total": len(rows), "by_type": by}


def stages_of(camp, today_):
    out, cur = [], None
    for n, name, start, end in camp["stages"]:
        st = "upcoming" if today_ < start else "done" if today_ > end else "current"
        s = {"n": n, "name": name, "start": start.isoformat(), "end": end.isoformat()}
        out.append(dict(s, state=st))
        if st == "current" and cur is None:
            cur = s
    return out, cur


# ---------------------------------------------------------------- issue 13
# Reporting periods computed here from the campaign's cycle (docs/periods.md),
# with Python's own calendar, independently of lib/hb_period.c.

def parse_cycle(text):
    """(kind, day, "HH:MM") of a cycle value ("weekly, 5, 18:00", full-width
    commas allowed), or None."""
    f = [x.strip() for x in re.split(r"[,，]", _ini_value(text))]
    if len(f) != 3 or f[0].lower() not in ("weekly", "monthly") or not f[1].isdigit():
        return None
    m = re.fullmatch(r"(\d{1,2}):(\d{2})", f[2])
    if not m or int(m.group(1)) > 23 or int(m.group(2)) > 59:
        return None
    day, kind = int(f[1]), f[0].lower()
    if not (1 <= day <= (7 if kind == "weekly" else 31)):
        return None
    return kind, day, f"{int(m.group(1)):02d}:{m.group(2)}"


def _is_due(cycle, d):
    kind, day, _ = cycle
    if kind == "weekly":
        return d.isoweekday() == day
    nxt = (d.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    last = (nxt - datetime.timedelta(days=1)).day
    return d.day == min(day, last)


def _due_on_or_after(cycle, d):
    while not _is_due(cycle, d):
        d += datetime.timedelta(days=1)
    return d


def periods_of_campaign(camp):
    """[(id, start, end, due date)] of a campaign with a cycle (dates), else []."""
    cycle = parse_cycle(camp["cycle"]) if camp.get("cycle") else None
    if cycle is None or "start" not in camp or "end" not in camp or camp["end"] < camp["start"]:
        return []
    out, start = [], camp["start"]
    last = _due_on_or_after(cycle, camp["end"])
    due = _due_on_or_after(cycle, camp["start"])
    while True:
        out.append((due.isoformat(), start, min(due, camp["end"]), due))
        if due >= last:
            return out
        start = due + datetime.timedelta(days=1)
        due = _due_on_or_after(cycle, start)


def overdue_at(q, e):
    """Open and past its deadline at the end of day e (docs/periods.md): a
    resolved problem without 销号日期 never is."""
    if q["identified_on"] > e or not q["deadline"] or not q["deadline"] < e:
        return False
    if q["status"] == "resolved" and (q["resolved_on"] is None or q["resolved_on"] <= e):
        return False
    return True


def period_figures(camp, acts, probs):
    """The per-period figures of a campaign's activities and problems (all
    units): [{id, start, end, due, activities {total, by_kind}, problems
    {identified, resolved, overdue_at_end}}]."""
    cycle = parse_cycle(camp.get("cycle", ""))
    kind_names = dict(hl.KINDS)
    kind_names.update(camp.get("kinds", []))
    out = []
    for pid, start, end, due in periods_of_campaign(camp):
        total, by_kind = _zero_tot(), {}
        for a in acts:
            if start <= a["date"] <= end:
                _add_tot(total, a)
                k = by_kind.setdefault(a["kind"], dict(_zero_tot(), name=kind_names.get(a["kind"])))
                _add_tot(k, a)
        pr = {"identified": sum(start <= q["identified_on"] <= end for q in probs),
              "resolved": sum(q["status"] == "resolved" and q["resolved_on"] is not None and
                              start <= q["resolved_on"] <= end for q in probs),
              "overdue_at_end": sum(overdue_at(q, end) for q in probs)}
        out.append({"id": pid, "start": start.isoformat(), "end": end.isoformat(),
                    "due": f"{due.isoformat()} {cycle[2]}",
                    "activities": {"total": total, "by_kind": by_kind}, "problems": pr})
    return out


def rollup(county, campaign_id, today_):
    """The expected rollup of one campaign as a JSON-ready dict."""
    camp = next(c for c in county["campaigns"].items if c["id"] == campaign_id)
    cats = camp["categories"]
    a_total, by_kind, cube = _zero_tot(), {}, {}
    p = {"total": 0, "identified": 0, "rectifying": 0, "resolved": 0, "measures": 0,
         "overdue": 0}
    by_scope = {"individual": 0, "team": 0}
    by_cat = {code: {"name": name, "count": 0, "share": 0.0, "units": 0, "resolved": 0,
                     "subcategories": {sc: {"name": sn, "count": 0, "share": 0.0, "units": 0,
                                            "resolved": 0}
                                       for sc, sn in camp["subs"].get(code, [])}}
              for code, name in cats}
    by_source = {"new": 0, "existing": 0}
    by_term = {"immediate": 0, "long_term": 0}
    all_inds, all_cases = [], []
    urows, missing, reported = [], [], 0
    camp_acts, camp_probs = [], []
    for code, name, utype in county["units"]:
        acts, probs, _ = county["ledgers"][code]
        inds, cases = county["tables12"][code]
        acts = [a for a in acts if a["campaign"] == campaign_id]
        probs = [q for q in probs if q["campaign"] == campaign_id]
        inds = [x for x in inds if x["campaign"] == campaign_id]
        cases = [x for x in cases if x["campaign"] == campaign_id]
        all_inds += inds
        all_cases += cases
        camp_acts += acts
        camp_probs += probs
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
            if q.get("subcategory"):
                sc = c["subcategories"][q["subcategory"]]
                sc["count"] += 1
                sc["resolved"] += q["status"] == "resolved"
                ucats.add((q["category"], q["subcategory"]))
            if q.get("source"):
                by_source[q["source"]] += 1
            if q.get("term"):
                by_term[q["term"]] += 1
        for c in ucats:
            if isinstance(c, tuple):
                by_cat[c[0]]["subcategories"][c[1]]["units"] += 1
            else:
                by_cat[c]["units"] += 1
        if acts or probs:  # UnitRow.records: activities and problems only
            reported += 1
        else:
            missing.append(code)
        urows.append({"code": code, "name": name, "type": utype, "activities": ut,
                      "problems": up, "indicators": indicators_of(camp, inds),
                      "cases": cases_of(cases)})
    for c in by_cat.values():
        c["share"] = c["count"] / p["total"] if p["total"] else 0.0
        for sc in c["subcategories"].values():
            sc["share"] = sc["count"] / p["total"] if p["total"] else 0.0
    kind_names = dict(hl.KINDS)
    kind_names.update(camp["kinds"])
    for k, t in by_kind.items():
        t["name"] = kind_names.get(k)
    p["by_source"] = by_source
    p["by_term"] = by_term
    stages, stage_current = stages_of(camp, today_)
    p["resolution_rate"] = p["resolved"] / p["total"] if p["total"] else 0.0
    p["by_scope"] = by_scope
    p["by_category"] = by_cat
    cube_list = [dict(unit_type=k[0], level=k[1], kind=k[2], **v)
                 for k, v in sorted(cube.items())]
    extra = {}
    if camp.get("cycle") and parse_cycle(camp["cycle"]):
        c = parse_cycle(camp["cycle"])
        extra = {"cycle": f"{c[0]},{c[1]},{c[2]}",
                 "periods": period_figures(camp, camp_acts, camp_probs)}
    return dict({
        "campaign": campaign_id,
        "coverage": {"expected": len(county["units"]), "reported": reported, "missing": missing},
        "activities": {"total": a_total, "by_kind": by_kind, "cube": cube_list},
        "problems": p,
        "units": urows,
        "indicators": indicators_of(camp, all_inds),
        "cases": cases_of(all_cases),
        "stages": stages,
        "stage_current": stage_current,
    }, **extra)


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
        if "name" in ea["by_kind"][k]:
            _cmp_keys(f"activities.by_kind.{k}", ea["by_kind"][k], abk.get(k, {}), ("name",), out)
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
        _cmp_subs(f"problems.by_category.{code}.subcategories",
                  ep["by_category"][code].get("subcategories", {}),
                  (abc.get(code) or {}).get("subcategories"), out)
    for k in ("by_source", "by_term"):
        if k in ep:
            _cmp_keys(f"problems.{k}", ep[k], ap.get(k), tuple(ep[k]), out)
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
        _cmp_new(f"units.{code}.", e, a, out)
    for code in au:
        if code not in eu:
            out.append(f"units.{code}: not an expected unit")
    _cmp_new("", expected, actual, out)
    if "periods" in expected:
        cmp_periods(expected, actual, out)
    if "stages" in expected:
        if actual.get("stages") != expected["stages"]:
            out.append(f"stages: expected {expected['stages']}, got {actual.get('stages')!r}")
        if actual.get("stage_current", 0) != expected["stage_current"]:
            out.append(f"stage_current: expected {expected['stage_current']}, "
                       f"got {actual.get('stage_current', 'nothing')!r}")
    return out


def cmp_periods(expected, actual, out):
    """The cycle and every period's days and figures (not the unit states:
    they depend on when the county stored what, not on the ledgers)."""
    if actual.get("cycle") != expected["cycle"]:
        out.append(f"cycle: expected {expected['cycle']!r}, got {actual.get('cycle')!r}")
    ap = actual.get("periods")
    if not isinstance(ap, list):
        out.append(f"periods: expected a list of {len(expected['periods'])}, got {ap!r}")
        return
    ids = [p.get("id") if isinstance(p, dict) else p for p in ap]
    if ids != [p["id"] for p in expected["periods"]]:
        out.append(f"periods: expected ids {[p['id'] for p in expected['periods']]}, got {ids}")
        return
    for e, a in zip(expected["periods"], ap):
        path = f"periods[{e['id']}]"
        _cmp_keys(path, e, a, ("start", "end", "due"), out)
        ea, aa = e["activities"], a.get("activities") or {}
        _cmp_tot(f"{path}.activities.total", ea["total"], aa.get("total"), out)
        abk = aa.get("by_kind") or {}
        for k in sorted(set(ea["by_kind"]) | set(abk)):
            if k not in ea["by_kind"]:
                if not _is_zero_tot(abk[k]):
                    out.append(f"{path}.activities.by_kind.{k}: unexpected {abk[k]!r}")
                continue
            _cmp_tot(f"{path}.activities.by_kind.{k}", ea["by_kind"][k], abk.get(k, {}), out)
            _cmp_keys(f"{path}.activities.by_kind.{k}", ea["by_kind"][k], abk.get(k, {}),
                      ("name",), out)
        _cmp_keys(f"{path}.problems", e["problems"], a.get("problems"),
                  ("identified", "resolved", "overdue_at_end"), out)


IND_KEYS = ("name", "unit", "places", "value", "text", "records")


def _cmp_subs(path, e, a, out):
    if not e and not a:
        return
    if not isinstance(a, dict):
        out.append(f"{path}: expected {e}, got {a!r}")
        return
    if list(a) != list(e):
        out.append(f"{path}: expected codes {list(e)}, got {list(a)}")
    for sc in e:
        _cmp_keys(f"{path}.{sc}", e[sc], a.get(sc), ("name", "count", "share", "units",
                                                     "resolved"), out)


def _cmp_new(prefix, e, a, out):
    """indicators and cases of a rollup or of a unit row."""
    if "indicators" in e:
        ai = a.get("indicators")
        if not isinstance(ai, dict) or list(ai) != list(e["indicators"]):
            out.append(f"{prefix}indicators: expected codes {list(e['indicators'])}, "
                       f"got {ai if not isinstance(ai, dict) else list(ai)!r}")
            ai = ai if isinstance(ai, dict) else {}
        for code, ev in e["indicators"].items():
            _cmp_keys(f"{prefix}indicators.{code}", ev, ai.get(code), IND_KEYS, out)
            av = (ai.get(code) or {}).get("value")
            if isinstance(av, float) != isinstance(ev["value"], float):
                out.append(f"{prefix}indicators.{code}.value: expected a JSON "
                           f"{'real' if isinstance(ev['value'], float) else 'integer'}, got {av!r}")
    if "cases" in e:
        ac = a.get("cases") or {}
        _cmp_keys(f"{prefix}cases", e["cases"], ac, ("total",), out)
        _cmp_keys(f"{prefix}cases.by_type", e["cases"]["by_type"], ac.get("by_type"),
                  tuple(e["cases"]["by_type"]), out)


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
