#!/usr/bin/env python3
"""Excel in and out (issue 6), read back with an independent reader (openpyxl):
(a) .xlsx ledgers, written here from the same rows as units' CSV ledgers (dates
    as date cells or text, counts as numbers), sync to the totals of the CSV
    ledgers; a bad cell is reported as FILE:SHEET!CELL with exit 65; a corrupt
    workbook exits 65, a missing one 66;
(b) `huibao-agent template` has the sheets, headers, frozen rows and the exact
    drop-down lists, and reads back as a valid empty ledger;
(c) `huibao-sub export --format xlsx|csv` equals `snapshot --format json`
    number for number;
(d) a campaign with a cycle (issue 13, the county's clock at 2022-06-15 by
    libfaketime): the sheets 报送情况 (units x periods, states in Chinese) and
    分期统计 (per-period figures) hold the JSON's periods exactly."""
import csv
import io
import os
import re
import stat
import sys

try:
    import openpyxl
except ImportError:
    # ctest may run another python3 than Debian's, which has python3-openpyxl
    if os.path.exists("/usr/bin/python3") and os.path.realpath(sys.executable) != \
            os.path.realpath("/usr/bin/python3"):
        os.execv("/usr/bin/python3", ["/usr/bin/python3"] + sys.argv)
    print("skipped: python3-openpyxl is not installed")
    sys.exit(77)

import hbtest  # noqa: E402
import hbledger  # noqa: E402

DATE_COLS = {"日期", "date", "查摆日期", "identified_on", "整改时限", "deadline", "销号日期",
             "resolved_on"}
COUNT_COLS = {"次数", "sessions", "参加人次", "participants", "成果数", "outputs", "整改措施数",
              "measures"}

KINDS = ["集中学习", "专题研讨", "宣讲", "专题辅导", "读书班", "调查研究", "主题党日", "培训",
         "宣传报道", "心得体会", "谈心谈话", "督导检查"]
ACT_HEADERS = ["编号", "专项", "日期", "类型", "层级", "次数", "参加人次", "成果数", "主题"]
PRB_HEADERS = ["编号", "专项", "查摆日期", "范围", "类别", "状态", "整改措施数", "整改时限",
               "销号日期", "问题描述", "子类别", "责任人", "整改措施", "来源", "整改类型"]


def cell_value(header, s, n):
    """What a clerk's Excel would hold for CSV text s: date cells for most dates,
    numbers for counts, text otherwise."""
    h = header.strip().lower()
    if h in DATE_COLS and n % 3 != 2:
        d = hbledger.parse_date(s)
        if d:
            return d
    if h in COUNT_COLS and re.fullmatch(r"\d{1,9}", s.strip()):
        return int(s.strip())
    return s


def csv_to_xlsx(ledger_dir, out, names):
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for fname, sheet in zip(("activities.csv", "problems.csv"), names):
        t = hbledger.read_table(os.path.join(ledger_dir, fname))
        if t is None:
            continue
        header, rows, _ = t
        ws = wb.create_sheet(sheet)
        ws.append(header)
        for n, (_line, cells) in enumerate(rows):
            ws.append([cell_value(header[i] if i < len(header) else "", c, n)
                       for i, c in enumerate(cells)])
            for c in ws[ws.max_row]:
                if hasattr(c.value, "year"):
                    c.number_format = "yyyy-mm-dd"
    wb.save(out)


