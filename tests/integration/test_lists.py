#!/usr/bin/env python3
"""Issue 15's lists at the county (docs/lists.md): the 61-unit sample county
of deploy/sample, synced to a running aggregator; `huibao-aggregator list
problems --format xlsx` (while the service runs) holds every problem exactly
as the ledgers say, read independently here (tests/tools/hbledger.py) and
from the workbook with openpyxl: unit, names, category, scope, description,
measures, dates, status, review state, days overdue, the overdue rows red;
the header frozen with an autofilter and a title naming the county. `--format
json` and `--format csv` (UTF-8 BOM, CRLF) say the same; the filters
(--overdue, --status in English and Chinese with review states after a
confirm and a return, --unit, --campaign, --category) pick what the ledgers
say; cases and activities are all listed; usage errors exit 64, a folder
without a store 66. The city (`huibao-sub run --data --detail`) keeps the
county's records in its replica (sub/replica.h, fetched from the county's
--detail endpoint): once the county is stopped, `huibao-sub list problems
--data` lists exactly the county's last list, and its xlsx every row
(city_part).
"""
import csv
import datetime
import io
import json
import os
import shutil
import subprocess
import sys
import time

import hbtest

try:
    import openpyxl
except ImportError:
    print("skipped: python3-openpyxl is not installed")
    sys.exit(77)

sys.path.insert(0, os.path.join(hbtest.REPO, "tests", "tools"))
import hbledger  # noqa: E402

SAMPLE = os.path.join(hbtest.REPO, "deploy", "sample")
PASSWORD = "审核-口令-2023"
CODE, NAME = "xq", "西县"
ZH_SCOPE = dict(hbledger.SCOPES)
ZH_STATUS = dict(hbledger.STATUSES)
TODAY = hbtest.TODAY_DATE


def sample_county(t):
    root = os.path.join(t.dir, "sample")
    r = hbtest.run([sys.executable, os.path.join(SAMPLE, "make_ledgers.py"), "--out", root],
                   timeout=120)
    if r.rc != 0:
        raise RuntimeError(f"make_ledgers.py failed: {r}")
    shutil.copy(os.path.join(SAMPLE, "units.csv"), os.path.join(root, "units.csv"))
    shutil.copy(os.path.join(SAMPLE, "campaigns.ini"), os.path.join(root, "campaigns.ini"))
    return hbtest.County(root)


def expected_problems(county):
    """{(unit, id): row as the list shows it}, from the ledgers alone."""
    camps = hbledger.Campaigns(county.campaigns_ini)
    units = {u[0]: u[1] for u in hbledger.load_units(county.units_csv)}
    out = {}
    for unit in units:
        path = os.path.join(county.ledger(unit), "problems.csv")
        if not os.path.exists(path):
            continue
        good, _, _ = hbledger.load_ledger_file(path, True, camps, TODAY)
        for p in good:
            camp = camps.find(p["campaign"])
            cats = dict(camp["categories"])
            dl, ro = p["deadline"], p["resolved_on"]
            overdue = p["status"] != "resolved" and dl is not None and dl < TODAY
            out[(unit, p["id"])] = {
                "county_name": NAME, "unit": unit, "unit_name": units[unit], "id": p["id"],
                "campaign_name": camp["name"], "category_name": cats[p["category"]],
                "scope_zh": ZH_SCOPE[p["scope"]], "description": p["description"],
                "measures": p["measures"], "identified_on": p["identified_on"],
                "deadline": dl, "status_zh": ZH_STATUS[p["status"]], "resolved_on": ro,
                "review_zh": "待销号" if p["status"] == "resolved" else "未审核",
                "days_overdue": (TODAY - dl).days if overdue else None,
            }
    return out


def expected_count(county, name, is_problems=False):
    camps = hbledger.Campaigns(county.campaigns_ini)
    n = 0
    for unit in county.units():
        path = os.path.join(county.ledger(unit), name)
        if os.path.exists(path):
            n += len(hbledger.load_ledger_file(path, is_problems, camps, TODAY)[0])
    return n


