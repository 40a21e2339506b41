#!/usr/bin/env python3
"""Issue 6's end check on the sample county of ./deploy/demo.sh (61 units,
deploy/sample/, whose figures are those of the sample reports in
../shared/seeds): for each sample campaign `huibao-sub report` with the
shipped template gives a report whose every figure equals the rollup, with
category shares adding up to 100.00%; the .docx converts to PDF with
LibreOffice and holds the report's text; `huibao-sub export --format xlsx`
reads back (openpyxl) equal to the JSON rollup. The seeds' own figures are
checked too (1620 problems, 2.3万 person-times...), and issue 12's:
zhuti-2023's declared indicators (帮办实事326件，解决困难158件，捐助物资18.75万元，
建章立制27项), 典型 (4 先进集体, 13 先进个人) and four stages, in the rollup,
the report and the dashboard. Issue 7's: the dashboard
(`huibao-sub serve`) in headless Chromium shows the sample county's figures,
equal to the rollup JSON, and a screenshot of it is saved as a test artefact
(Testing/artefacts/dashboard-sample-county.png).
"""
# ctest-labels: nosan
# (nosan: the programs run under the sanitizers in the report, xlsx and docx
# tests already; this one adds LibreOffice and the sample county's size)
import os
import shutil
import subprocess
import sys
import time

import hbtest

try:
    import openpyxl  # noqa: F401 (test_xlsx needs it)
except ImportError:
    print("skipped: python3-openpyxl is not installed")
    sys.exit(77)
if not (shutil.which("libreoffice") and shutil.which("pdftotext")):
    print("skipped: libreoffice or pdftotext not installed")
    sys.exit(77)

import test_dashboard  # noqa: E402
import test_report  # noqa: E402
import test_report_docx  # noqa: E402
import test_xlsx  # noqa: E402

SAMPLE = os.path.join(hbtest.REPO, "deploy", "sample")

# figures of the sample reports (../shared/seeds) that the sample county
# reproduces, as the shipped templates write them
SEED_FIGURES = {
    "jiefang-2022": ["1620", "1225", "395"],
    "nengli-2022": ["2.3万", "824", "591", "614"],
    "zhuti-2023": ["69", "68", "22"],
}

# issue 12: zhuti-2023's declared indicators, 典型 and stages (make_ledgers.py),
# in the shape of report 002 and 003, and how the shipped template writes them
ZHUTI_OUTCOMES = {"shishi": (326, "326"), "kunnan": (158, "158"), "juanzhu": (18.75, "18.75"),
                  "zhidu": (27, "27")}
ZHUTI_CASES = {"case": 2, "practice": 3, "group": 4, "person": 13}
ZHUTI_STAGES = [("学习研讨", "done"), ("问题查摆", "done"), ("深刻剖析", "done"),
                ("推动整改", "current")]
ZHUTI_TEXT = ["深入开展结对关爱行动，帮办实事326件，解决困难158件，捐助物资18.75万元。",
              "建章立制27项",
              "选树4个先进基层党组织、13名优秀共产党员",
              "按照学习研讨、问题查摆、深刻剖析、推动整改“四个阶段”的时限要求有序推进，"
              "目前处于推动整改阶段（2023年12月1日至2024年1月31日）"]


def check_zhuti_outcomes(t, js, out):
    """zhuti-2023's indicators, cases and stages in the rollup and the report."""
    ind = js.get("indicators") or {}
    t.check_eq(list(ind), list(ZHUTI_OUTCOMES), "zhuti: the indicators in campaigns.ini's order")
    t.check_eq({k: (v.get("value"), v.get("text")) for k, v in ind.items()}, ZHUTI_OUTCOMES,
               "zhuti: 帮办实事326件，解决困难158件，捐助物资18.75万元，建章立制27项")
    t.check_eq((js.get("cases") or {}).get("by_type"), ZHUTI_CASES,
               "zhuti: 典型: 4 先进集体 (基层党组织), 13 先进个人 (优秀共产党员)")
    t.check_eq((js.get("cases") or {}).get("total"), 22, "zhuti: 22 典型 rows in all")
    t.check_eq([(s.get("name"), s.get("state")) for s in js.get("stages") or []], ZHUTI_STAGES,
               "zhuti: four stages, the last current on 2023-12-31")
    t.check_eq((js.get("stage_current") or {}).get("name"), "推动整改", "zhuti: stage_current")
    missing = [f for f in ZHUTI_TEXT if f not in out]
    t.check(not missing, "zhuti: the report prints the indicators, 典型 and stages", missing)


def sample_county(t):
    root = os.path.join(t.dir, "sample")
    r = hbtest.run([sys.executable, os.path.join(SAMPLE, "make_ledgers.py"), "--out", root],
                   timeout=120)
    if r.rc != 0:
        raise RuntimeError(f"make_ledgers.py failed: {r}")
    shutil.copy(os.path.join(SAMPLE, "units.csv"), os.path.join(root, "units.csv"))
    shutil.copy(os.path.join(SAMPLE, "campaigns.ini"), os.path.join(root, "campaigns.ini"))
    return hbtest.County(root)