def ledger_part(t, county, agg):
    units = county.units()
    xl = {}
    for i, u in enumerate(units[:3]):
        path = os.path.join(t.dir, f"{u}-台账.xlsx")
        csv_to_xlsx(county.ledger(u), path,
                    ("活动", "问题") if i % 2 == 0 else ("activities", "Problems"))
        xl[u] = path
    runs = {}
    for u in units:
        runs[u] = t.sync(county, u, agg, ledger=xl.get(u))
    bad = {u: r for u, r in runs.items() if r.rc != 0}
    t.check(not bad, f"sync exits 0 for every unit, {len(xl)} of them from .xlsx",
            "\n".join(map(repr, list(bad.values())[:3])))
    t.check_rollups(county, agg, "rollups with .xlsx ledgers equal the count of the CSV ones")

    # the same workbook checks clean; a bad cell is named FILE:SHEET!CELL
    u0 = units[0]
    r = hbtest.run([hbtest.AGENT, "check", "--ledger", xl[u0], "--unit", u0,
                    "--campaigns", county.campaigns_ini])
    t.check_rc(r, 0, "check of a converted .xlsx ledger")
    wb = openpyxl.load_workbook(xl[u0])
    ws = wb["问题"]
    hdr = [c.value for c in ws[1]]
    col = hdr.index("状态" if "状态" in hdr else "status")
    ws.cell(row=3, column=col + 1, value="进行")
    bad_path = os.path.join(t.dir, "台账.xlsx")
    wb.save(bad_path)
    r = hbtest.run([hbtest.AGENT, "check", "--ledger", bad_path, "--unit", u0])
    t.check_rc(r, 65, "a bad status cell")
    letter = openpyxl.utils.get_column_letter(col + 1)
    want = f"台账.xlsx:问题!{letter}3: {hdr[col]}: 未知状态 (unknown status): 进行"
    t.check(want in r.err, f"message names the cell: {want}", r.err)

    # sync of the bad workbook: the bad row is left out, the rest stays
    r = t.sync(county, u0, agg, ledger=bad_path)
    t.check_rc(r, 65, "sync of a workbook with a bad cell")

    # a row the county rejects (a category it does not know; the agent has no
    # campaigns file to catch it) is named by its sheet row: FILE:SHEET!ROW:ROW
    wb = openpyxl.load_workbook(xl[u0])
    ws = wb["问题"]
    hdr = [c.value for c in ws[1]]
    cat = hdr.index("类别" if "类别" in hdr else "category")
    rid = ws.cell(row=4, column=hdr.index("编号" if "编号" in hdr else "id") + 1).value
    ws.cell(row=4, column=cat + 1, value="nosuchcat")
    rej_path = os.path.join(t.dir, "拒收.xlsx")
    wb.save(rej_path)
    r = t.sync(county, u0, agg, ledger=rej_path)
    t.check_rc(r, 65, "sync of a workbook row the county rejects")
    want = f"拒收.xlsx:问题!4:4: id {rid}: category"
    t.check(want in r.err, f"the rejection names the sheet row: {want}", r.err)
    r = t.sync(county, u0, agg, ledger=xl[u0])
    t.check_rc(r, 0, "the original workbook syncs again")

    corrupt = os.path.join(t.dir, "坏.xlsx")
    with open(corrupt, "wb") as f:
        f.write(b"PK\x03\x04 this is not a zip")
    r = hbtest.run([hbtest.AGENT, "check", "--ledger", corrupt])
    t.check_rc(r, 65, "a corrupt workbook")
    t.check("坏.xlsx: 无法读取工作簿 (cannot read workbook): 不是 .xlsx 工作簿" in r.err,
            "a corrupt workbook is named and explained", r.err)
    r = hbtest.run([hbtest.AGENT, "check", "--ledger", os.path.join(t.dir, "nosuch.xlsx")])
    t.check_rc(r, 66, "a missing workbook")


def resolve_list(wb, formula):
    m = re.fullmatch(r"=?'?([^'!]+)'?!\$([A-Z])\$(\d+):\$([A-Z])\$(\d+)", formula)
    if not m:
        return None
    ws = wb[m.group(1)]
    return [ws[f"{m.group(2)}{i}"].value for i in range(int(m.group(3)), int(m.group(5)) + 1)]


def validations(wb, ws):
    """{header: (type, values or (min, max))} of a sheet's data validations."""
    hdr = [c.value for c in ws[1]]
    out = {}
    for dv in ws.data_validations.dataValidation:
        first = str(dv.sqref).split()[0].split(":")[0]
        col = openpyxl.utils.column_index_from_string(re.match(r"[A-Z]+", first).group(0))
        if dv.type == "list":
            out[hdr[col - 1]] = ("list", resolve_list(wb, dv.formula1))
        else:
            out[hdr[col - 1]] = (dv.type, (dv.formula1, dv.formula2))
        t_rows = re.search(r"(\d+):[A-Z]+(\d+)", str(dv.sqref))
        out[hdr[col - 1] + ".rows"] = (t_rows.group(1), t_rows.group(2)) if t_rows else None
    return out