def date_of(v):
    if isinstance(v, datetime.datetime):
        return v.date()
    if isinstance(v, str) and v:
        return datetime.date.fromisoformat(v)
    return None


def from_cells(get):
    """A list row (xlsx, CSV or JSON) in the form of expected_problems."""
    m = get("measures")
    d = get("days_overdue")
    return {
        "county_name": get("county_name"), "unit": get("unit"), "unit_name": get("unit_name"),
        "id": get("id"), "campaign_name": get("campaign_name"),
        "category_name": get("category_name"), "scope_zh": get("scope_zh"),
        "description": get("description") or "", "measures": int(m) if m not in (None, "") else 0,
        "identified_on": date_of(get("identified_on")), "deadline": date_of(get("deadline")),
        "status_zh": get("status_zh"), "resolved_on": date_of(get("resolved_on")),
        "review_zh": get("review_zh"),
        "days_overdue": int(d) if d not in (None, "", 0) else None,
    }


# the xlsx and CSV headers of the keys compared
HEADERS = {"county_name": "县区", "unit": "单位编码", "unit_name": "单位名称", "id": "编号",
           "campaign_name": "专项", "category_name": "类别", "scope_zh": "范围",
           "description": "问题描述", "measures": "整改措施数", "identified_on": "查摆日期",
           "deadline": "整改时限", "status_zh": "状态", "resolved_on": "销号日期",
           "review_zh": "审核状态", "days_overdue": "逾期天数"}


def diff(got, want, what):
    """Lines naming each difference (at most 20)."""
    out = []
    for k in sorted(set(got) | set(want)):
        if k not in got:
            out.append(f"{what}: missing {k}")
        elif k not in want:
            out.append(f"{what}: extra {k}")
        elif got[k] != want[k]:
            d = {f: (got[k][f], want[k][f]) for f in want[k] if got[k].get(f) != want[k][f]}
            out.append(f"{what}: {k}: {d}")
        if len(out) >= 20:
            break
    return out


class Lister:
    def __init__(self, t, county, agg):
        self.t, self.county, self.agg = t, county, agg
        self.conf = os.path.join(t.dir, "aggregator.conf")
        with open(self.conf, "w", encoding="utf-8") as f:
            f.write(f"[aggregator]\ndata = {agg.data}\nunits = {county.units_csv}\n"
                    f"campaigns = {county.campaigns_ini}\ncode = {CODE}\nname = {NAME}\n")

    def run(self, *args, conf=True):
        argv = [hbtest.AGGREGATOR, "list"] + list(args)
        if conf:
            argv += ["-c", self.conf]
        return hbtest.run(argv, timeout=120)

    def json(self, *args):
        r = self.run(*args, "--format", "json")
        self.t.check_rc(r, 0, f"list {' '.join(args)} --format json")
        return json.loads(r.out) if r.rc == 0 else {"rows": [], "count": -1}


def check_xlsx(t, path, want):
    wb = openpyxl.load_workbook(path)
    ws = wb.active
    t.check_eq(ws.title, "问题整改台账", "xlsx: the sheet 问题整改台账")
    title = ws.cell(row=1, column=1).value or ""
    t.check(title.startswith(f"{NAME} 全部专项 问题整改台账（截至 {hbtest.TODAY}，共 {len(want)} 条"),
            "xlsx: a title row naming the county, the campaign and the date", title)
    t.check_eq(ws.freeze_panes, "E3", "xlsx: the title and header rows frozen (and 县区 .. 编号)")
    t.check_eq(ws.auto_filter.ref, f"A2:W{len(want) + 2}", "xlsx: an autofilter over the header")
    head = [c.value for c in ws[2]]
    col = {h: i for i, h in enumerate(head)}
    got, red, red_want = {}, set(), set()
    for cells in ws.iter_rows(min_row=3):
        vals = [c.value for c in cells]
        row = from_cells(lambda k: vals[col[HEADERS[k]]])
        key = (row["unit"], row["id"])
        got[key] = row
        if cells[0].fill.fgColor.rgb in ("FFFFC7CE", "00FFC7CE"):
            red.add(key)
        if row["days_overdue"]:
            red_want.add(key)
    d = diff(got, want, "xlsx")
    t.check(not d, f"xlsx: every problem of the ledgers, exactly ({len(want)} rows)", "\n".join(d))
    t.check(red == red_want and red, f"xlsx: the {len(red_want)} overdue rows, and only they, red",
            sorted(red ^ red_want)[:10])
    return got