def dashboard_part(t, county, agg):
    if not (shutil.which("chromium") or os.access("/usr/bin/chromium", os.X_OK)):
        t.check(False, "chromium is installed (deploy/deps.sh installs it)")
        return
    serve = test_dashboard.Serve(t, [agg], os.path.join(t.dir, "city"), hbtest.TODAY)
    br = test_dashboard.Chromium(t.dir)
    try:
        end = time.monotonic() + 10
        view = {}
        while time.monotonic() < end and len(view) < len(county.campaigns()):
            try:
                view = {c["campaign"]: c for c in serve.json("/api/view")["campaigns"]}
            except Exception:  # noqa: BLE001 -- 503 until the first rollup
                time.sleep(0.1)
        t.check(serve.browser_login(br), "the browser logs in through the login page")
        s = br.open(serve.url + "/")
        t.check(br.wait(s, "document.body.dataset.version !== '0' && "
                           "!document.getElementById('board').hidden"),
                "the dashboard renders the sample county")
        for camp in county.campaigns():
            page = test_dashboard.read_campaign(br, s, camp)
            d = test_dashboard.diff(page, test_dashboard.figures_from_view(view[camp]))
            t.check(not d, f"[{camp}] the dashboard shows the sample county's figures",
                    "\n".join(d[:20]))
        page = test_dashboard.read_campaign(br, s, "zhuti-2023")
        t.check_eq(([page.get(f"ind-{k}-value") for k in ZHUTI_OUTCOMES],
                    page.get("cases-group"), page.get("cases-person"),
                    page.get("stage-4-state"), page.get("stage-current")),
                   (["326", "158", "18.75", "27"], "4", "13", "进行中",
                    "目前处于第4阶段：推动整改（2023-12-01 至 2024-01-31）"),
                   "zhuti: the dashboard shows the indicators, 典型 and the current stage")
        test_dashboard.read_campaign(br, s, "jiefang-2022")
        path = os.path.join(os.path.dirname(test_dashboard.artefact_path()),
                            "dashboard-sample-county.png")
        w, h = br.screenshot(s, path)
        t.check(os.path.getsize(path) > 20000, f"screenshot saved: {path} ({w}x{h})")
        print(f"screenshot: {path}", flush=True)
        t.check_eq(br.errors, [], "no script error on the page")
    finally:
        br.close()
        t.check_eq(serve.stop(), 0, "serve stops with exit 0")


def main(t):
    county = sample_county(t)
    t.check_eq(len(county.units()), 61, "the sample county has 61 units")
    agg = t.aggregator(county)
    runs = t.sync_all(county, agg)
    t.check(all(r.rc == 0 for r in runs.values()), "every sample unit syncs",
            [r for r in runs.values() if r.rc != 0][:2])
    t.check_rollups(county, agg, "the sample county's rollups equal the independent count")
    checks = {"jiefang-2022": test_report.check_jiefang, "nengli-2022": test_report.check_nengli,
              "zhuti-2023": test_report.check_zhuti}
    for campaign, check in checks.items():
        _, got = t.rollups(agg, campaign)
        js = got[campaign]
        ucats = test_report.unit_categories(county, campaign)
        r = test_report.report(t, agg, campaign,
                               os.path.join(test_report.TEMPLATES, campaign + ".txt"))
        if not t.check_rc(r, 0, f"report {campaign} of the sample county"):
            continue
        print(f"---- {campaign}\n{r.out}\n----", flush=True)
        check(t, r.out, js, ucats)  # every figure; shares add up to 100.00%
        missing = [f for f in SEED_FIGURES[campaign] if f not in r.out]
        t.check(not missing, f"{campaign}: the sample report's figures are in the draft",
                missing)
        if campaign == "zhuti-2023":
            check_zhuti_outcomes(t, js, r.out)
        probe = os.path.join(t.dir, f"probe-{campaign}.txt")
        with open(probe, "w", encoding="utf-8") as f:
            f.write(test_report.probe_template(js))
        r = test_report.report(t, agg, campaign, probe)
        want = test_report.probe_expected(js, ucats).splitlines()
        t.check(r.rc == 0 and r.out.splitlines() == want,
                f"{campaign}: every placeholder equals the rollup ({len(want)} lines)")
    test_xlsx.export_part(t, county, agg)
    dashboard_part(t, county, agg)
    test_report_docx.main(t, county, agg)
    t.check_eq(agg.stop(), 0, "the aggregator stops cleanly")
    t.check_rc(agg.verify(), 0, "verify at the end")


if __name__ == "__main__":
    hbtest.Test("sample_county").guard(main)