def lsan_env(t):
    """Debian's libxlsxwriter 1.1.4 leaks the copy of each list validation's
    formula (lxw_strdup in worksheet_data_validation_range, ~16 bytes per
    drop-down): not ours to fix, so the sanitizer build is told to ignore
    exactly that, for the template runs only."""
    sup = os.path.join(t.dir, "lsan.supp")
    with open(sup, "w") as f:
        f.write("leak:lxw_strdup\n")
    return {"LSAN_OPTIONS": f"suppressions={sup}:print_suppressions=0"}


def template_part(t, county):
    camps = hbledger.Campaigns(county.campaigns_ini).items
    path = os.path.join(t.dir, "模板.xlsx")
    env = lsan_env(t)
    r = hbtest.run([hbtest.AGENT, "template", "--out", path, "--campaigns", county.campaigns_ini],
                   env=env)
    t.check_rc(r, 0, "template")
    wb = openpyxl.load_workbook(path)
    t.check_eq(wb.sheetnames, ["活动", "问题", "成效", "典型", "报送", "lists"],
               "template sheets (报送 of issue 13)")
    t.check_eq(wb["lists"].sheet_state, "hidden", "the lists sheet is hidden")
    a, p = wb["活动"], wb["问题"]
    t.check_eq([c.value for c in a[1]], ACT_HEADERS, "活动 headers")
    t.check_eq([c.value for c in p[1]], PRB_HEADERS, "问题 headers")
    t.check_eq((a.freeze_panes, p.freeze_panes), ("A2", "A2"), "header rows frozen")
    va, vp = validations(wb, a), validations(wb, p)
    names = [c["name"] for c in camps]
    cats = []
    for c in camps:
        for _code, name in c["categories"]:
            if name not in cats:
                cats.append(name)
    t.check_eq(va.get("类型"), ("list", KINDS), "类型 drop-down")
    t.check_eq(va.get("层级"), ("list", ["本级", "基层组织"]), "层级 drop-down")
    t.check_eq(va.get("专项"), ("list", names), "专项 drop-down (campaign names)")
    t.check_eq(vp.get("专项"), ("list", names), "问题 专项 drop-down")
    t.check_eq(vp.get("范围"), ("list", ["个人", "班子"]), "范围 drop-down")
    t.check_eq(vp.get("状态"), ("list", ["已查摆", "整改中", "已整改"]), "状态 drop-down")
    t.check_eq(vp.get("类别"), ("list", cats), "类别 drop-down (every campaign's categories)")
    t.check_eq(va.get("类型.rows"), ("2", "1048576"), "drop-downs cover every data row")
    for h in ("日期",):
        t.check_eq(va.get(h), ("date", ("36526", "2958465")), f"{h}: dates 2000-01-01..9999-12-31")
    for h in ("查摆日期", "整改时限", "销号日期"):
        t.check_eq(vp.get(h), ("date", ("36526", "2958465")), f"{h}: date validation")
    t.check_eq(va.get("次数"), ("whole", ("1", "100000")), "次数: whole numbers 1..100000")
    t.check_eq(vp.get("整改措施数"), ("whole", ("0", "1000")), "整改措施数: whole 0..1000")
    r = hbtest.run([hbtest.AGENT, "check", "--ledger", path, "--campaigns", county.campaigns_ini])
    t.check_rc(r, 0, "the template reads back as a valid empty ledger")

    one = camps[-1]
    path1 = os.path.join(t.dir, "one.xlsx")
    r = hbtest.run([hbtest.AGENT, "template", "--out", path1, "--campaigns", county.campaigns_ini,
                    "--campaign", one["id"]], env=env)
    t.check_rc(r, 0, "template --campaign")
    wb = openpyxl.load_workbook(path1)
    vp = validations(wb, wb["问题"])
    t.check_eq(vp.get("类别"), ("list", [n for _c, n in one["categories"]]),
               "--campaign: that campaign's categories only")
    r = hbtest.run([hbtest.AGENT, "template", "--out", path1, "--campaigns", county.campaigns_ini,
                    "--campaign", "nosuch"])
    t.check_rc(r, 64, "template --campaign of an unknown campaign")


