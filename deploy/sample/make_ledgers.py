#!/usr/bin/env python3
"""Writes the ledgers of the sample county (61 units, deploy/sample/units.csv)
whose rollups reproduce the figures of the sample reports (../shared/seeds):

  nengli-2022 机关能力作风建设年 (report 000):
    县级中心组集中学习研讨6次 · 乡级中心组集中学习研讨124次 · 理论宣讲10期、受教育党员干部2.3万人次
    转发理论文章30期、发布工作信息50篇 · 县委理论学习中心组心得60篇 · 乡级中心组心得2450篇 ·
    全县心得3000余篇 (3030) · 个人问题824个、班子问题591个 · 整改措施614个 · 印发到全县61家党委（党组）
  jiefang-2022 解放思想、振兴发展研讨 (report 001):
    思想范畴问题1620个：已解决1225个、正在整改395个; five categories 332/327/314/311/336
    (20.49/20.19/19.38/19.20/20.74 % — the report's 20.47/20.18/19.39/19.19/20.77 fit no
    integer split of 1620) in 27/26/30/27/60 units, with the units the report names
  zhuti-2023 主题教育 (report 003):
    专题辅导69场次 · 研讨交流68场次 · 县级领导调研课题22个、调研报告20余篇 (21) ·
    先后5次集中传达学习 · 累计完成问题整改700余个 (712)
    in the shape of report 002: 帮办实事326件，解决困难158件，捐助物资18.75万元 ·
    建章立制27项 · report 003's 典型: 4个先进基层党组织 (先进集体), 13名优秀共产党员
    (先进个人), with 3 经验做法 and 2 典型案例 beside them

  make_ledgers.py --out DIR [--check]

DIR gets ledgers/<code>/{activities,problems}.csv, written as clerks do:
UTF-8, UTF-8 with BOM or GBK, Chinese or English headers and values, own
column orders; and indicators.csv and cases.csv (zhuti-2023's 成效 and 典型)
for the units that have any, drawn from a random generator of their own so
that the activity and problem rows stay what they were. Every date lies
inside its campaign's start..end. Deterministic. --check recounts with tests/tools/count.py and
asserts the figures (HUIBAO_TODAY=2023-12-31).
"""
import argparse
import datetime
import os
import random
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests", "tools"))
import count  # noqa: E402
import gen_ledgers as gl  # noqa: E402
import hbledger as hl  # noqa: E402

TODAY = datetime.date(2023, 12, 31)


def split(total, n, rng, lo=1):
    """n integers >= lo summing to total, uneven like real counts."""
    assert total >= lo * n, (total, n)
    w = [rng.uniform(0.4, 1.6) for _ in range(n)]
    s = sum(w)
    parts = [lo + int((total - lo * n) * x / s) for x in w]
    for i in range(total - sum(parts)):
        parts[i % n] += 1
    return parts


def d(rng, lo, hi):
    return lo + datetime.timedelta(days=rng.randint(0, (hi - lo).days))


class Book:
    """Canonical rows per unit, then written out."""

    def __init__(self, units):
        self.units = units
        self.acts = {u[0]: [] for u in units}
        self.probs = {u[0]: [] for u in units}

    def act(self, rng, unit, camp, lo, hi, kind, level="unit", sessions=1, participants=0,
            outputs=0, title=None):
        rows = self.acts[unit]
        rows.append({"id": None, "campaign": camp, "date": d(rng, lo, hi), "kind": kind,
                     "level": level, "sessions": sessions, "participants": participants,
                     "outputs": outputs, "title": title or gl.title(rng, hl.ZH[kind])})

    def prob(self, rng, unit, camp, lo, hi, category, status, scope, measures):
        ident = d(rng, lo, hi)
        resolved = d(rng, ident, min(ident + datetime.timedelta(days=120), TODAY)) \
            if status == "resolved" else None
        deadline = ident + datetime.timedelta(days=rng.choice([30, 60, 90, 180, 365, 540]))
        self.probs[unit].append({"id": None, "campaign": camp, "identified_on": ident,
                                 "scope": scope, "category": category, "status": status,
                                 "measures": measures, "deadline": deadline,
                                 "resolved_on": resolved,
                                 "description": rng.choice(gl.PROBLEMS)})


