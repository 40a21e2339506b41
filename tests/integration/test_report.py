#!/usr/bin/env python3
"""huibao-sub report: a county of 14 units synced; for every shipped template
(docs/templates/CAMPAIGN.txt) the report's figures equal the rollup JSON of
`huibao-sub snapshot` (and, for the units named per category, the ledgers
themselves), category shares add up to exactly 100.00%; a probe template
that prints every kind of placeholder agrees with the JSON; the stored view
(`run --data`) gives the same report as --connect; Markdown output; a GBK
template; and the errors: unknown placeholder and syntax errors with
FILE:LINE:COLUMN (exit 65), missing template (66), a --period the campaign
does not have (66), docx without --out (64),
a county that does not answer (75, nothing written).
The .docx part (LibreOffice) is test_report_docx.py."""
import os
import re
import signal
import subprocess
import time
from decimal import ROUND_HALF_UP, Decimal

import hbtest

TEMPLATES = os.path.join(hbtest.REPO, "docs", "templates")
CAMPAIGNS = ["jiefang-2022", "nengli-2022", "zhuti-2023"]
CN = dict(zip("一二三四五六七八九十", range(1, 11)))


def wan(n):
    """The 万 form, computed independently of the C code."""
    if n < 10000:
        return str(n)
    for unit, suffix in ((10 ** 4, "万"), (10 ** 8, "亿")):
        q = (Decimal(n) / unit).quantize(Decimal("0.01"), ROUND_HALF_UP)
        if suffix == "亿" or q < 10000:
            s = format(q, "f").rstrip("0").rstrip(".")
            return s + suffix


