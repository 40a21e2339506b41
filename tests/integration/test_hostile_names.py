#!/usr/bin/env python3
"""Outputs carry what names carry (issue 18, item 5): a county whose unit,
campaign and category names start with = + - @, hold |, tab, CR, LF, U+FFFE,
U+FFFF, control characters, an Excel _xHHHH_ escape and Chinese syncs two
units; then every file the city writes from it is checked:
  - CSV export: no cell starts with a formula character unless neutralised
    with ', every name is its own cell, every figure in its column;
  - .xlsx export: every XML part parses (xml.etree and xmllint); openpyxl
    reads the names back (without the characters XML forbids) as strings,
    never formulas, and every figure in its column;
  - report (a template of this test with a unit and a category table, and
    the shipped jiefang-2022 template): the Markdown table rows have the
    right number of cells (\\| escapes), the text table's columns line up by
    display width, the .docx's XML parts parse and its table rows hold the
    right figures;
  - snapshot --format table keeps its columns aligned.
units.csv and campaigns.ini accept every one of these characters (nothing is
refused at input; only leading and trailing blanks are trimmed, so no name
can *start* with a tab or CR: unit.sub.writers covers those), so all of them
reach the outputs.

Before the change (main at 5a71049) this test fails: the CSV carries
=HYPERLINK(...) and +1+2 as live formulas, xl/sharedStrings.xml,
xl/workbook.xml and word/document.xml do not parse (U+FFFE), a '|' in a name
splits its Markdown/text/.docx cell and shifts the figures, and the terminal
table is misaligned by zero-width and bidi characters."""
import csv
import io
import os
import re
import shutil
import subprocess
import sys
import unicodedata
import xml.etree.ElementTree as ET
import zipfile

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

CAMPAIGN = "jiefang-2022"
UNITS = {
    "u01": '=HYPERLINK("http://evil.example/","点我")',
    "u02": "+1+2",
    "u03": "-3-4",
    "u04": "@SUM(A1:A9)",
    "u05": "甲|乙|丙",
    "u06": "制\t表镇",
    "u07": "回\r车乡",
    "u08": "非\ufffe字\uffff符街道",
    "u09": "控\x01制\x1b[31m符\x7f局",
    "u10": "大罗镇",
    "u11": "_x003D_1+1",
    "u12": "换\n行|局",
    "u13": "-5",
    "u14": "零\u200b宽\u202e反向\u0085局",
}
CATEGORIES = [("eq", "=1+2"), ("plus", "+类别"), ("minus", "-类别"), ("at", "@类别"),
              ("pipe", "思想|作风"), ("tab", "制\t表"), ("nonchar", "非\ufffe字\uffff"),
              ("ctl", "控\x01制"), ("zh", "能力作风优化")]
CAMPAIGN_NAME = "=解放思想|振兴发展\ufffe研讨"
SYNCED = ["u01", "u05", "u08", "u12"]
UNIT_CATS = {}  # {unit: {category code: problems}}, as write_county wrote them
FORMULA = ("=", "+", "-", "@", "\t", "\r")
XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

REPORT_TEMPLATE = """# {{ campaign_name }}进展情况
## 一、各单位
| 单位 | 编码 | 问题 | 已整改 | 记录 |
|---|---|---|---|---|
{% for u in units %}
| {{ u.name }} | {{ u.code }} | {{ u.problems.total }} | {{ u.problems.resolved }} | {{ u.records }} |
{% endfor %}
## 二、各类别
| 类别 | 问题数 | 已整改 |
|---|---|---|
{% for c in problems.categories %}
| {{ c.name }} | {{ c.count }} | {{ c.resolved }} |
{% endfor %}
{{ units | map(name) | join("、") }}等单位已报送。
"""


def xlsx_clean(s):
    """What .xlsx cells hold: the characters XML 1.0 forbids dropped, CR as
    LF (Excel's line break in a cell)."""
    return XML_BAD.sub("", s).replace("\r\n", "\n").replace("\r", "\n")


def report_clean(s):
    """What a report cell holds: tab, CR and LF as spaces, other controls,
    U+FFFE and U+FFFF dropped, outer blanks trimmed."""
    s = re.sub("[\t\r\n]", " ", s)
    s = re.sub("[\x00-\x1f\x7f-\x9f\ufffe\uffff]", "", s)
    return s.strip(" \t\u3000")