UNIT_NUMS = [("记录数", lambda u: u["records"]),
             ("活动记录", lambda u: u["activities"]["records"]),
             ("活动次数", lambda u: u["activities"]["sessions"]),
             ("参加人次", lambda u: u["activities"]["participants"]),
             ("成果数", lambda u: u["activities"]["outputs"]),
             ("问题总数", lambda u: u["problems"]["total"]),
             ("已查摆", lambda u: u["problems"]["identified"]),
             ("整改中", lambda u: u["problems"]["rectifying"]),
             ("已整改", lambda u: u["problems"]["resolved"]),
             ("逾期", lambda u: u["problems"]["overdue"])]
TOTAL_NUMS = [("活动记录", lambda r: r["activities"]["total"]["records"]),
              ("活动次数", lambda r: r["activities"]["total"]["sessions"]),
              ("参加人次", lambda r: r["activities"]["total"]["participants"]),
              ("成果数", lambda r: r["activities"]["total"]["outputs"]),
              ("问题总数", lambda r: r["problems"]["total"]),
              ("已查摆", lambda r: r["problems"]["identified"]),
              ("整改中", lambda r: r["problems"]["rectifying"]),
              ("已整改", lambda r: r["problems"]["resolved"]),
              ("整改措施", lambda r: r["problems"]["measures"]),
              ("逾期", lambda r: r["problems"]["overdue"]),
              ("个人问题", lambda r: r["problems"]["by_scope"]["individual"]),
              ("班子问题", lambda r: r["problems"]["by_scope"]["team"])]


def compare_table(hdr, rows, ro, pct):
    """Differences between a per-unit table (rows of {header: value}) and a rollup."""
    diffs = []
    by_code = {r["单位编码"]: r for r in rows}
    for u in ro["units"]:
        row = by_code.get(u["code"])
        if row is None:
            diffs.append(f"unit {u['code']} missing")
            continue
        for h, f in UNIT_NUMS:
            if row[h] != f(u):
                diffs.append(f"{u['code']} {h}: {row[h]!r} != {f(u)!r}")
        p = u["problems"]
        rate = p["resolved"] / p["total"] if p["total"] else 0.0
        if not pct(row["整改率"], rate):
            diffs.append(f"{u['code']} 整改率 {row['整改率']!r} != {rate}")
        if row["单位名称"] != (u["name"] or ""):
            diffs.append(f"{u['code']} name {row['单位名称']!r}")
    if len(rows) != len(ro["units"]) + 1:
        diffs.append(f"{len(rows)} rows for {len(ro['units'])} units + 合计")
    tot = by_code.get("合计")
    if tot is None:
        return diffs + ["no 合计 row"]
    for h, f in TOTAL_NUMS:
        if tot[h] != f(ro):
            diffs.append(f"合计 {h}: {tot[h]!r} != {f(ro)!r}")
    if tot["记录数"] != sum(u["records"] for u in ro["units"]):
        diffs.append("合计 记录数")
    if not pct(tot["整改率"], ro["problems"]["resolution_rate"]):
        diffs.append(f"合计 整改率 {tot['整改率']!r} != {ro['problems']['resolution_rate']}")
    return diffs


