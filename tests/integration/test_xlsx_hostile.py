#!/usr/bin/env python3
"""Hostile workbooks (issue 18, item 7): small crafted .xlsx files that once
drove the agent to gigabytes of memory. Each is refused or read with a clear
message, exit 65, and the agent's peak RSS stays under 256 MB:
(a) deep nesting: millions of nested elements inside a cell;
(b) sparse rows: 300,000 rows, each with one cell in the last column
    (memory once followed the highest column, not the cells present);
(c) 800,000 rows of one problem in shared strings (the largest sheet the part
    limit lets through: every row reported, memory bounded)."""
import os
import subprocess
import sys
import zipfile

import hbtest

LIMIT_KB = 256 * 1024

CT = ('<?xml version="1.0" encoding="UTF-8"?>'
      '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
      '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
      '<Default Extension="xml" ContentType="application/xml"/>'
      '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
      '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
      '</Types>')
RELS = ('<?xml version="1.0" encoding="UTF-8"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
        '</Relationships>')
WB = ('<?xml version="1.0" encoding="UTF-8"?>'
      '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
      'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
      '<sheets><sheet name="问题" sheetId="1" r:id="rId1"/></sheets></workbook>')
WB_RELS = ('<?xml version="1.0" encoding="UTF-8"?>'
           '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
           '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
           '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
           '</Relationships>')
HEAD = ('<?xml version="1.0" encoding="UTF-8"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
TAIL = '</sheetData></worksheet>'
HEADER = ["编号", "专项", "查摆日期", "范围", "类别", "状态", "整改措施数", "整改时限", "销号日期",
          "问题描述"]


def col_name(c):
    s = ""
    c += 1
    while c:
        c, r = divmod(c - 1, 26)
        s = chr(65 + r) + s
    return s


def inline(ref, text):
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def header_row():
    return '<row r="1">' + "".join(inline(f"{col_name(i)}1", h) for i, h in enumerate(HEADER)) + \
        "</row>"


def workbook(path, chunks, sst=()):
    """Writes a workbook whose one sheet (问题) is HEAD + chunks + TAIL, with
    the shared strings sst."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("xl/sharedStrings.xml",
                   '<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.'
                   'openxmlformats.org/spreadsheetml/2006/main">' +
                   "".join(f"<si><t>{v}</t></si>" for v in sst) + "</sst>")
        z.writestr("[Content_Types].xml", CT)
        z.writestr("_rels/.rels", RELS)
        z.writestr("xl/workbook.xml", WB)
        z.writestr("xl/_rels/workbook.xml.rels", WB_RELS)
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as f:
            f.write(HEAD.encode())
            for c in chunks:
                f.write(c.encode())
            f.write(TAIL.encode())
    return os.path.getsize(path)


def deep():
    yield header_row()
    yield '<row r="2"><c r="A2" t="inlineStr"><is>'
    for _ in range(50):
        yield "<r>" * 100000
    for _ in range(50):
        yield "</r>" * 100000
    yield "<t>P1</t></is></c></row>"


def sparse():
    yield header_row()
    last = col_name(255)
    batch = []
    for r in range(2, 300002):
        batch.append(f'<row r="{r}"><c r="{last}{r}" t="inlineStr"><is><t>x</t></is></c></row>')
        if len(batch) == 10000:
            yield "".join(batch)
            batch = []
    yield "".join(batch)


SAME = ["P1", "jiefang-2022", "2022-06-01", "个人", "理论学习", "整改中", "1", "2022-09-30",
        "学习不深入"]


def same_rows():
    yield header_row()
    cols = [c for c in range(len(HEADER)) if c != 8]  # 销号日期 left empty
    cells = "".join(f'<c r="{col_name(c)}{{r}}" t="s"><v>{k}</v></c>' for k, c in enumerate(cols))
    batch = []
    for r in range(2, 800002):
        batch.append(f'<row r="{r}">' + cells.replace("{r}", str(r)) + "</row>")
        if len(batch) == 10000:
            yield "".join(batch)
            batch = []
    yield "".join(batch)


def check_with_rss(argv):
    """Runs argv; returns (rc, stderr text, peak RSS in KB) of that process."""
    p = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    err = p.stderr.read()
    _, status, ru = os.wait4(p.pid, 0)
    p.returncode = os.waitstatus_to_exitcode(status)
    return p.returncode, err.decode("utf-8", "replace"), ru.ru_maxrss


def main():
    t = hbtest.Test("xlsx_hostile")
    cases = [
        ("deep", deep, "嵌套过深"),
        ("sparse", sparse, "字段数多于表头"),
        ("same", same_rows, "duplicate id"),
    ]
    for name, gen, want in cases:
        path = os.path.join(t.dir, f"{name}.xlsx")
        size = workbook(path, gen(), SAME if name == "same" else ())
        rc, err, rss = check_with_rss([hbtest.AGENT, "check", "--ledger", path, "--unit", "xq-dlz"])
        first = err.splitlines()[0] if err else ""
        print(f"  {name}: {size} bytes, exit {rc}, peak RSS {rss // 1024} MB, first line: {first}")
        t.check(rc == 65, f"{name}: exit 65", f"exit {rc}: {err[-500:]}")
        t.check(rss < LIMIT_KB, f"{name}: peak RSS {rss // 1024} MB < 256 MB")
        t.check(want in err, f"{name}: the message says '{want}'", err[:1000])
        t.check(f"{name}.xlsx" in first, f"{name}: the first message names the file", first)
    return t.finish()


if __name__ == "__main__":
    sys.exit(main())