def text_clean(s):
    """What a text report cell holds: report_clean, and no invisible format
    characters (zero-width, bidi)."""
    return re.sub("[\u061c\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]", "",
                  report_clean(s))


def write_county(root):
    os.makedirs(root)
    with open(os.path.join(root, "units.csv"), "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\r\n")
        w.writerow(["code", "name", "type"])
        for code, name in UNITS.items():
            w.writerow([code, name, "township"])
    cats = "".join(f"category.{c} = {n}\n" for c, n in CATEGORIES)
    with open(os.path.join(root, "campaigns.ini"), "w", encoding="utf-8", newline="") as f:
        f.write(f"[{CAMPAIGN}]\nname = {CAMPAIGN_NAME}\nstart = 2022-06-01\nend = 2022-12-31\n"
                + cats)
    for i, code in enumerate(SYNCED):
        acts = [[f"A{j:03}", CAMPAIGN, "2022-09-1%d" % j, "study", "unit", 1 + i + j,
                 10 * (i + 1) + j, j, "学习"] for j in range(1, 3 + i)]
        hbtest.write_csv(os.path.join(root, "ledgers", code, "activities.csv"),
                         ["id", "campaign", "date", "kind", "level", "sessions",
                          "participants", "outputs", "title"], acts)
        probs = []
        for j in range(1, 4 + 2 * i):
            cat = CATEGORIES[(i + j) % len(CATEGORIES)][0]
            UNIT_CATS.setdefault(code, {}).setdefault(cat, 0)
            UNIT_CATS[code][cat] += 1
            resolved = j % 2 == 0
            probs.append([f"P{j:03}", CAMPAIGN, "2022-10-01", "individual", cat,
                          "resolved" if resolved else "rectifying", 1, "2023-06-30",
                          "2022-12-01" if resolved else "", "问题描述"])
        hbtest.write_csv(os.path.join(root, "ledgers", code, "problems.csv"),
                         ["id", "campaign", "identified_on", "scope", "category", "status",
                          "measures", "deadline", "resolved_on", "description"], probs)
    return hbtest.County(root)


def xml_parts_parse(t, path, what):
    """Every .xml/.rels part of the zip at path parses (xml.etree, xmllint)."""
    bad = []
    with zipfile.ZipFile(path) as z:
        names = [n for n in z.namelist() if n.endswith((".xml", ".rels"))]
        for n in names:
            data = z.read(n)
            try:
                ET.fromstring(data)
            except ET.ParseError as e:
                bad.append(f"{n}: xml.etree: {e}")
            if shutil.which("xmllint"):
                p = subprocess.run(["xmllint", "--noout", "-"], input=data, capture_output=True)
                if p.returncode != 0:
                    bad.append(f"{n}: xmllint: {p.stderr.decode('utf-8', 'replace')[:300]}")
    t.check(names and not bad, f"{what}: all {len(names)} XML parts parse "
            f"(xml.etree{', xmllint' if shutil.which('xmllint') else ''})", "\n".join(bad))