def check_csv(t, path, want):
    with open(path, "rb") as f:
        data = f.read()
    t.check(data.startswith(b"\xef\xbb\xbf"), "csv: UTF-8 with a BOM")
    t.check(data.count(b"\r\n") >= len(want) + 1 and b"\n" not in data.replace(b"\r\n", b""),
            "csv: CRLF line ends (no bare LF)")
    rd = csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""))
    head = next(rd)
    col = {h: i for i, h in enumerate(head)}
    got = {}
    for vals in rd:
        row = from_cells(lambda k: vals[col[HEADERS[k]]])
        got[(row["unit"], row["id"])] = row
    d = diff(got, want, "csv")
    t.check(not d, f"csv: every problem of the ledgers, exactly ({len(want)} rows)", "\n".join(d))


def review(t, agg, *args):
    argv = [hbtest.AGGREGATOR, "review", "--data", agg.data, "--as", "李四"] + list(args)
    p = subprocess.run(argv, input=(PASSWORD + "\n").encode(), capture_output=True, timeout=60)
    t.check_eq(p.returncode, 0, f"review {' '.join(args)}", p.stderr.decode())


def check_filters(t, lst, want):
    rows = lst.json("problems", "--overdue")["rows"]
    t.check_eq(sorted((r["unit"], r["id"]) for r in rows),
               sorted(k for k, v in want.items() if v["days_overdue"]),
               "--overdue: the open problems past their deadline")
    for word, status in (("整改中", "rectifying"), ("resolved", "resolved"),
                         ("已查摆", "identified")):
        rows = lst.json("problems", "--status", word)["rows"]
        t.check_eq(len(rows), sum(1 for v in want.values() if v["status_zh"] == ZH_STATUS[status]),
                   f"--status {word}")
    unit = sorted(want)[0][0]
    rows = lst.json("problems", "--unit", unit)["rows"]
    t.check_eq(sorted((r["unit"], r["id"]) for r in rows), sorted(k for k in want if k[0] == unit),
               f"--unit {unit}")
    rows = lst.json("problems", "--campaign", "jiefang-2022")["rows"]
    t.check_eq(len(rows), 1620, "--campaign jiefang-2022: the sample report's 1620 problems")
    # a weekly period of jiefang-2022 (due Fridays): 2022-09-03 .. 2022-09-09, identified or
    # resolved in it
    lo, hi = datetime.date(2022, 9, 3), datetime.date(2022, 9, 9)
    camp_rows = {(r["unit"], r["id"]) for r in rows}
    per = lst.json("problems", "--campaign", "jiefang-2022", "--period", "2022-09-09")["rows"]
    want_per = sorted(k for k in camp_rows if lo <= want[k]["identified_on"] <= hi or
                      (want[k]["resolved_on"] and lo <= want[k]["resolved_on"] <= hi))
    t.check(want_per and sorted((r["unit"], r["id"]) for r in per) == want_per,
            f"--period 2022-09-09: the {len(want_per)} problems identified or resolved in it")
    cat_name = rows[0]["category_name"]
    rows2 = lst.json("problems", "--campaign", "jiefang-2022", "--category", cat_name)["rows"]
    t.check(rows2 and all(r["category_name"] == cat_name for r in rows2) and
            len(rows2) == sum(1 for r in rows if r["category_name"] == cat_name),
            f"--category {cat_name} (by its name)")