def export_part(t, county, agg):
    r, got = t.rollups(agg)
    t.check(got and set(got) == set(county.campaigns()), "snapshot has every campaign", r)
    eps = agg.publish
    out = os.path.join(t.dir, "汇总.xlsx")
    argv = [hbtest.SUB, "export", "--connect", eps, "--format", "xlsx", "--out", out,
            "--timeout", "5"] + t.sub_keys(eps)
    r = hbtest.run(argv)
    t.check_rc(r, 0, "export --format xlsx")
    wb = openpyxl.load_workbook(out)
    # issue 13: a campaign with a cycle adds 报送情况 and 分期统计 after the campaigns' sheets
    cycled = [c for c, ro in got.items() if ro.get("cycle")]
    campaign_sheets = wb.sheetnames[:len(wb.sheetnames) - 2 * len(cycled)]
    t.check_eq(len(campaign_sheets), len(got), "one sheet per campaign")
    period_sheets = wb.sheetnames[len(campaign_sheets):]
    t.check(all(n.startswith(("报送情况", "分期统计")) for n in period_sheets),
            "then 报送情况 and 分期统计 for each campaign with a cycle", (cycled, wb.sheetnames))
    if len(cycled) == 1 and period_sheets == ["报送情况", "分期统计"]:
        d = grid_diffs(wb["报送情况"], got[cycled[0]])
        t.check(not d, f"{cycled[0]}: 报送情况 equals the JSON periods", "\n".join(d[:20]))
        d = figures_diffs(wb["分期统计"], got[cycled[0]])
        t.check(not d, f"{cycled[0]}: 分期统计 equals the JSON per-period figures",
                "\n".join(d[:20]))
    for ws in (wb[n] for n in campaign_sheets):
        facts = {}
        for row in ws.iter_rows(values_only=True):
            if row and row[0] in ("专项代码", "专项名称", "截至"):
                facts[row[0]] = row[1]
        cid = facts.get("专项代码")
        ro = got.get(cid)
        if not t.check(ro is not None, f"sheet {ws.title}: campaign {cid} in the snapshot"):
            continue
        t.check(len(ws.title) <= 31 and ws.title.startswith((ro["campaign_name"] or cid)[:20]),
                f"sheet {ws.title} named after the campaign")
        t.check_eq(ws.freeze_panes, "D2", f"{cid}: header row and unit columns frozen")
        hdr = [c.value for c in ws[1]]
        rows = []
        for cells in ws.iter_rows(min_row=2):
            if cells[1].value is None:
                break
            rows.append({h: c.value for h, c in zip(hdr, cells)})
        fmt = {h: c.number_format for h, c in zip(hdr, list(ws.iter_rows(min_row=2))[0])}
        t.check_eq((fmt["整改率"], fmt["参加人次"]), ("0.00%", "0"),
                   f"{cid}: number formats (0.00%, 0)")
        d = compare_table(hdr, rows, ro, lambda a, b: abs(a - b) < 1e-12)
        # the per-category columns: each unit's count by category name
        cats = ro["problems"]["by_category"]
        for code, c in cats.items():
            name = c["name"] or code
            total = sum(row.get(name) or 0 for row in rows if row["单位编码"] != "合计")
            tot = [row for row in rows if row["单位编码"] == "合计"][0].get(name)
            if not (total == c["count"] == tot):
                d.append(f"category {name}: units sum {total}, 合计 {tot}, json {c['count']}")
        # the categories block
        block = {}
        it = ws.iter_rows(values_only=True)
        for row in it:
            if row[0] == "类别编码":
                for row2 in it:
                    if not row2[0]:
                        break
                    block[row2[0]] = row2
                break
        for code, c in cats.items():
            b = block.get(code)
            if not b or b[2] != c["count"] or abs(b[3] - c["share"]) > 1e-12 or \
                    b[4] != c["resolved"] or b[5] != c["units"]:
                d.append(f"categories block {code}: {b} != {c}")
        t.check(not d, f"{cid}: xlsx export equals the JSON rollup number for number",
                "\n".join(d[:20]))

    out = os.path.join(t.dir, "汇总.csv")
    r = hbtest.run([hbtest.SUB, "export", "--connect", eps, "--format", "csv", "--out", out,
                    "--timeout", "5"] + t.sub_keys(eps))
    t.check_rc(r, 0, "export --format csv")
    with open(out, "rb") as f:
        data = f.read()
    t.check(data.startswith(b"\xef\xbb\xbf"), "the CSV starts with a UTF-8 BOM")
    rd = list(csv.reader(io.StringIO(data[3:].decode("utf-8"), newline="")))
    hdr = rd[0]
    t.check_eq(hdr[:3], ["专项", "县区", "单位编码"], "CSV header")
    for cid, ro in got.items():
        rows = []
        for cells in rd[1:]:
            if cells[0] != cid:
                continue
            row = dict(zip(hdr, cells))
            for h, _f in UNIT_NUMS + TOTAL_NUMS:
                row[h] = int(row[h])
            row["整改率"] = float(row["整改率"].rstrip("%"))
            rows.append(row)
        d = compare_table(hdr, rows, ro, lambda a, b: abs(a - round(b * 100, 2)) < 1e-9)
        t.check(not d, f"{cid}: csv export equals the JSON rollup", "\n".join(d[:20]))

    r = hbtest.run([hbtest.SUB, "export", "--connect", eps, "--format", "xlsx"] + t.sub_keys(eps))
    t.check_rc(r, 64, "export --format xlsx without --out")