def nengli(rng, b, units):
    lo, hi = datetime.date(2022, 3, 1), datetime.date(2022, 12, 31)
    c = "nengli-2022"
    county = [u[0] for u in units if u[2] == "county"][0]
    towns = [u[0] for u in units if u[2] == "township"]
    depts = [u[0] for u in units if u[2] == "department"]
    for _ in range(6):
        b.act(rng, county, c, lo, hi, "study", title="县委理论学习中心组集中学习研讨")
    for t, n in zip(towns, split(124, len(towns), rng)):
        for s in split(n, (n + 1) // 2, rng):
            b.act(rng, t, c, lo, hi, "study", sessions=s, participants=s * rng.randint(8, 20),
                  title="乡级中心组集中学习研讨")
    for p in split(23000, 10, rng, 500):
        b.act(rng, county, c, lo, hi, "lecture", participants=p,
              title="县委宣讲团“解放思想、振兴发展”线上线下理论宣讲")
    b.act(rng, county, c, lo, hi, "publicity", sessions=30, outputs=30, title="转发中央和省市理论文章")
    b.act(rng, county, c, lo, hi, "publicity", sessions=50, outputs=50, title="发布工作信息")
    b.act(rng, county, c, lo, hi, "essay", outputs=60, participants=60, title="县委理论学习中心组撰写研讨心得")
    for t, n in zip(towns, split(2450, len(towns), rng)):
        b.act(rng, t, c, lo, hi, "essay", outputs=n, participants=n, title="乡级中心组撰写心得")
    for u, n in zip(depts[:26], split(520, 26, rng)):
        b.act(rng, u, c, lo, hi, "essay", level="branch", outputs=n, participants=n,
              title="党员干部撰写心得体会")
    for u in depts:
        for _ in range(rng.randint(1, 4)):
            b.act(rng, u, c, lo, hi, rng.choice(["study", "study", "seminar", "party_day", "talk"]),
                  level=rng.choice(["unit", "branch"]), participants=rng.randint(5, 60))
    # problems: 824 individual + 591 team over all 61 units, 614 measures
    allu = [u[0] for u in units]
    scopes = ["individual"] * 824 + ["team"] * 591
    rng.shuffle(scopes)
    measures = [0] * 1415
    for i in rng.sample(range(1415), 500):
        measures[i] = 1
    for i in rng.sample(range(1415), 114):
        measures[i] += 1
    cats = ["thinking", "ability", "conduct", "work"]
    k = 0
    for u, n in zip(allu, split(1415, len(allu), rng)):
        for _ in range(n):
            st = rng.choices(["identified", "rectifying", "resolved"], [1, 3, 6])[0]
            b.prob(rng, u, c, lo, hi, rng.choice(cats), st, scopes[k], measures[k])
            k += 1


JIEFANG_CATS = [  # code, count, units, names the report gives
    ("county", 332, 27, ["开发区", "发改局", "农业农村局"]),
    ("philosophy", 327, 26, ["巨宝山乡", "平顺街道", "生态局"]),
    ("linkage", 314, 30, ["卫健局", "大罗镇", "庆柳社管委"]),
    ("conduct", 311, 27, ["税务局", "市场局", "自然资源局"]),
    ("institution", 336, 60, []),
]


def jiefang(rng, b, units):
    lo, hi = datetime.date(2022, 6, 1), datetime.date(2022, 12, 31)
    c = "jiefang-2022"
    others = [u for u in units if u[2] != "county"]
    for u in units:
        b.act(rng, u[0], c, lo, hi, "seminar", participants=rng.randint(10, 80),
              title="“解放思想、振兴发展”专题研讨")
        b.act(rng, u[0], c, datetime.date(2022, 8, 26), datetime.date(2022, 8, 27), "seminar",
              sessions=2, participants=rng.randint(10, 80), title="研讨“回头看”封闭集中研讨分析会")
    probs = []
    for code, n, nunits, named in JIEFANG_CATS:
        by_name = {u[1]: u[0] for u in others}
        chosen = [by_name[x] for x in named]
        rest = [u[0] for u in others if u[0] not in chosen]
        chosen += rng.sample(rest, nunits - len(chosen))
        for u, k in zip(chosen, split(n, nunits, rng)):
            probs += [(u, code)] * k
    statuses = ["resolved"] * 1225 + ["rectifying"] * 395
    rng.shuffle(statuses)
    for (u, code), st in zip(probs, statuses):
        b.prob(rng, u, c, lo, hi, code, st, rng.choice(["individual", "team"]), rng.randint(0, 2))


def zhuti(rng, b, units):
    lo, hi = datetime.date(2023, 4, 1), TODAY
    c = "zhuti-2023"
    county = [u[0] for u in units if u[2] == "county"][0]
    others = [u[0] for u in units if u[2] != "county"]
    for _ in range(5):
        b.act(rng, county, c, datetime.date(2023, 4, 1), datetime.date(2023, 4, 20), "study",
              participants=rng.randint(15, 30), title="专题传达学习中央和省委主题教育工作会议精神")
    b.act(rng, county, c, lo, hi, "reading_class", sessions=1, participants=35,
          title="县委常委会主题教育读书班（为期一周）")
    for u, n in zip(rng.sample(others, 40), split(69, 40, rng)):
        b.act(rng, u, c, lo, hi, "tutorial", sessions=n, participants=n * rng.randint(20, 60),
              title="县委党校讲师专题辅导")
    for u, n in zip(rng.sample(others, 45), split(68, 45, rng)):
        b.act(rng, u, c, lo, hi, "seminar", sessions=n, participants=n * rng.randint(10, 30),
              title="“三答解三问”研讨交流")
    outs = [1] * 21 + [0]
    rng.shuffle(outs)
    for o in outs:
        b.act(rng, county, c, lo, hi, "research", outputs=o, title="县级领导调研课题：破解发展瓶颈制约")
    cats = ["theory", "policy", "development", "people", "party_spirit", "discipline"]
    statuses = ["resolved"] * 712 + ["rectifying"] * 150 + ["identified"] * 38
    rng.shuffle(statuses)
    k = 0
    for u, n in zip(others, split(900, len(others), rng)):
        for _ in range(n):
            b.prob(rng, u, c, lo, hi, rng.choice(cats), statuses[k],
                   rng.choice(["individual", "team"]), rng.randint(1, 3))
            k += 1


# zhuti-2023's outcome indicators: code, total (in 1/100 for juanzhu), units, rows per unit
ZHUTI_INDICATORS = [("shishi", 326, 30, 3), ("kunnan", 158, 25, 2), ("juanzhu", 1875, 24, 2),
                    ("zhidu", 27, 15, 1)]
ZHUTI_NOTES = {"shishi": ["结对关爱行动帮办实事", "为群众代办证照", "帮助修缮住房", "协调解决就医"],
               "kunnan": ["解决群众急难愁盼问题", "协调解决灌溉用水", "帮助落实临时救助"],
               "juanzhu": ["干部职工捐助物资折款", "结对帮扶捐助米面油", "向困难家庭捐助衣物"],
               "zhidu": ["建立工作制度", "修订管理办法", "完善长效机制"]}
# zhuti-2023's 典型 (report 003): type, titles
ZHUTI_CASES = [
    ("group", ["西南街社区“580先锋在线”为民服务行动", "航天爱心志愿者协会党支部",
               "大罗镇新庄村党支部", "县人民医院党总支"]),
    ("person", ["恪尽职守、默默奉献的基层干警"] * 4 + ["带领群众共同致富的带头人"] * 5
     + ["扎根一线的乡村教师"] * 2 + ["社区网格员"] * 2),
    ("practice", ["“20分钟学习会”“车间休息课”抓实学习", "三级学习联动组织体系",
                  "“三答解三问”研讨交流"]),
    ("case", ["自查整改生态环境突出问题", "“千名干部下一线”解决企业难题"]),
]
CASE_ZH = {"case": "典型案例", "practice": "经验做法", "group": "先进集体", "person": "先进个人"}
IND_COLS = [("id", "编号"), ("campaign", "专项"), ("date", "日期"), ("indicator", "指标"),
            ("value", "数量"), ("note", "说明")]
CASE_COLS = [("id", "编号"), ("campaign", "专项"), ("date", "日期"), ("type", "类型"),
             ("title", "标题"), ("summary", "摘要")]


def hundredths(v, rng):
    """v/100 as a clerk writes it: 1.5 or 1.50, 3 or 3.00."""
    s = f"{v // 100}.{v % 100:02d}"
    if rng.random() < 0.5:
        s = s.rstrip("0").rstrip(".")
    return s


def zhuti_outcomes(units, camps):
    """zhuti-2023's indicators.csv and cases.csv rows, {unit: (inds, cases)}, from a
    generator of their own (the activity and problem rows do not move)."""
    rng = random.Random(2023)
    c = "zhuti-2023"
    camp = next(x for x in camps.items if x["id"] == c)
    lo, hi = datetime.date(2023, 5, 1), TODAY
    assert camp["start"] <= lo and hi <= camp["end"], "dates inside the campaign"
    others = [u[0] for u in units if u[2] != "county"]
    inds = {u[0]: [] for u in units}
    cases = {u[0]: [] for u in units}
    names = {"shishi": "帮办实事", "kunnan": "解决困难", "juanzhu": "捐助物资", "zhidu": "建章立制"}
    for code, total, nunits, most in ZHUTI_INDICATORS:
        for u, n in zip(rng.sample(others, nunits), split(total, nunits, rng, 10 if
                                                          code == "juanzhu" else 1)):
            k = min(most, n if code != "juanzhu" else n // 10)
            for v in split(n, max(k, 1), rng, 10 if code == "juanzhu" else 1):
                inds[u].append({"campaign": c, "date": d(rng, lo, hi), "code": code,
                                "name": names[code], "value": v,
                                "note": rng.choice(ZHUTI_NOTES[code])})
    for ty, titles in ZHUTI_CASES:
        for t in titles:
            u = rng.choice(others)
            cases[u].append({"campaign": c, "date": d(rng, datetime.date(2023, 6, 1),
                                                      datetime.date(2023, 8, 31)),
                             "type": ty, "title": t, "summary": "选树身边榜样、对标学习先进"})
    return {u: (inds[u], cases[u]) for u in inds if inds[u] or cases[u]}


def write_outcomes(out, outcomes, camps):
    """indicators.csv and cases.csv as clerks write them (their own generator)."""
    rng = random.Random(12)
    for unit in sorted(outcomes):
        inds, cases = outcomes[unit]
        dd = os.path.join(out, "ledgers", unit)
        os.makedirs(dd, exist_ok=True)
        for name, rows, cols in (("indicators.csv", inds, IND_COLS), ("cases.csv", cases, CASE_COLS)):
            if not rows:
                continue
            style = gl.Style.random(rng, Habits, cols)
            rows.sort(key=lambda r: r["date"])
            cells = []
            for i, r in enumerate(rows):
                zh = style.zh_values
                cell = {"id": f"{'CX' if zh else 'I'}{i + 1:04d}" if cols is IND_COLS
                        else f"{'DX' if zh else 'C'}{i + 1:04d}",
                        "campaign": camps.find(r["campaign"])["name"] if zh else r["campaign"],
                        "date": gl.fmt_date(r["date"], style.date_style)}
                if cols is IND_COLS:
                    cell["indicator"] = r["name"] if zh else r["code"]
                    cell["value"] = hundredths(r["value"], rng) if r["code"] == "juanzhu" \
                        else str(r["value"])
                    cell["note"] = r["note"]
                else:
                    cell["type"] = CASE_ZH[r["type"]] if zh else r["type"]
                    cell["title"], cell["summary"] = r["title"], r["summary"]
                cells.append([cell[k] for k in style.columns])
            gl.write_csv(os.path.join(dd, name), gl.header_of(style, cols), cells, style)


class Habits:
    gbk, bom, zh_header, zh_values, shuffle = 0.35, 0.15, 0.6, 0.5, 0.3


def write(b, out, rng, camps):
    for code, _, _ in b.units:
        dd = os.path.join(out, "ledgers", code)
        os.makedirs(dd, exist_ok=True)
        for is_p, rows in ((False, b.acts[code]), (True, b.probs[code])):
            cols = hl.PROB_COLS if is_p else hl.ACT_COLS
            style = gl.Style.random(rng, Habits, cols)
            prefix = ("WT" if is_p else "HD") if style.zh_values else ("P" if is_p else "A")
            rows.sort(key=lambda r: (r.get("date") or r.get("identified_on")))
            cells = []
            for i, r in enumerate(rows):
                r["id"] = f"{prefix}{i + 1:04d}"
                c = gl.render(r, style, camps, rng)
                cells.append([c[k] for k in style.columns])
            gl.write_csv(os.path.join(dd, "problems.csv" if is_p else "activities.csv"),
                         gl.header_of(style, cols), cells, style)


def check(out):
    r = count.count_dir(out, TODAY)
    n, j, z = r["nengli-2022"], r["jiefang-2022"], r["zhuti-2023"]
    cube = {(c["unit_type"], c["level"], c["kind"]): c for c in n["activities"]["cube"]}
    want = [
        (n["coverage"]["expected"], 61), (n["coverage"]["reported"], 61),
        (cube[("county", "unit", "study")]["sessions"], 6),
        (cube[("township", "unit", "study")]["sessions"], 124),
        (n["activities"]["by_kind"]["lecture"]["sessions"], 10),
        (n["activities"]["by_kind"]["lecture"]["participants"], 23000),
        (cube[("county", "unit", "essay")]["outputs"], 60),
        (cube[("township", "unit", "essay")]["outputs"], 2450),
        (n["activities"]["by_kind"]["essay"]["outputs"], 3030),
        (n["problems"]["by_scope"]["individual"], 824), (n["problems"]["by_scope"]["team"], 591),
        (n["problems"]["measures"], 614),
        (j["problems"]["total"], 1620), (j["problems"]["resolved"], 1225),
        (j["problems"]["rectifying"], 395),
        (z["activities"]["by_kind"]["tutorial"]["sessions"], 69),
        (z["activities"]["by_kind"]["seminar"]["sessions"], 68),
        (z["activities"]["by_kind"]["research"]["records"], 22),
        (z["activities"]["by_kind"]["research"]["outputs"], 21),
        (z["problems"]["resolved"], 712),
        (z["indicators"]["shishi"]["value"], 326), (z["indicators"]["kunnan"]["value"], 158),
        (z["indicators"]["juanzhu"]["text"], "18.75"), (z["indicators"]["zhidu"]["value"], 27),
        (z["cases"]["by_type"]["group"], 4), (z["cases"]["by_type"]["person"], 13),
        (z["cases"]["total"], 22),
    ]
    for code, cnt, nu, _ in JIEFANG_CATS:
        want += [(j["problems"]["by_category"][code]["count"], cnt),
                 (j["problems"]["by_category"][code]["units"], nu)]
    bad = [(i, g, w) for i, (g, w) in enumerate(want) if g != w]
    for i, g, w in bad:
        print(f"check {i}: got {g}, want {w}", file=sys.stderr)
    return not bad


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--check", action="store_true")
    a = ap.parse_args()
    units = hl.load_units(os.path.join(HERE, "units.csv"))
    camps = hl.Campaigns(os.path.join(HERE, "campaigns.ini"))
    rng = random.Random(2022)
    b = Book(units)
    nengli(rng, b, units)
    jiefang(rng, b, units)
    zhuti(rng, b, units)
    write(b, a.out, rng, camps)
    write_outcomes(a.out, zhuti_outcomes(units, camps), camps)
    if a.check:
        for f in ("units.csv", "campaigns.ini"):
            with open(os.path.join(HERE, f), "rb") as s, open(os.path.join(a.out, f), "wb") as t:
                t.write(s.read())
        if not check(a.out):
            return 1
        print("sample figures: ok", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