def pct(part, whole):
    if not whole:
        return "0.00%"
    return str((Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.01"), ROUND_HALF_UP)) + "%"


def report(t, agg, campaign, template, *extra, timeout=5):
    argv = [hbtest.SUB, "report", "--connect", agg.publish, "--campaign", campaign,
            "--template", template, "--timeout", str(timeout)] + t.sub_keys(agg.publish)
    return hbtest.run(argv + list(extra), timeout=timeout + 30)


def unit_categories(county, campaign):
    """{unit code: {category code: problems}} read from the ledgers (count.py's reader)."""
    c = hbtest.hbcount.load_county(county.units_csv, county.campaigns_ini, county.ledgers,
                                   hbtest.TODAY_DATE)
    out = {}
    for code, _, _ in c["units"]:
        _, probs, _ = c["ledgers"][code]
        d = out.setdefault(code, {})
        for q in probs:
            if q["campaign"] == campaign:
                d[q["category"]] = d.get(q["category"], 0) + 1
    return out


def top_units(js, ucats, cat, n):
    """The names of the n units with the most problems of cat (ties: units.csv order)."""
    order = [u["code"] for u in js["units"]]
    names = {u["code"]: u["name"] for u in js["units"]}
    have = [(-ucats[c].get(cat, 0), i, c) for i, c in enumerate(order) if ucats[c].get(cat, 0)]
    return [names[c] for _, _, c in sorted(have)[:n]]


def check_shares(t, what, shares, js):
    total = sum(Decimal(s) for s in shares)
    t.check_eq(str(total), "100.00", f"{what}: category shares add up to 100.00%")
    cats = list(js["problems"]["by_category"].values())
    off = [(s, c["share"]) for s, c in zip(shares, cats)
           if abs(Decimal(s) - Decimal(c["share"] * 100)) >= Decimal("0.01")]
    t.check(not off and len(shares) == len(cats),
            f"{what}: each share within 0.01 of count/total", off)


def check_jiefang(t, out, js, ucats):
    p, a = js["problems"], js["activities"]
    m = re.search(r"共开展各类活动(\S+?)场次、参加(\S+?)人次，其中专题研讨(\S+?)场，查摆短板不足(\S+?)个，"
                  r"制定整改措施(\S+?)项。全县应报送台账的(\d+)家单位中，已报送(\d+)家", out)
    seminar = a["by_kind"].get("seminar", {"sessions": 0})["sessions"]
    cov = js["coverage"]
    t.check_eq(m and list(m.groups()),
               [wan(a["total"]["sessions"]), wan(a["total"]["participants"]), wan(seminar),
                wan(p["total"]), wan(p["measures"]), str(cov["expected"]),
                str(cov["expected"] - len(cov["missing"]))],
               "jiefang: opening paragraph figures", out[:600])
    m = re.search(r"查摆问题(\d+)个，已解决(\d+)个，正在推进整改落实(\d+)个(?:，其中超过整改时限(\d+)个)?，"
                  r"整改完成率([\d.]+%)。", out)
    t.check_eq(m and [int(m.group(1)), int(m.group(2)), int(m.group(3)), int(m.group(4) or 0),
                      m.group(5)],
               [p["total"], p["resolved"], p["total"] - p["resolved"], p["overdue"],
                pct(p["resolved"], p["total"])], "jiefang: problems, resolved, open, overdue, rate")
    paras = re.findall(r"^([一二三四五六七八九十])是在(.+?)上有差距。占问题总数的([\d.]+)%。(.*)$", out, re.M)
    cats = list(p["by_category"].items())
    t.check_eq([(CN[x[0]], x[1]) for x in paras],
               [(i + 1, c["name"]) for i, (_, c) in enumerate(cats)],
               "jiefang: one paragraph per category, numbered, in the campaign's order")
    check_shares(t, "jiefang", [x[2] for x in paras], js)
    bad = []
    for (code, c), para in zip(cats, paras):
        tail = para[3]
        if c["units"] > 3:
            want = "、".join(top_units(js, ucats, code, 3)) + f"等{c['units']}家单位不同程度存在。"
        elif c["units"] > 0:
            want = "、".join(top_units(js, ucats, code, 3)) + f"{c['units']}家单位存在。"
        else:
            want = "暂未查摆出此类问题。"
        if tail != want:
            bad.append(f"{code}: want {want!r}, got {tail!r}")
    t.check(not bad, "jiefang: each category names its top-3 units (from the ledgers) and its "
            "number of units", "\n".join(bad))
    rows = re.findall(r"^(\d+) +(\S+) +(\d+) +(\d+) +(\d+) +(\d+) +(\d+)$", out, re.M)
    want = sorted([u for u in js["units"] if u["problems"]["total"] > 0],
                  key=lambda u: -u["problems"]["total"])
    t.check_eq([r[1:] for r in rows],
               [(u["name"], str(u["problems"]["total"]), str(u["problems"]["resolved"]),
                 str(u["problems"]["rectifying"]), str(u["problems"]["identified"]),
                 str(u["problems"]["overdue"])) for u in want],
               "jiefang: the table lists the units by problems, with their figures")
    t.check(out.rstrip().endswith("2023年12月31日"), "jiefang: dated with the rollup's today")


def check_nengli(t, out, js, ucats):
    p, a = js["problems"], js["activities"]
    cube = {(c["unit_type"], c["level"], c["kind"]): c for c in a["cube"]}

    def cell(ty, lv, k):
        return cube.get((ty, lv, k), {}).get("sessions", 0)

    branch = sum(c["sessions"] for c in a["cube"] if c["level"] == "branch")
    k = lambda kind, f: a["by_kind"].get(kind, {}).get(f, 0)  # noqa: E731
    m = re.search(r"县级中心组集中学习研讨(\d+)次，乡级中心组集中学习研讨(\d+)次，各基层党组织集中学习(\S+?)次。"
                  r"举办各类培训班(\d+)期，培训干部(\S+?)人次；举办读书班(\d+)期", out)
    t.check_eq(m and list(m.groups()),
               [str(cell("county", "unit", "study") + cell("county", "unit", "seminar")),
                str(cell("township", "unit", "study") + cell("township", "unit", "seminar")),
                wan(branch), str(k("training", "sessions")), wan(k("training", "participants")),
                str(k("reading_class", "sessions"))],
               "nengli: cube cells, levels and kinds")
    m = re.search(r"理论宣讲(\d+)期，受教育党员干部(\S+?)人次。发布工作信息、宣传报道(\S+?)篇", out)
    t.check_eq(m and list(m.groups()),
               [str(k("lecture", "sessions")), wan(k("lecture", "participants")),
                wan(k("publicity", "outputs"))], "nengli: lectures (万 form) and publicity")
    m = re.search(r"撰写心得体会(\S+?)篇；共查摆问题(\d+)个，其中个人问题(\d+)个，班子问题(\d+)个，"
                  r"制定整改措施(\d+)个", out)
    t.check_eq(m and list(m.groups()),
               [wan(k("essay", "outputs")), str(p["total"]), str(p["by_scope"]["individual"]),
                str(p["by_scope"]["team"]), str(p["measures"])], "nengli: essays, scopes, measures")
    cats = re.findall(r"([^；，]+?)方面(\d+)个，占([\d.]+)%", out.split("按问题类别分：")[1].split("\n")[0])
    t.check_eq([(n, int(c)) for n, c, _ in cats],
               [(c["name"], c["count"]) for c in p["by_category"].values()],
               "nengli: categories with their counts")
    check_shares(t, "nengli", [s for _, _, s in cats], js)
    m = re.search(r"已整改(\d+)个，整改中(\d+)个，尚未启动整改(\d+)个，整改完成率([\d.]+%)", out)
    t.check_eq(m and list(m.groups()),
               [str(p["resolved"]), str(p["rectifying"]), str(p["identified"]),
                pct(p["resolved"], p["total"])], "nengli: statuses")
    m = re.search(r"对尚未完成整改的(\d+)个问题", out)
    t.check_eq(m and int(m.group(1)), p["total"] - p["resolved"], "nengli: open problems")


def check_zhuti(t, out, js, ucats):
    p, a = js["problems"], js["activities"]
    k = lambda kind, f: a["by_kind"].get(kind, {}).get(f, 0)  # noqa: E731
    m = re.search(r"专题辅导(\d+)场次，开展研讨交流(\d+)场次，撰写心得体会(\S+?)篇", out)
    t.check_eq(m and list(m.groups()),
               [str(k("tutorial", "sessions")), str(k("seminar", "sessions")),
                wan(k("essay", "outputs"))], "zhuti: tutorials, seminars, essays")
    m = re.search(r"调查研究(\d+)次，形成调研报告(\d+)篇", out)
    t.check_eq(m and list(m.groups()), [str(k("research", "sessions")), str(k("research", "outputs"))],
               "zhuti: research")
    paras = re.findall(r"^([一二三四五六七八九十])是(\S+?)问题(\d+)个，占([\d.]+)%，已整改(\d+)个"
                       r"(?:，主要集中在(\S+?))?。$", out, re.M)
    cats = list(p["by_category"].items())
    t.check_eq([(CN[x[0]], x[1], int(x[2]), int(x[4])) for x in paras],
               [(i + 1, c["name"], c["count"], c["resolved"]) for i, (_, c) in enumerate(cats)],
               "zhuti: one line per category with count and resolved")
    check_shares(t, "zhuti", [x[3] for x in paras], js)
    t.check_eq([x[5] for x in paras], ["、".join(top_units(js, ucats, code, 3)) for code, _ in cats],
               "zhuti: the units where each category is found most")
    rows = re.findall(r"^(县|乡镇|部门|合计) +(\d+) +(\d+) +(\d+) +(\d+) +(\d+)$", out, re.M)
    want = []
    for ty, name in (("county", "县"), ("township", "乡镇"), ("department", "部门")):
        us = [u for u in js["units"] if u["type"] == ty]
        want.append((name, str(len(us)), str(sum(u["activities"]["sessions"] for u in us)),
                     str(sum(u["activities"]["participants"] for u in us)),
                     str(sum(u["problems"]["total"] for u in us)),
                     str(sum(u["problems"]["resolved"] for u in us))))
    want.append(("合计", str(len(js["units"])), str(a["total"]["sessions"]),
                 str(a["total"]["participants"]), str(p["total"]), str(p["resolved"])))
    t.check_eq(rows, want, "zhuti: the table by unit type")


def probe_template(js):
    """A template printing one line per figure of the model, generated from
    the JSON so that every cube cell is asked for."""
    lines = ["campaign={{ campaign }}|{{ campaign_name }}|{{ today }}",
             "a.total={{ activities.total.records }}|{{ activities.total.sessions }}|"
             "{{ activities.total.participants }}|{{ activities.total.outputs }}",
             "p={{ problems.total }}|{{ problems.identified }}|{{ problems.rectifying }}|"
             "{{ problems.resolved }}|{{ problems.measures }}|{{ problems.overdue }}|"
             "{{ problems.by_scope.individual }}|{{ problems.by_scope.team }}|"
             "{{ problems.open }}|{{ problems.resolution_rate | pct }}",
             "cov={{ coverage.expected }}|{{ coverage.reported }}|"
             "{{ coverage.missing_units | map(code) | join(\",\") }}",
             "{% for c in problems.categories %}",
             "cat.{{ c.code }}={{ c.name }}|{{ c.count }}|{{ c.resolved }}|{{ c.units }}|"
             "{{ c.share | pct }}|{{ c.unit_list | map(code) | join(\",\") }}|"
             "{{ c.unit_list | map(count) | join(\",\") }}",
             "{% endfor %}",
             "{% for k in activities.kinds %}",
             "kind.{{ k.code }}={{ k.records }}|{{ k.sessions }}|{{ k.participants }}|{{ k.outputs }}",
             "{% endfor %}",
             "{% for u in units %}",
             "unit.{{ u.code }}={{ u.name }}|{{ u.type }}|{{ u.records }}|{{ u.activities.records }}|"
             "{{ u.activities.sessions }}|{{ u.activities.participants }}|{{ u.activities.outputs }}|"
             "{{ u.problems.total }}|{{ u.problems.resolved }}|{{ u.problems.rectifying }}|"
             "{{ u.problems.identified }}|{{ u.problems.overdue }}",
             "{% endfor %}"]
    for c in js["activities"]["cube"]:
        key = f'{c["unit_type"]}.{c["level"]}.{c["kind"]}'
        lines.append(f"cube.{key}=" + "|".join("{{ activities.cell.%s.%s }}" % (key, f)
                                              for f in ("records", "sessions", "participants",
                                                        "outputs")))
    for u in js["units"]:
        lines.append(f'byc.{u["code"]}={{{{ unit["{u["code"]}"].problems.total }}}}')
    return "\n".join(lines) + "\n"


def probe_expected(js, ucats):
    p, a = js["problems"], js["activities"]
    tot = a["total"]
    out = [f'campaign={js["campaign"]}|{js["campaign_name"]}|{js["today"]}',
           f'a.total={tot["records"]}|{tot["sessions"]}|{tot["participants"]}|{tot["outputs"]}',
           "p=" + "|".join(str(x) for x in (p["total"], p["identified"], p["rectifying"],
                                            p["resolved"], p["measures"], p["overdue"],
                                            p["by_scope"]["individual"], p["by_scope"]["team"],
                                            p["total"] - p["resolved"],
                                            pct(p["resolved"], p["total"]))),
           f'cov={js["coverage"]["expected"]}|{js["coverage"]["reported"]}|'
           + ",".join(js["coverage"]["missing"])]
    order = [u["code"] for u in js["units"]]
    for code, c in p["by_category"].items():
        have = sorted((-ucats[u].get(code, 0), i, u) for i, u in enumerate(order)
                      if ucats[u].get(code, 0))
        out.append(f'cat.{code}={c["name"]}|{c["count"]}|{c["resolved"]}|{c["units"]}|'
                   f'{pct(c["count"], p["total"])}|{",".join(u for _, _, u in have)}|'
                   f'{",".join(str(-n) for n, _, _ in have)}')
    kinds = ["study", "seminar", "lecture", "tutorial", "reading_class", "research", "party_day",
             "training", "publicity", "essay", "talk", "inspection"]
    for k in kinds:
        v = a["by_kind"].get(k, {"records": 0, "sessions": 0, "participants": 0, "outputs": 0})
        out.append(f'kind.{k}={v["records"]}|{v["sessions"]}|{v["participants"]}|{v["outputs"]}')
    for u in js["units"]:
        ua, up = u["activities"], u["problems"]
        out.append(f'unit.{u["code"]}={u["name"]}|{u["type"]}|{u["records"]}|' + "|".join(
            str(x) for x in (ua["records"], ua["sessions"], ua["participants"], ua["outputs"],
                             up["total"], up["resolved"], up["rectifying"], up["identified"],
                             up["overdue"])))
    for c in a["cube"]:
        out.append(f'cube.{c["unit_type"]}.{c["level"]}.{c["kind"]}={c["records"]}|{c["sessions"]}|'
                   f'{c["participants"]}|{c["outputs"]}')
    for u in js["units"]:
        out.append(f'byc.{u["code"]}={u["problems"]["total"]}')
    return "\n".join(out) + "\n"


def main(t):
    county = t.county(units=14, rows=14, seed=23)
    agg = t.aggregator(county)
    runs = t.sync_all(county, agg)
    t.check(all(r.rc == 0 for r in runs.values()), "every unit syncs")
    t.check_rollups(county, agg)
    outs = {}
    for campaign in CAMPAIGNS:
        _, got = t.rollups(agg, campaign)
        js = got[campaign]
        ucats = unit_categories(county, campaign)
        tmpl = os.path.join(TEMPLATES, campaign + ".txt")
        r = report(t, agg, campaign, tmpl)
        if not t.check_rc(r, 0, f"report {campaign}"):
            continue
        outs[campaign] = r.out
        t.check("{{" not in r.out and "{%" not in r.out and "{#" not in r.out,
                f"{campaign}: no template syntax left in the report")
        {"jiefang-2022": check_jiefang, "nengli-2022": check_nengli,
         "zhuti-2023": check_zhuti}[campaign](t, r.out, js, ucats)
        probe = os.path.join(t.dir, f"probe-{campaign}.txt")
        with open(probe, "w", encoding="utf-8") as f:
            f.write(probe_template(js))
        r = report(t, agg, campaign, probe)
        t.check_rc(r, 0, f"probe report {campaign}")
        want = probe_expected(js, ucats).splitlines()
        got_lines = r.out.splitlines()
        diff = [f"want {w!r}\n got {g!r}" for w, g in zip(want, got_lines) if w != g]
        t.check(not diff and len(want) == len(got_lines),
                f"{campaign}: every placeholder of the probe equals the rollup JSON "
                f"({len(want)} lines)", "\n".join(diff[:10]) + f"\n{len(want)} vs {len(got_lines)}")

    # Markdown to a file; a GBK template gives the same text
    md = os.path.join(t.dir, "jiefang.md")
    r = report(t, agg, "jiefang-2022", os.path.join(TEMPLATES, "jiefang-2022.txt"),
               "--format", "md", "--out", md)
    t.check_rc(r, 0, "report --format md --out")
    if os.path.exists(md):
        text = open(md, encoding="utf-8").read()
        t.check(text.startswith("# 关于“") and "\n\n## 二、存在问题\n\n" in text and
                "| 序号 | 单位 | 查摆问题 |" in text and "\n| --- |" in text,
                "Markdown: title, headings between blank lines, a table with a header rule",
                text[:800])
    gbk = os.path.join(t.dir, "gbk.txt")
    with open(os.path.join(TEMPLATES, "jiefang-2022.txt"), encoding="utf-8") as f:
        src = f.read()
    with open(gbk, "wb") as f:
        f.write(src.encode("gb18030"))
    r = report(t, agg, "jiefang-2022", gbk)
    t.check_eq(r.out, outs.get("jiefang-2022"), "a template saved as GBK gives the same report")

    # the stored view of `run` gives the same report offline
    data = os.path.join(t.dir, "city")
    runp = subprocess.Popen([hbtest.SUB, "run", "--connect", agg.publish, "--data", data]
                            + t.sub_keys(agg.publish), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    hbtest._live.append(runp)
    end = time.monotonic() + 15
    while time.monotonic() < end:
        s = hbtest.run([hbtest.SUB, "show", "--data", data, "--campaign", "nengli-2022"])
        if s.rc == 0 and '"units"' in s.out:  # a campaign not held yet prints {"campaign": ID}
            break
        time.sleep(0.3)
    runp.send_signal(signal.SIGTERM)
    runp.wait(10)
    r = hbtest.run([hbtest.SUB, "report", "--data", data, "--campaign", "nengli-2022",
                    "--template", os.path.join(TEMPLATES, "nengli-2022.txt")])
    t.check_rc(r, 0, "report --data (the view stored by run)")
    t.check_eq(r.out, outs.get("nengli-2022"), "report --data equals report --connect")

    # errors
    bad = os.path.join(t.dir, "bad.txt")
    with open(bad, "w", encoding="utf-8") as f:
        f.write("# 标题\n共查摆问题{{ problems.totl }}个\n")
    r = report(t, agg, "jiefang-2022", bad)
    t.check_rc(r, 65, "unknown placeholder")
    t.check(re.search(r"bad\.txt:2:9: unknown placeholder: 'problems' has no 'totl' \(it has: "
                      r"total, ", r.err) and r.out == "",
            "… named with FILE:LINE:COLUMN, nothing printed", r)
    with open(bad, "w", encoding="utf-8") as f:
        f.write("一\n二\n{% for c in problems.categories %}\n{{ c.name }}\n")
    r = report(t, agg, "jiefang-2022", bad, timeout=30)
    t.check_rc(r, 65, "syntax error")
    t.check("bad.txt:3:1: {% for %} is not closed with {% endfor %}" in r.err, "… with its place", r)
    t.check(r.secs < 5, "a bad template fails before waiting for the counties", r)
    r = report(t, agg, "jiefang-2022", os.path.join(t.dir, "nonexistent.txt"))
    t.check_rc(r, 66, "missing template")
    # issue 13: a campaign without a cycle has no periods: the 通报 template
    # says so; --period names no period of it (66, nothing written)
    tongbao = os.path.join(TEMPLATES, "tongbao-weekly.txt")
    r = report(t, agg, "jiefang-2022", tongbao)
    t.check(r.rc == 0 and "未规定报送周期" in r.out and "第一期" not in r.out,
            "tongbao-weekly.txt on a campaign without a cycle: one sentence, no error", r)
    r = report(t, agg, "jiefang-2022", tongbao, "--period", "2023-06-09")
    t.check_rc(r, 66, "--period of a campaign without a cycle")
    t.check("没有报送期 2023-06-09" in r.err and "no cycle" in r.err and r.out == "",
            "… says it has no periods, nothing printed", r)
    r = report(t, agg, "jiefang-2022", os.path.join(TEMPLATES, "jiefang-2022.txt"),
               "--format", "docx")
    t.check_rc(r, 64, "docx without --out")
    r = report(t, agg, "jiefang-2022", os.path.join(TEMPLATES, "jiefang-2022.txt"),
               "--format", "pdf")
    t.check_rc(r, 64, "unknown --format")
    gone = os.path.join(t.dir, "gone.txt")
    eps = f"{agg.publish},tcp://127.0.0.1:{hbtest.free_port()}"
    r = hbtest.run([hbtest.SUB, "report", "--connect", eps, "--campaign", "jiefang-2022",
                    "--template", os.path.join(TEMPLATES, "jiefang-2022.txt"), "--timeout", "1.5",
                    "--out", gone] + t.sub_keys(eps), timeout=30)
    t.check_rc(r, 75, "a county that does not answer")
    t.check(not os.path.exists(gone) and "report not written" in r.err,
            "… and no report is written", r)


if __name__ == "__main__":  # importable: test_sample_county.py reuses the checks
    hbtest.Test("report").guard(main)