FAKETIME_LIB = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1"
STATE_ZH = {"reported": "已报送", "nil": "无新增", "late": "迟报", "missing": "未报",
            "pending": "未到期"}
PERIOD_FIGURES = [("已报送", lambda p: p["counts"]["reported"]),
                  ("无新增", lambda p: p["counts"]["nil"]),
                  ("迟报", lambda p: p["counts"]["late"]),
                  ("未报", lambda p: p["counts"]["missing"]),
                  ("未到期", lambda p: p["counts"]["pending"]),
                  ("活动记录", lambda p: p["activities"]["total"]["records"]),
                  ("活动次数", lambda p: p["activities"]["total"]["sessions"]),
                  ("参加人次", lambda p: p["activities"]["total"]["participants"]),
                  ("成果数", lambda p: p["activities"]["total"]["outputs"]),
                  ("查摆问题", lambda p: p["problems"]["identified"]),
                  ("销号问题", lambda p: p["problems"]["resolved"]),
                  ("期末逾期", lambda p: p["problems"]["overdue_at_end"])]


def faketime_wrapper(t, real, name, when):
    """A script that runs `real` with its wall clock starting at `when`
    (Asia/Shanghai), as test_locked_records.py does."""
    path = os.path.join(t.dir, f"{name}-periods.sh")
    with open(path, "w", encoding="utf-8") as f:
        f.write("#!/bin/sh\nASAN_OPTIONS=\"${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0\" "
                "TZ=Asia/Shanghai FAKETIME_DONT_FAKE_MONOTONIC=1 FAKETIME='@" + when + "' "
                f"LD_PRELOAD={FAKETIME_LIB} exec {real} \"$@\"\n")
    os.chmod(path, stat.S_IRWXU)
    return path


def grid_diffs(ws, ro):
    """What the 报送情况 sheet says otherwise than the JSON rollup ro."""
    d = []
    rows = list(ws.iter_rows(values_only=True))
    ids = [p["id"] for p in ro["periods"]]
    if list(rows[0][:3]) != ["县区", "单位编码", "单位名称"] or list(rows[0][3:3 + len(ids)]) != ids:
        return [f"header {rows[0]} != 县区 单位编码 单位名称 {ids}"]
    names = {u["code"]: u for u in ro["units"]}
    want_codes = []
    for p in ro["periods"]:
        want_codes += [c for c in p["units"] if c not in want_codes]
    got_codes = []
    for row in rows[1:]:
        if row[1] is None:
            break
        code = row[1]
        got_codes.append(code)
        u = names.get(code, {})
        if row[0] != u.get("county") or row[2] != u.get("name"):
            d.append(f"{code}: county/name {row[:3]} != {u.get('county')} {u.get('name')}")
        for i, p in enumerate(ro["periods"]):
            want = STATE_ZH.get(p["units"].get(code))
            if row[3 + i] != want:
                d.append(f"{code} {p['id']}: {row[3 + i]!r} != {want!r}")
    if sorted(got_codes) != sorted(want_codes):
        d.append(f"units {got_codes} != {want_codes}")
    at = len(got_codes) + 2
    for k, (state, zh) in enumerate(STATE_ZH.items()):
        row = rows[at + k] if at + k < len(rows) else ()
        want = [p["counts"][state] for p in ro["periods"]]
        if len(row) < 3 or row[0] != "合计" or row[2] != zh or list(row[3:3 + len(ids)]) != want:
            d.append(f"合计 {zh}: {row} != {want}")
    return d