def check_review_states(t, lst, agg, want):
    for name, role in (("李四", "reviewer"),):
        r = hbtest.account_add(hbtest.AGGREGATOR, agg.data, name, PASSWORD, role)
        t.check_rc(r, 0, f"account add {name}")
    claimed = sorted(k for k, v in want.items() if v["review_zh"] == "待销号")
    opened = sorted(k for k, v in want.items() if v["review_zh"] == "未审核")
    review(t, agg, "confirm", claimed[0][0], claimed[0][1], "--kind", "problem")
    review(t, agg, "return", opened[0][0], opened[0][1], "--kind", "problem",
           "--reason", "措施不具体")
    rows = lst.json("problems", "--status", "已销号")["rows"]
    t.check_eq([(r["unit"], r["id"], r["review"], r["reviewer"]) for r in rows],
               [(claimed[0][0], claimed[0][1], "confirmed", "李四")], "--status 已销号 after confirm")
    rows = lst.json("problems", "--status", "退回")["rows"]
    t.check_eq([(r["unit"], r["id"], r["review_zh"], r["review_reason"]) for r in rows],
               [(opened[0][0], opened[0][1], "已退回", "措施不具体")], "--status 退回 after return")
    rows = lst.json("problems", "--status", "claimed")["rows"]
    t.check_eq(len(rows), len(claimed) - 1, "--status claimed: one less after the confirm")


def start_city(t, agg):
    """A `huibao-sub run` city keeping the county's records (the replica)."""
    data = os.path.join(t.dir, "city-data")
    os.makedirs(data, exist_ok=True)
    log = os.path.join(t.dir, "city.log")
    argv = [hbtest.SUB, "run", "--connect", agg.publish, "--data", data,
            "--detail", agg.detail] + t.sub_keys(agg.publish)
    logf = open(log, "wb")
    proc = subprocess.Popen(argv, stdout=logf, stderr=subprocess.STDOUT)
    hbtest._live.append(proc)
    t.logs.append(log)
    return proc, data


def city_list(data, fmt="json", *extra):
    return hbtest.run([hbtest.SUB, "list", "problems", "--data", data, "--format", fmt] +
                      list(extra), timeout=120)


def city_part(t, data, county_rows, settle=60):
    """The city's list (its replica) equals the county's, with the county stopped."""
    t.check(os.path.exists(os.path.join(data, "replica")), "the city keeps a replica (DATA/replica)")
    end = time.monotonic() + settle
    got = {}
    while time.monotonic() < end:
        r = city_list(data)
        if r.rc == 0:
            got = {(x["unit"], x["id"]): from_cells(lambda k, x=x: x.get(k))
                   for x in json.loads(r.out)["rows"]}
            if len(got) == len(county_rows):
                break
        time.sleep(0.5)
    d = diff(got, county_rows, "city")
    t.check(not d, f"huibao-sub list problems --data (county stopped): the county's "
            f"{len(county_rows)} problems exactly", "\n".join(d))
    xlsx = os.path.join(t.dir, "city.xlsx")
    r = city_list(data, "xlsx", "--out", xlsx)
    if t.check_rc(r, 0, "huibao-sub list problems --format xlsx"):
        wb = openpyxl.load_workbook(xlsx)
        t.check_eq(wb.active.max_row - 2, len(county_rows), "the city's 整改台账: every row")


