#!/usr/bin/env python3
"""The 台账 in the county's console and on the city's dashboard (issue 15):
GET /api/list behind the login gate (a viewer may read) answers the
county's problems exactly as the ledgers say (two hand-written problems per
unit: WT001 整改中 past its deadline, WT002 整改中 within it), with the unit
names of units.csv; the filters (overdue, unit, status, text search) narrow
it; bad parameters answer 400; the export is the lists' own CSV and .xlsx;
the rows equal `huibao-aggregator list --format json`. The page and its
script are served. The city's dashboard without --detail says
本级未保存明细（需 --detail）."""
import io
import json
import os

import hbconsole
import hbtest

VIEWER = "viewer1"
TODAY = hbtest.TODAY_DATE
# WT001 (deadline 2022-09-30) at HUIBAO_TODAY 2023-12-31: 457 days overdue
DAYS = (TODAY - hbtest.hbledger.parse_date("2022-09-30")).days


def expected(units):
    """The rows the ledgers hold: (unit, name, id, description, owner,
    deadline, status, overdue, days_overdue), in (unit, id) order."""
    out = []
    for code, name in sorted(units):
        out.append((code, name, "WT001", "对县情认识不清，把握不透", "王五", "2022-09-30",
                    "rectifying", True, DAYS))
        out.append((code, name, "WT002", "“四个体系”落实不到位", "赵六", "2024-06-30",
                    "rectifying", False, 0))
    return out


def fields(rows):
    return [(r.get("unit"), r.get("unit_name"), r.get("id"), r.get("description"),
             r.get("owner"), r.get("deadline"), r.get("status"), r.get("overdue"),
             r.get("days_overdue")) for r in rows]


def get(t, w, path):
    st, hdrs, body = w.request("GET", path)
    try:
        doc = json.loads(body.decode("utf-8"))
    except ValueError:
        doc = None
    return st, hdrs, body, doc


def check_console(t, w, agg, county, units):
    want = expected(units)
    st, _, _, doc = get(t, w, "/api/list?what=problems")
    t.check_eq(st, 200, "GET /api/list?what=problems answers 200 to a viewer", doc)
    rows = (doc or {}).get("rows", [])
    t.check_eq(fields(rows), want, "the console's 台账 holds every problem as the ledgers say, "
               "with the unit names of units.csv, deadline, status and days overdue")
    t.check_eq((doc or {}).get("count"), len(want), "count is the number of rows")
    st, _, _, d = get(t, w, "/api/list?what=problems&overdue=1")
    t.check_eq(fields(d.get("rows", [])), [x for x in want if x[7]],
               "overdue=1: only the problems past their deadline")
    u0 = sorted(units)[0][0]
    st, _, _, d = get(t, w, f"/api/list?what=problems&unit={u0}")
    t.check_eq(fields(d.get("rows", [])), [x for x in want if x[0] == u0], "unit= filters")
    st, _, _, d = get(t, w, "/api/list?what=problems&q=%E7%8E%8B%E4%BA%94")  # q=王五
    t.check_eq(fields(d.get("rows", [])), [x for x in want if x[4] == "王五"],
               "q= searches the owner")
    st, _, _, d = get(t, w, "/api/list?what=problems&q=%E5%9B%9B%E4%B8%AA%E4%BD%93%E7%B3%BB")
    t.check_eq([r["id"] for r in d.get("rows", [])], ["WT002"] * len(units),
               "q= searches the description (四个体系)")
    st, _, _, d = get(t, w, "/api/list?what=problems&status=resolved")
    t.check_eq((st, d.get("count")), (200, 0), "status=resolved: none")
    st, _, _, d = get(t, w, "/api/list?what=problems&status=%E6%95%B4%E6%94%B9%E4%B8%AD")
    t.check_eq(d.get("count"), len(want), "status=整改中 (Chinese): all")
    for bad, why in (("/api/list", "what missing"), ("/api/list?what=nope", "what unknown"),
                     ("/api/list?what=problems&status=nope", "status unknown"),
                     ("/api/list?what=problems&overdue=maybe", "overdue not 0/1"),
                     ("/api/list?what=problems&format=pdf", "format unknown")):
        st, _, _, d = get(t, w, bad)
        t.check(st == 400 and "(" in (d or {}).get("error", ""),
                f"{why}: 400 with the reason (Chinese first)", (st, d))

    # the export: the lists' own CSV and xlsx, of the same query
    st, hdrs, body, _ = get(t, w, "/api/list?what=problems&overdue=1&format=csv")
    t.check(st == 200 and (hdrs.get("Content-Type") or "").startswith("text/csv") and
            "attachment" in (hdrs.get("Content-Disposition") or ""),
            "format=csv: a CSV download", (st, hdrs))
    text = body.decode("utf-8")
    t.check(text.startswith("\ufeff"), "the CSV starts with a BOM (Excel reads UTF-8)")
    lines = [ln for ln in text.lstrip("\ufeff").split("\r\n") if ln]
    t.check_eq(len(lines), 1 + len(units), "the CSV: a header and the overdue rows", lines[:3])
    t.check(all("对县情认识不清" in ln for ln in lines[1:]), "each CSV row is an overdue problem")
    r = hbtest.run([hbtest.AGGREGATOR, "list", "problems", "--data", agg.data, "--units",
                    county.units_csv, "--campaigns", county.campaigns_ini, "--overdue",
                    "--format", "csv"])
    t.check_eq(r.out.replace("\r\n", "\n"), text.replace("\r\n", "\n"),
               "the console's CSV equals `huibao-aggregator list --overdue --format csv`")
    st, hdrs, body, _ = get(t, w, "/api/list?what=problems&format=xlsx")
    t.check(st == 200 and body[:2] == b"PK" and ".xlsx" in (hdrs.get("Content-Disposition") or ""),
            "format=xlsx: the 整改台账 workbook", (st, hdrs, body[:20]))
    try:
        import openpyxl
    except ImportError:
        openpyxl = None
    if openpyxl and body[:2] == b"PK":
        ws = openpyxl.load_workbook(io.BytesIO(body)).active
        cells = [str(c.value) for row in ws.iter_rows() for c in row if c.value is not None]
        t.check(sum("对县情认识不清，把握不透" == c for c in cells) == len(units) and
                sum("“四个体系”落实不到位" == c for c in cells) == len(units),
                "the workbook holds every problem's text", cells[:30])
    r = hbtest.run([hbtest.AGGREGATOR, "list", "problems", "--data", agg.data, "--units",
                    county.units_csv, "--campaigns", county.campaigns_ini, "--format", "json"])
    cli = json.loads(r.out) if r.rc == 0 else {}
    t.check_eq(rows, cli.get("rows"), "the console's rows equal `huibao-aggregator list "
               "--format json` (one row builder)", r)
    st, _, _, d = get(t, w, "/api/list?what=cases")
    t.check(st == 200 and isinstance(d.get("rows"), list), "what=cases answers its list", d)
    st, _, _, d = get(t, w, "/api/list?what=activities")
    t.check(st == 200 and d.get("count", 0) > 0, "what=activities answers the activities", d)
    for path, needle in (("/ledger.html", "台账".encode()), ("/ledger.js", b"/api/list"),
                         ("/", b"/ledger.html")):
        st, _, body, _ = get(t, w, path)
        t.check(st == 200 and needle in body, f"GET {path}: served, with {needle!r}", st)


