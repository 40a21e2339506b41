#!/usr/bin/env python3
"""huibao-sub report --format docx: for every shipped template, the .docx is
a real Word file: LibreOffice (headless, a private profile in the test's
folder) converts it to PDF, and pdftotext finds the Chinese title, headings
and the figures of the rollup in it, and the same paragraphs as the text
report. Skipped (77) when libreoffice or pdftotext is not installed."""
# ctest-labels: nosan
import os
import re
import shutil
import sys

import hbtest

TEMPLATES = os.path.join(hbtest.REPO, "docs", "templates")
CAMPAIGNS = ["jiefang-2022", "nengli-2022", "zhuti-2023"]


def squash(s):
    """Text without blanks, line breaks and the punctuation a line may end
    with: PDF extraction wraps lines and can lose a comma hung in the margin."""
    return re.sub(r"[\s，。；：、]+", "", s)


def main(t, county=None, agg=None):
    """county, agg: a county already synced to a running aggregator
    (test_sample_county.py), else a generated one."""
    if agg is None:
        county = county or t.county(units=10, rows=10, seed=29)
        agg = t.aggregator(county)
        runs = t.sync_all(county, agg)
        t.check(all(r.rc == 0 for r in runs.values()), "every unit syncs")
        t.check_rollups(county, agg)
    out = os.path.join(t.dir, "out")
    os.makedirs(out)
    texts, docs, rollups = {}, [], {}
    for c in CAMPAIGNS:
        base = [hbtest.SUB, "report", "--connect", agg.publish, "--campaign", c, "--template",
                os.path.join(TEMPLATES, c + ".txt"), "--timeout", "5"] + t.sub_keys(agg.publish)
        r = hbtest.run(base)
        t.check_rc(r, 0, f"{c}: text report")
        texts[c] = r.out
        doc = os.path.join(out, c + ".docx")
        r = hbtest.run(base + ["--out", doc])  # the format from the extension
        t.check_rc(r, 0, f"{c}: report --out {c}.docx")
        with open(doc, "rb") as f:
            t.check(f.read(2) == b"PK", f"{c}: the .docx is a zip package")
        docs.append(doc)
        _, got = t.rollups(agg, c)
        rollups[c] = got[c]

    profile = os.path.join(t.dir, "lo-profile")
    r = hbtest.run(["libreoffice", f"-env:UserInstallation=file://{profile}", "--headless",
                    "--norestore", "--convert-to", "pdf", "--outdir", out] + docs, timeout=120)
    t.check_rc(r, 0, "libreoffice --headless --convert-to pdf")
    for c in CAMPAIGNS:
        pdf = os.path.join(out, c + ".pdf")
        if not t.check(os.path.exists(pdf), f"{c}: LibreOffice wrote the PDF", r):
            continue
        r2 = hbtest.run(["pdftotext", "-enc", "UTF-8", pdf, "-"])
        t.check_rc(r2, 0, f"{c}: pdftotext")
        pdf_text = squash(r2.out)
        lines = [ln for ln in texts[c].splitlines() if ln.strip()]
        js = rollups[c]
        t.check(squash(lines[0]) in pdf_text and js["campaign_name"] in r2.out.replace("\n", ""),
                f"{c}: the Chinese title is in the PDF", lines[0])
        # every paragraph and heading of the text report (tables: each cell)
        missing = []
        for ln in lines:
            parts = re.split(r"  +", ln) if re.search(r"\S  +\S", ln) else [ln]
            for p in parts:
                if squash(p) not in pdf_text:
                    missing.append(p)
        t.check(not missing, f"{c}: all {len(lines)} lines of the text report are in the PDF",
                "\n".join(missing[:10]))
        total = str(js["problems"]["total"])
        t.check(re.search(r"问题\D{0,6}" + total + r"个", pdf_text),
                f"{c}: the problem total {total} is in the PDF")


if __name__ == "__main__":
    if not (shutil.which("libreoffice") and shutil.which("pdftotext")):
        print("libreoffice or pdftotext not installed: skipped")
        sys.exit(77)
    hbtest.Test("report_docx").guard(main)