def width(s):
    """Columns a terminal gives s: CJK 2, marks, controls and invisible
    format characters (zero-width, bidi) 0."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else
               0 if unicodedata.category(ch) in ("Mn", "Me", "Cc", "Cf") else 1 for ch in s)


def cells_at(line):
    """The cells of a text-table line (runs separated by two or more spaces)
    as (first display column, display column after it, text)."""
    out, col, cur, start, spaces = [], 0, "", None, 0
    for ch in line + "  ":
        if ch == " ":
            spaces += 1
            if spaces == 2 and cur:
                out.append((start, col - 1, cur.rstrip()))
                cur, start = "", None
        else:
            if start is None:
                start = col
            elif spaces == 1:
                cur += " "
            spaces = 0
            cur += ch
        col += width(ch)
    return out


def md_cells(line):
    """The cells of a Markdown table row, GFM rules: \\| is a literal pipe."""
    cells, cur, i = [], "", 0
    s = line.strip()
    if s.startswith("|"):
        s = s[1:]
    while i < len(s):
        ch = s[i]
        if ch == "\\" and i + 1 < len(s):
            cur += s[i + 1]
            i += 2
            continue
        if ch == "|":
            cells.append(cur.strip())
            cur = ""
        else:
            cur += ch
        i += 1
    if cur.strip():
        cells.append(cur.strip())
    return cells


def csv_part(t, eps, ro):
    out = os.path.join(t.dir, "export.csv")
    r = hbtest.run([hbtest.SUB, "export", "--connect", eps, "--format", "csv", "--out", out,
                    "--timeout", "5"] + t.sub_keys(eps))
    t.check_rc(r, 0, "export --format csv")
    with open(out, "rb") as f:
        rows = list(csv.reader(io.StringIO(f.read()[3:].decode("utf-8"), newline="")))
    hdr = rows[0]
    live = [(i, j, c) for i, row in enumerate(rows) for j, c in enumerate(row)
            if c.startswith(FORMULA)]
    t.check(not live, "CSV: no cell starts with = + - @ tab or CR", live[:10])
    t.check(all(len(row) == len(hdr) for row in rows), "CSV: every row has the header's cells")
    got = {row[hdr.index("单位编码")]: dict(zip(hdr, row)) for row in rows[1:]}
    bad = []
    for u in ro["units"]:
        row = got.get(u["code"])
        want = ("'" + u["name"]) if u["name"].startswith(FORMULA) else u["name"]
        if row is None or row["单位名称"] != want:
            bad.append(f"{u['code']}: name {row and row['单位名称']!r}, want {want!r}")
            continue
        for h, v in (("记录数", u["records"]), ("问题总数", u["problems"]["total"]),
                     ("已整改", u["problems"]["resolved"])):
            if row[h] != str(v):
                bad.append(f"{u['code']}: {h} {row[h]!r}, want {v}")
    t.check(not bad, "CSV: names (neutralised where formula-like) and figures in their columns",
            "\n".join(bad))
    t.check(got.get("u13", {}).get("单位名称") == "'-5" and got["u13"]["记录数"] == "0",
            "CSV: a name that looks like a number is text (neutralised), a figure is a number")


def xlsx_part(t, eps, ro):
    out = os.path.join(t.dir, "export.xlsx")
    r = hbtest.run([hbtest.SUB, "export", "--connect", eps, "--format", "xlsx", "--out", out,
                    "--timeout", "5"] + t.sub_keys(eps))
    t.check_rc(r, 0, "export --format xlsx")
    xml_parts_parse(t, out, "xlsx")
    try:
        wb = openpyxl.load_workbook(out)
    except Exception as e:  # noqa: BLE001 -- any failure to read is the finding
        t.check(False, "openpyxl reads the .xlsx", repr(e))
        return
    ws = wb.worksheets[0]
    t.check_eq(ws.title, xlsx_clean(CAMPAIGN_NAME)[:28],
               "xlsx: the sheet is named after the campaign, without U+FFFE")
    hdr = [c.value for c in ws[1]]
    want_hdr = [xlsx_clean(n) for _c, n in CATEGORIES]
    t.check_eq(hdr[20:], want_hdr, "xlsx: the category columns are headed by the cleaned names")
    rows = {}
    formulas = []
    for cells in ws.iter_rows(min_row=2):
        if cells[1].value is None:
            break
        rows[cells[1].value] = {h: c.value for h, c in zip(hdr, cells)}
        formulas += [c.coordinate for c in cells if c.data_type == "f"]
    t.check(not formulas, "xlsx: no cell is a formula", formulas)
    bad = []
    for u in ro["units"]:
        row = rows.get(u["code"])
        if row is None or row["单位名称"] != xlsx_clean(u["name"]):
            bad.append(f"{u['code']}: name {row and row['单位名称']!r}, "
                       f"want {xlsx_clean(u['name'])!r}")
            continue
        for h, v in (("记录数", u["records"]), ("问题总数", u["problems"]["total"]),
                     ("已整改", u["problems"]["resolved"])):
            if row[h] != v:
                bad.append(f"{u['code']}: {h} {row[h]!r}, want {v}")
        for code, name in CATEGORIES:
            n = UNIT_CATS.get(u["code"], {}).get(code, 0)
            if row[xlsx_clean(name)] != n:
                bad.append(f"{u['code']}: category {code} {row[xlsx_clean(name)]!r}, want {n}")
    t.check(not bad, "xlsx: every name read back as written (less what XML forbids), every "
            "figure in its column", "\n".join(bad))


def report_part(t, eps, ro):
    tmpl = os.path.join(t.dir, "hostile.txt")
    with open(tmpl, "w", encoding="utf-8") as f:
        f.write(REPORT_TEMPLATE)
    units = {u["code"]: u for u in ro["units"]}
    cats = {report_clean(c["name"]): c for c in ro["problems"]["by_category"].values()}
    for name, path in (("test template", tmpl),
                       ("jiefang-2022.txt", os.path.join(hbtest.REPO, "docs", "templates",
                                                         "jiefang-2022.txt"))):
        base = [hbtest.SUB, "report", "--connect", eps, "--campaign", CAMPAIGN, "--template",
                path, "--timeout", "5"] + t.sub_keys(eps)
        outs = {}
        for fmt in ("text", "md", "docx"):
            out = os.path.join(t.dir, f"{os.path.basename(path)}.{fmt}")
            r = hbtest.run(base + ["--format", fmt, "--out", out])
            t.check_rc(r, 0, f"{name}: report --format {fmt}")
            outs[fmt] = out
        with open(outs["md"], encoding="utf-8") as f:
            md = f.read()
        with open(outs["text"], encoding="utf-8") as f:
            text = f.read()
        check_md(t, name, md, units, cats)
        check_text(t, name, text, units)
        xml_parts_parse(t, outs["docx"], f"{name}: docx")
        check_docx(t, name, outs["docx"], units, cats)
        t.check(not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f\ufffe\uffff]", text + md),
                f"{name}: no control character, U+FFFE or U+FFFF in the text and Markdown")


def table_rows(rows, units, cats, what):
    """Checks rows (lists of cells) of the unit table (5 cells: name, code,
    problems, resolved, records) and the category table (3 cells)."""
    bad = []
    for cells in rows:
        if len(cells) == 5 and cells[1] in units:
            u = units[cells[1]]
            want = [report_clean(u["name"]), u["code"], str(u["problems"]["total"]),
                    str(u["problems"]["resolved"]), str(u["records"])]
            if cells != want:
                bad.append(f"{cells} != {want}")
        elif len(cells) == 3 and cells[0] in cats:
            c = cats[cells[0]]
            if cells[1:] != [str(c["count"]), str(c["resolved"])]:
                bad.append(f"{cells}: want {c['count']}, {c['resolved']}")
    return bad


def check_md(t, name, md, units, cats):
    lines = [ln for ln in md.splitlines() if ln.startswith("|")]
    rows = [md_cells(ln) for ln in lines]
    widths = {}
    for ln, cells in zip(lines, rows):
        widths.setdefault(len(cells), []).append(ln)
    if name == "test template":
        want = len(units) + 2 + len(cats) + 2  # rows, header and rule of each table
        t.check_eq(sorted((k, len(v)) for k, v in widths.items()),
                   [(3, len(cats) + 2), (5, len(units) + 2)],
                   f"{name}: Markdown: every table row has its table's cells", md)
        bad = table_rows(rows, units, cats, "md")
        t.check(not bad and len(rows) == want,
                f"{name}: Markdown: every name in its cell, every figure in its column",
                "\n".join(bad))
    else:  # jiefang-2022.txt: one table of 7 columns
        t.check_eq(list(widths), [7], f"{name}: Markdown: every table row has 7 cells", md)
        names = {report_clean(u["name"]) for u in units.values()}
        listed = [c[1] for c in rows[2:] if c[1] in names]
        t.check(len(listed) == len(rows) - 3 and all(c[2].isdigit() for c in rows[2:]),
                f"{name}: Markdown: each unit row holds one unit name and its figures",
                "\n".join(lines))


def check_text(t, name, text, units):
    """Text tables (left-aligned): each cell of a row starts at the display
    column of its header cell."""
    lines = text.splitlines()
    heads = [i for i, ln in enumerate(lines) if ln.startswith(("单位  ", "类别  ", "序号  "))]
    bad, nrows = [], 0
    for h in heads:
        hdr = cells_at(lines[h])
        for ln in lines[h + 1:]:
            if not ln.strip() or not re.search(r"\d\s*$", ln):
                break
            row = cells_at(ln)
            nrows += 1
            cells = [c[2] for c in row]
            if [c[0] for c in row] != [c[0] for c in hdr]:
                bad.append(f"{cells}: starts {[c[0] for c in row]}, header {[c[0] for c in hdr]}")
            elif len(hdr) == 5 and cells[1] in units:
                u = units[cells[1]]
                want = [text_clean(u["name"]), u["code"], str(u["problems"]["total"]),
                        str(u["problems"]["resolved"]), str(u["records"])]
                if cells != want:
                    bad.append(f"{cells} != {want}")
    t.check(heads and nrows and not bad,
            f"{name}: text: {nrows} table rows, each cell at its column", "\n".join(bad) or text)


def check_docx(t, name, path, units, cats):
    ns = {"w": "http://schemas.openxmlformats.org/wordprocessingml/2006/main"}
    with zipfile.ZipFile(path) as z:
        try:
            root = ET.fromstring(z.read("word/document.xml"))
        except ET.ParseError:
            return  # xml_parts_parse has said so
    rows = []
    for tr in root.iter(f"{{{ns['w']}}}tr"):
        rows.append(["".join(x.text or "" for x in tc.iter(f"{{{ns['w']}}}t"))
                     for tc in tr.findall("w:tc", ns)])
    if name == "test template":
        bad = table_rows(rows, units, cats, "docx")
        n = sum(1 for r in rows if len(r) == 5 and r[1] in units)
        t.check(not bad and n == len(units),
                f"{name}: docx: {n} unit rows, every name in its cell, every figure in its column",
                "\n".join(bad))
    else:
        t.check(rows and all(len(r) == 7 for r in rows),
                f"{name}: docx: every table row has 7 cells", rows)


def table_part(t, eps, ro):
    r = t.snapshot(eps, CAMPAIGN, fmt="table")
    t.check_rc(r, 0, "snapshot --format table")
    lines = r.out.splitlines()
    try:
        h = next(i for i, ln in enumerate(lines) if ln.strip().startswith("代码  "))
    except StopIteration:
        t.check(False, "snapshot table: the units table", r.out)
        return
    hdr = cells_at(lines[h])
    right = "lllllrrrrrrrl"  # hb_rollup_table.c: write_units
    bad = []
    codes = {u["code"] for u in ro["units"]}
    n = 0
    for ln in lines[h + 1:h + 1 + len(codes)]:
        row = cells_at(ln)
        n += 1
        at = [c[1] if right[i] == "r" else c[0] for i, c in enumerate(row)]
        want = [c[1] if right[i] == "r" else c[0] for i, c in enumerate(hdr)]
        if row[0][2] not in codes or at != want:
            bad.append(f"{ln!r}: columns {at}, header {want}")
    t.check(n == len(codes) and len(hdr) == len(right) and not bad,
            f"snapshot table: {n} unit rows, every cell at its header's column", "\n".join(bad))
    t.check(not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f]", r.out),
            "snapshot table: no control characters reach the terminal")


def main(t):
    county = write_county(os.path.join(t.dir, "county"))
    agg = t.aggregator(county)
    for u in SYNCED:
        r = t.sync(county, u, agg)
        t.check_rc(r, 0, f"unit {u} syncs")
    r, got = t.rollups(agg, CAMPAIGN)
    ro = got.get(CAMPAIGN)
    if not t.check(ro is not None, "the city has the rollup", r):
        return
    names = {u["code"]: u["name"] for u in ro["units"]}
    t.check_eq(names, UNITS, "every name reaches the city as units.csv has it (none refused)")
    t.check_eq([(k, v["name"]) for k, v in ro["problems"]["by_category"].items()],
               CATEGORIES, "every category name reaches the city as campaigns.ini has it")
    eps = agg.publish
    csv_part(t, eps, ro)
    xlsx_part(t, eps, ro)
    report_part(t, eps, ro)
    table_part(t, eps, ro)


if __name__ == "__main__":
    hbtest.Test("hostile_names").guard(main)