def main(t):
    county = sample_county(t)
    t.check_eq(len(county.units()), 61, "the sample county has 61 units")
    # the county serves its history to the city's replica (--detail, docs/replica.md)
    port = hbtest.free_port()
    t.keys.install("city", os.path.join(t.dir, "keys", "cities"))
    detail_keys = os.path.join(t.dir, "keys", "detail")
    os.makedirs(detail_keys, exist_ok=True)
    t.keys.install("city", detail_keys)
    agg = t.aggregator(county, extra=["--code", CODE, "--name", NAME,
                                      "--detail", f"tcp://127.0.0.1:{port}",
                                      "--detail-keys", detail_keys])
    agg.detail = f"tcp://127.0.0.1:{port}"
    runs = t.sync_all(county, agg)
    t.check(all(r.rc == 0 for r in runs.values()), "every sample unit syncs",
            [r for r in runs.values() if r.rc != 0][:2])
    want = expected_problems(county)
    t.check(len(want) > 3000, f"the ledgers hold {len(want)} problems")
    city, city_data = start_city(t, agg)
    lst = Lister(t, county, agg)

    # the 整改台账 while the service runs, exactly as the ledgers say
    xlsx = os.path.join(t.dir, "台账.xlsx")
    r = lst.run("problems", "--format", "xlsx", "--out", xlsx)
    t.check_rc(r, 0, "list problems --format xlsx (the service running)")
    if r.rc == 0:
        check_xlsx(t, xlsx, want)
    path = os.path.join(t.dir, "台账.csv")
    r = lst.run("problems", "--format", "csv", "--out", path)
    if t.check_rc(r, 0, "list problems --format csv"):
        check_csv(t, path, want)
    js = lst.json("problems")
    got = {(x["unit"], x["id"]): from_cells(lambda k, x=x: x.get(k)) for x in js["rows"]}
    d = diff(got, want, "json")
    t.check(not d and js["count"] == len(want), "json: every problem of the ledgers, exactly",
            "\n".join(d))
    keys = [(x["county"], x["unit"], x["id"]) for x in js["rows"]]
    t.check_eq(keys, sorted(keys), "rows sorted by county, unit and id")
    r = lst.run("problems")
    t.check(r.rc == 0 and f"共 {len(want)} 条" in r.out, "list problems: the table and its count")

    # cases and activities
    cases = lst.json("cases")
    t.check_eq(cases["count"], 22, "list cases: zhuti-2023's 22 典型")
    t.check_eq(sorted(c["type_zh"] for c in cases["rows"]).count("先进个人"), 13, "13 先进个人")
    acts = lst.json("activities")
    t.check_eq(acts["count"], expected_count(county, "activities.csv"),
               "list activities: every activity of the ledgers")

    check_filters(t, lst, want)
    check_review_states(t, lst, agg, want)

    # names without -c: codes; errors
    r = lst.run("problems", "--data", agg.data, "--format", "json", conf=False)
    t.check(r.rc == 0 and json.loads(r.out)["count"] == len(want),
            "list without the units and campaigns files: the same rows (with codes)")
    for args, code, what in ((["problem"], 64, "an unknown list"),
                             (["problems", "--status", "逾期"], 64, "an unknown status"),
                             (["problems", "--format", "xlsx"], 64, "xlsx without --out"),
                             (["problems", "--format", "xls"], 64, "an unknown format")):
        t.check_rc(lst.run(*args), code, f"list: {what} exits {code}")
    empty = os.path.join(t.dir, "empty")
    os.makedirs(empty)
    t.check_rc(lst.run("problems", "--data", empty, conf=False), 66, "a folder without a store: 66")
    final = {(x["unit"], x["id"]): from_cells(lambda k, x=x: x.get(k))
             for x in lst.json("problems")["rows"]}
    t.check_eq(agg.stop(), 0, "the aggregator stops cleanly")
    r = lst.run("problems", "--format", "json")
    t.check(r.rc == 0 and json.loads(r.out)["count"] == len(want), "the list with the service stopped")
    city_part(t, city_data, final)
    city.terminate()
    city.wait(10)


if __name__ == "__main__":
    hbtest.Test("lists").guard(main)