def figures_diffs(ws, ro):
    """What the 分期统计 sheet says otherwise than the JSON rollup ro."""
    d = []
    rows = list(ws.iter_rows(values_only=True))
    hdr = list(rows[0])
    for i, p in enumerate(ro["periods"]):
        row = dict(zip(hdr, rows[1 + i])) if 1 + i < len(rows) else {}
        if (row.get("报送期"), row.get("开始"), row.get("结束"), row.get("截止")) != \
                (p["id"], p["start"], p["end"], p["due"]):
            d.append(f"{p['id']}: days {row}")
        for h, f in PERIOD_FIGURES:
            if row.get(h) != f(p):
                d.append(f"{p['id']} {h}: {row.get(h)!r} != {f(p)!r}")
        for k in p["activities"]["by_kind"].values():
            h = f"{k['name']}（记录）"
            if row.get(h) != k["records"]:
                d.append(f"{p['id']} {h}: {row.get(h)!r} != {k['records']}")
    if len(rows) != 1 + len(ro["periods"]):
        d.append(f"{len(rows) - 1} rows for {len(ro['periods'])} periods")
    return d


def periods_part(t):
    if not os.path.exists(FAKETIME_LIB):
        print(f"skipped part (d): {FAKETIME_LIB} missing (Debian package faketime)")
        return
    county = t.county("cycled", units=5, rows=10, seed=31)
    with open(county.campaigns_ini, encoding="utf-8") as f:
        ini = f.read()
    with open(county.campaigns_ini, "w", encoding="utf-8") as f:
        f.write(ini.replace("[jiefang-2022]\n", "[jiefang-2022]\ncycle = weekly, 5, 18:00\n", 1))
    real = hbtest.AGGREGATOR, hbtest.AGENT
    # the agents a minute behind the county: their versions are not from its future
    hbtest.AGGREGATOR = faketime_wrapper(t, real[0], "aggregator", "2022-06-15 10:00:00")
    hbtest.AGENT = faketime_wrapper(t, real[1], "agent", "2022-06-15 09:59:00")
    try:
        agg = t.aggregator(county)
        units = county.units()
        rs = t.sync_all(county, agg, units=units[:3])
    finally:
        hbtest.AGGREGATOR, hbtest.AGENT = real
    t.check(all(x.rc == 0 for x in rs.values()), "three units synced on 2022-06-15",
            {u: (x.rc, x.err[-300:]) for u, x in rs.items()})
    r, got = t.rollups(agg)
    ro = got.get("jiefang-2022")
    if not t.check(ro is not None and ro.get("cycle") == "weekly,5,18:00" and ro.get("periods"),
                   "jiefang-2022 has a cycle and periods in the JSON", r):
        return
    states = {s for p in ro["periods"] for s in p["units"].values()}
    t.check({"reported", "missing", "pending"} <= states,
            "stored on 2022-06-15: reported in the current week, missing before, pending after",
            states)
    eps = agg.publish
    out = os.path.join(t.dir, "报送.xlsx")
    r = hbtest.run([hbtest.SUB, "export", "--connect", eps, "--format", "xlsx", "--out", out,
                    "--timeout", "5"] + t.sub_keys(eps))
    t.check_rc(r, 0, "export --format xlsx (a campaign with a cycle)")
    wb = openpyxl.load_workbook(out)
    t.check_eq(wb.sheetnames[len(got):], ["报送情况", "分期统计"],
               "the sheets 报送情况 and 分期统计 after one sheet per campaign")
    if "报送情况" in wb.sheetnames:
        t.check_eq(wb["报送情况"].freeze_panes, "D2", "报送情况: header row and unit columns frozen")
        d = grid_diffs(wb["报送情况"], ro)
        t.check(not d, "报送情况 equals the JSON periods unit by unit", "\n".join(d[:20]))
    if "分期统计" in wb.sheetnames:
        d = figures_diffs(wb["分期统计"], ro)
        t.check(not d, "分期统计 equals the JSON per-period figures", "\n".join(d[:20]))


def main(t):
    county = t.county(units=6, rows=12, seed=23)
    agg = t.aggregator(county)
    ledger_part(t, county, agg)
    template_part(t, county)
    # the bad workbook left one row of unit 0 out: put the CSV ledger back
    u0 = county.units()[0]
    t.sync(county, u0, agg)
    t.check_rollups(county, agg, "rollups back to the CSV count")
    export_part(t, county, agg)
    periods_part(t)


if __name__ == "__main__":  # importable: test_sample_county.py reuses the checks
    hbtest.Test("xlsx").guard(main)