def check_refused(t, port):
    anon = hbconsole.session(port)
    for path in ("/api/list?what=problems", "/ledger.html", "/ledger.js"):
        st, _, _ = anon.request("GET", path)
        t.check(st in (303, 401), f"GET {path} without a session is refused ({st})")


def check_dashboard(t, agg):
    import test_dashboard
    data = os.path.join(t.dir, "city")
    serve = test_dashboard.Serve(t, [agg], data, hbtest.TODAY, name="serve")
    try:
        st, _, body = serve.get("/api/list?what=problems")
        doc = json.loads(body)
        t.check_eq((st, doc.get("available"), doc.get("message"), doc.get("rows")),
                   (200, False, "本级未保存明细（需 --detail）", []),
                   "the dashboard without --detail says the detail is not kept here")
        st, _, body = serve.web.request("GET", "/api/list?what=nope")
        t.check(st == 400 and "what" in json.loads(body).get("error", ""),
                "a bad what: 400 naming the parameter, replica or not", (st, body))
        st, _, body = serve.get("/ledger.html")
        t.check(st == 200 and "台账".encode() in body, "the dashboard serves its 台账 page")
        st, _, body = serve.get("/ledger.js")
        t.check(st == 200 and b"/api/list" in body, "… and the shared ledger.js")
        anon = hbtest.WebSession(serve.url)
        st, _, _ = anon.request("GET", "/api/list?what=problems")
        t.check(st in (303, 401), f"the dashboard's /api/list without a session: refused ({st})")
    finally:
        serve.stop()


REPORT_TMPL = """逾期问题{{ problems.overdue }}个。
{% for p in problems_list | where(overdue) | sort_desc(days_overdue) | top(10) %}
{{ loop.index }}. {{ p.unit_name }}：{{ p.description }}（{{ p.deadline }}，逾期{{ p.days_overdue }}天）
{% else %}
本级未保存问题明细。
{% endfor %}
{% for c in cases_list | where(type, "practice") | top(3) %}
{{ c.unit_name }}“{{ c.title }}”
{% else %}
无典型经验明细。
{% endfor %}
活动明细{{ activities_list | count }}条。
"""


def check_report(t, agg, units):
    """A report without a replica (no --data): the lists are empty, the
    loops render their else branches; the overdue count is the rollup's."""
    tmpl = os.path.join(t.dir, "lists.txt")
    with open(tmpl, "w", encoding="utf-8") as f:
        f.write(REPORT_TMPL)
    r = hbtest.run([hbtest.SUB, "report", "--connect", agg.publish, "--campaign",
                    hbconsole.CAMPAIGN, "--template", tmpl, "--timeout", "5"]
                   + t.sub_keys(agg.publish), timeout=40)
    t.check_rc(r, 0, "report with problems_list, cases_list, activities_list")
    t.check_eq(r.out, f"逾期问题{len(units)}个。\n本级未保存问题明细。\n无典型经验明细。\n活动明细0条。\n",
               "without a replica: the lists are empty and each loop renders its else branch")


def main(t):
    county = t.county(units=3, rows=3, seed=11)
    names = {c: n for c, n, _ in hbtest.hbledger.load_units(county.units_csv)}
    units = [(u, names[u]) for u in county.units()]
    for u, _ in units:
        hbconsole.write_problems(county, u, status="整改中")
    port = hbtest.free_port()
    agg = t.aggregator(county, extra=["--console", f"127.0.0.1:{port}"])
    runs = t.sync_all(county, agg)
    t.check(all(r.rc == 0 for r in runs.values()), "every unit syncs",
            [r for r in runs.values() if r.rc != 0][:2])
    t.check_rc(hbconsole.account_add(agg, VIEWER, "viewer"), 0, "account add (viewer)")
    check_refused(t, port)
    w = hbconsole.session(port, VIEWER)
    check_console(t, w, agg, county, units)
    check_dashboard(t, agg)
    check_report(t, agg, units)
    t.check_eq(agg.stop(), 0, "the aggregator stops cleanly")


if __name__ == "__main__":
    hbtest.Test("ledger_ui").guard(main)
