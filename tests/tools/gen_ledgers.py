#!/usr/bin/env python3
"""Deterministic generator of a county's configuration and ledgers (台账).

  gen_ledgers.py --out DIR [--seed N] [--units 60] [--rows 25] [--gbk 0.3] [--bom 0.2]
                 [--zh-header 0.5] [--zh-values 0.5] [--shuffle 0.5] [--bad N]
      writes DIR/units.csv, DIR/campaigns.ini, DIR/ledgers/<code>/{activities,problems}.csv
      (and DIR/bad.json with --bad: the invalid rows and what must be said about them)
  gen_ledgers.py --out DIR --mutate ROUND [--seed N]
      edits the county in place, as clerks do between two syncs: statuses move on
      (已查摆 -> 整改中 -> 已整改 with 销号日期), counts change, rows are deleted and added.

Dates are real and never after today (HUIBAO_TODAY, else --today, else 2023-12-31).
Every file keeps its own habits across mutations: encoding (UTF-8, UTF-8 with BOM,
GBK), header language, value language, column order, line ends.
"""
import argparse
import csv
import datetime
import io
import json
import os
import random
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hbledger as hl  # noqa: E402

# problem_delete = free: a deleted problem leaves at once, as count.py (which
# counts the ledgers' live rows) expects; the county's review of deletions
# (the default, issue 14) is tested by test_review.py
CAMPAIGNS_INI = """\
; campaigns of the sample county (see deploy/sample/campaigns.ini)
[nengli-2022]
name = 机关能力作风建设年
start = 2022-03-01
end = 2022-12-31
category.thinking = 思想
category.ability = 能力
category.conduct = 作风
category.work = 工作
problem_delete = free

[jiefang-2022]
name = 解放思想、振兴发展研讨
start = 2022-06-01
end = 2022-12-31
category.county = 深化县情认识
category.philosophy = 贯彻新发展理念
category.linkage = 实现上下结合
category.conduct = 能力作风优化
category.institution = 制度机制创新
problem_delete = free

[zhuti-2023]
name = 学习贯彻习近平新时代中国特色社会主义思想主题教育
start = 2023-04-01
end = 2024-01-31
category.theory = 理论学习不到位
category.policy = 贯彻决策部署不到位
category.development = 推动高质量发展不到位
category.people = 为民造福不到位
category.party_spirit = 党性修养不到位
category.discipline = 从严治党责任不到位
problem_delete = free
"""

TOWNSHIPS = ["大罗镇", "平顺街道", "巨宝山乡", "新华镇", "永安镇", "石门乡", "红旗镇", "东升街道",
             "西城街道", "北关街道", "南山镇", "太平乡", "兴隆镇", "柳河镇", "三合乡", "富民镇",
             "长岭镇", "青山乡", "白泉镇", "金沙镇", "双河镇", "龙泉街道", "安乐乡", "和平镇",
             "庆柳社管委"]
DEPARTMENTS = ["发改局", "农业农村局", "卫健局", "税务局", "市场局", "自然资源局", "生态局",
               "城管局", "公安局", "工信局", "人社局", "营商局", "教育局", "财政局", "民政局",
               "司法局", "住建局", "交通局", "水务局", "文旅局", "商务局", "应急局", "统计局",
               "审计局", "林草局", "医保局", "退役军人事务局", "信访局", "县委办", "政府办",
               "组织部", "宣传部", "统战部", "政法委", "纪委监委", "编办", "总工会", "团县委",
               "妇联", "科协", "档案局", "融媒体中心", "开发区", "党校", "供销社", "气象局",
               "人大办", "政协办", "机关工委", "残联"]

TOPICS = ["习近平总书记重要讲话精神", "党的二十大精神", "解放思想、振兴发展", "能力作风建设",
          "“四个体系”工作机制", "营商环境优化", "乡村振兴", "安全生产", "“十破十立”",
          "“五个聚焦”", "民生保障", "项目建设", "基层治理"]
ACT_FORMS = ["专题学习会", "研讨交流会", "宣讲活动", "专题辅导报告", "读书班", "调研",
             "主题党日", "业务培训", "信息报送", "心得交流", "谈心谈话", "督导检查"]
PROBLEMS = ["学习不够深入，存在“重业务轻学习”现象", "对县情认识不清、把握不透",
            "运用新理念谋划工作的自觉不够高", "贯彻上级部署不及时、不深入",
            "为民服务意识不强", "开拓创新的危机感紧迫感不强", "工作推进措施不足",
            "查摆问题不够深入，“画像”精准度不足", "宣讲力度不够，没有形成\"点对点\"模式",
            "部门间配合不力", "整改走过场，被动应付", "调查研究不够深入"]


def today_of(args):
    if os.environ.get("HUIBAO_TODAY"):
        return datetime.date.fromisoformat(os.environ["HUIBAO_TODAY"])
    return datetime.date.fromisoformat(args.today)


def make_units(rng, n):
    """[(code, name, type)]: one county unit, about a third townships, the rest departments."""
    units = [("xw", "县委理论学习中心组", "county")]
    nt = round((n - 1) / 3)
    nd = n - 1 - nt
    for i in range(nt):
        nm = TOWNSHIPS[i % len(TOWNSHIPS)] + ("" if i < len(TOWNSHIPS) else str(i // len(TOWNSHIPS) + 1))
        units.append((f"t{i + 1:02d}", nm, "township"))
    for i in range(nd):
        nm = DEPARTMENTS[i % len(DEPARTMENTS)] + ("" if i < len(DEPARTMENTS) else str(i // len(DEPARTMENTS) + 1))
        units.append((f"d{i + 1:02d}", nm, "department"))
    return units


def rand_date(rng, lo, hi):
    return lo + datetime.timedelta(days=rng.randint(0, (hi - lo).days))


def active_campaigns(camps, today_):
    return [c for c in camps.items if c["start"] <= today_]


def window(camp, today_):
    return camp["start"], min(camp["end"], today_)


def title(rng, kind_zh):
    t = rng.choice(TOPICS) + rng.choice(ACT_FORMS)
    r = rng.random()
    if r < 0.1:
        t += "，第" + str(rng.randint(1, 9)) + "期"
    elif r < 0.15:
        t = "围绕\"" + rng.choice(TOPICS) + "\"开展" + kind_zh
    elif r < 0.2:
        t += "\n（补录）"
    elif r < 0.25:
        t += ",线上线下结合"
    return t


def new_activity(rng, rid, utype, camp, today_):
    lo, hi = window(camp, today_)
    weights = [30, 20, 6, 6, 3, 6, 8, 5, 5, 8, 3, 2]
    kind = rng.choices([k for k, _ in hl.KINDS], weights)[0]
    level = "unit" if utype == "county" or rng.random() < 0.6 else "branch"
    return {"id": rid, "campaign": camp["id"], "date": rand_date(rng, lo, hi), "kind": kind,
            "level": level, "sessions": rng.choices([1, 1, 1, 2, 3, 5])[0],
            "participants": rng.randint(0, 400), "outputs": rng.randint(0, 12),
            "title": title(rng, hl.ZH[kind])}


def new_problem(rng, rid, camp, today_):
    lo, hi = window(camp, today_)
    ident = rand_date(rng, lo, hi)
    status = rng.choices(["identified", "rectifying", "resolved"], [2, 3, 5])[0]
    deadline = ident + datetime.timedelta(days=rng.randint(10, 400)) if rng.random() < 0.8 else None
    resolved_on = rand_date(rng, ident, today_) if status == "resolved" else None
    desc = rng.choice(PROBLEMS)
    if rng.random() < 0.08:
        desc += "\n已列入整改清单"
    return {"id": rid, "campaign": camp["id"], "identified_on": ident,
            "scope": "individual" if rng.random() < 0.58 else "team",
            "category": rng.choice(camp["categories"])[0], "status": status,
            "measures": rng.randint(0, 4), "deadline": deadline, "resolved_on": resolved_on,
            "description": desc}


class Style:
    """How one file is written: kept across mutations."""

    def __init__(self, encoding="utf-8", zh_header=False, zh_values=False, columns=None,
                 crlf=True, date_style="iso"):
        self.encoding, self.zh_header, self.zh_values = encoding, zh_header, zh_values
        self.columns, self.crlf, self.date_style = columns, crlf, date_style

    @staticmethod
    def random(rng, args, cols):
        r = rng.random()
        enc = "gbk" if r < args.gbk else ("utf-8-sig" if r < args.gbk + args.bom else "utf-8")
        order = [c for c, _ in cols]
        if rng.random() < args.shuffle:
            rng.shuffle(order)
        zv = rng.random() < args.zh_values
        ds = "iso"
        if zv and rng.random() < 0.5:
            ds = rng.choice(["slash", "zh"])
        return Style(enc, rng.random() < args.zh_header, zv, order, rng.random() < 0.6, ds)


def fmt_date(d, style):
    if d is None:
        return ""
    if style == "slash":
        return f"{d.year}/{d.month}/{d.day}"
    if style == "zh":
        return f"{d.year}年{d.month}月{d.day}日"
    return d.isoformat()


def render(row, style, camps, rng):
    """The cells of a canonical row as this file writes them, {english column: text}."""
    out = {}
    for k, v in row.items():
        if k.startswith("_"):
            continue
        if isinstance(v, datetime.date) or v is None:
            out[k] = fmt_date(v, style.date_style)
        elif k in ("kind", "level", "scope", "status"):
            out[k] = hl.ZH[v] if style.zh_values else v
        elif k == "category" and style.zh_values:
            camp = next(c for c in camps.items if c["id"] == row["campaign"])
            out[k] = dict(camp["categories"])[v]
        else:
            out[k] = str(v)
    # defaults left blank now and then, as clerks do
    if rng is not None:
        if row.get("level") == "unit" and rng.random() < 0.1:
            out["level"] = ""
        if row.get("sessions") == 1 and rng.random() < 0.1:
            out["sessions"] = ""
        if row.get("measures") == 0 and rng.random() < 0.3:
            out["measures"] = ""
    return out


def header_of(style, cols):
    zh = dict(cols)
    return [zh[c] if style.zh_header else c for c in style.columns]


def serialize(header, rows_cells, style):
    """(bytes, [start line of each row])."""
    nl = "\r\n" if style.crlf else "\n"
    buf = io.StringIO()
    lines = []
    line = 1
    for i, cells in enumerate([header] + rows_cells):
        s = io.StringIO()
        csv.writer(s, lineterminator=nl, quoting=csv.QUOTE_MINIMAL).writerow(cells)
        txt = s.getvalue()
        if i > 0:
            lines.append(line)
        line += txt.count("\n")
        buf.write(txt)
    return buf.getvalue().encode(style.encoding), lines


def write_csv(path, header, rows_cells, style):
    data, lines = serialize(header, rows_cells, style)
    with open(path, "wb") as f:
        f.write(data)
    return lines


def generate(args):
    rng = random.Random(args.seed)
    today_ = today_of(args)
    os.makedirs(args.out, exist_ok=True)
    units = make_units(rng, args.units)
    with open(os.path.join(args.out, "units.csv"), "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["code", "name", "type"])
        w.writerows(units)
    with open(os.path.join(args.out, "campaigns.ini"), "w", encoding="utf-8") as f:
        f.write(CAMPAIGNS_INI)
    camps = hl.Campaigns(os.path.join(args.out, "campaigns.ini"))
    active = active_campaigns(camps, today_)
    bad_plan = sorted(rng.sample(range(len(units) * 2), min(args.bad, len(units) * 2))) if args.bad else []
    bad_out = []
    for ui, (code, _, utype) in enumerate(units):
        d = os.path.join(args.out, "ledgers", code)
        os.makedirs(d, exist_ok=True)
        # a unit with nothing to report yet keeps ledgers with a header only
        silent = rng.random() < args.silent and not any(s // 2 == ui for s in bad_plan)
        for is_p in (False, True):
            cols = hl.PROB_COLS if is_p else hl.ACT_COLS
            style = Style.random(rng, args, cols)
            prefix = ("WT" if is_p else "HD") if style.zh_values else ("P" if is_p else "A")
            n = 0 if silent else max(1, int(args.rows * rng.uniform(0.5, 1.5)))
            rows = []
            for i in range(n):
                camp = rng.choice(active)
                rid = f"{prefix}{i + 1:04d}"
                rows.append(new_problem(rng, rid, camp, today_) if is_p
                            else new_activity(rng, rid, utype, camp, today_))
            cells = []
            for r in rows:
                c = render(r, style, camps, rng)
                cells.append([c[k] for k in style.columns])
            nbad = bad_plan.count(ui * 2 + int(is_p))
            bad_rows = []
            for j in range(nbad):
                camp = rng.choice(active)
                rid = f"{prefix}9{j:03d}"
                r = new_problem(rng, rid, camp, today_) if is_p else new_activity(rng, rid, utype, camp, today_)
                c = render(r, style, camps, None)
                col, val, why = corrupt(rng, is_p, r, today_)
                c[col] = val
                pos = rng.randint(0, len(cells))
                cells.insert(pos, [c[k] for k in style.columns])
                # rows recorded earlier at or after pos move down by one
                bad_rows = [(p + 1 if p >= pos else p, cc, vv, ww) for p, cc, vv, ww in bad_rows]
                bad_rows.append((pos, col, val, why))
            fname = "problems.csv" if is_p else "activities.csv"
            lines = write_csv(os.path.join(d, fname), header_of(style, cols), cells, style)
            zh = dict(cols)
            for pos, col, val, why in bad_rows:
                bad_out.append({"unit": code, "file": fname, "line": lines[pos],
                                "column": zh[col] if style.zh_header else col,
                                "field": col, "value": val, "expected": why})
    if args.bad:
        bad_out.sort(key=lambda b: (b["unit"], b["file"], b["line"]))
        with open(os.path.join(args.out, "bad.json"), "w", encoding="utf-8") as f:
            json.dump(bad_out, f, ensure_ascii=False, indent=1)


def corrupt(rng, is_p, row, today_):
    """(column, bad text, expected reason) that makes a row invalid in exactly that
    column. The reason is the English part every message must contain."""
    future = (today_ + datetime.timedelta(days=rng.randint(3, 60))).isoformat()
    if is_p:
        choices = [("identified_on", "2022-02-30", "not a date"), ("scope", "全体", "unknown scope"),
                   ("status", "完成了", "unknown status"), ("measures", "三项", "not a whole number"),
                   ("identified_on", future, "in the future")]
    else:
        choices = [("date", "2022-13-01", "not a date"), ("kind", "跳舞", "unknown kind"),
                   ("participants", "12x", "not a whole number"), ("level", "省级", "unknown level"),
                   ("date", future, "in the future")]
    return rng.choice(choices)


def detect_style(info, cols, rows_cells, idx):
    """The Style of an existing file, from its header and cells."""
    st = Style(info["encoding"] if info["encoding"] != "gbk" else "gbk")
    st.crlf = info["crlf"]
    hdr = info["header"]
    zh_names = {zh for _, zh in cols}
    st.zh_header = any(h.strip() in zh_names for h in hdr)
    order = []
    for h in hdr:
        t = h.strip().lower()
        for en, zh in cols:
            if t in (en, zh):
                order.append(en)
    st.columns = order
    enum_col = "status" if "status" in idx else "kind"
    zh_vals = {zh for tbl in (hl.KINDS, hl.STATUSES) for _, zh in tbl}
    st.zh_values = any(idx.get(enum_col) is not None and idx[enum_col] < len(c) and
                       c[idx[enum_col]].strip() in zh_vals for c in rows_cells)
    date_col = idx.get("identified_on", idx.get("date"))
    st.date_style = "iso"
    for c in rows_cells:
        if date_col is not None and date_col < len(c):
            v = c[date_col]
            st.date_style = "zh" if "年" in v else ("slash" if "/" in v else "iso")
            break
    return st


def mutate(args):
    rng = random.Random(args.seed * 7919 + args.mutate)
    today_ = today_of(args)
    camps = hl.Campaigns(os.path.join(args.out, "campaigns.ini"))
    active = active_campaigns(camps, today_)
    units = hl.load_units(os.path.join(args.out, "units.csv"))
    stats = {"advanced": 0, "edited": 0, "deleted": 0, "added": 0}
    for code, _, utype in units:
        if rng.random() > args.touch:
            continue
        d = os.path.join(args.out, "ledgers", code)
        os.makedirs(d, exist_ok=True)
        for is_p in (False, True):
            cols = hl.PROB_COLS if is_p else hl.ACT_COLS
            fname = "problems.csv" if is_p else "activities.csv"
            path = os.path.join(d, fname)
            t = hl.read_table(path)
            if t is None:
                style = Style("utf-8", False, False, [c for c, _ in cols], True)
                hdr_cells, rows = header_of(style, cols), []
            else:
                hdr_cells, rows, info = t
                info["header"] = hdr_cells
                idx, _ = hl.map_header(hdr_cells, cols)
                style = detect_style(info, cols, [c for _, c in rows], idx)
            idx, _ = hl.map_header(hdr_cells, cols)
            out_cells = []
            ids = []
            for _, cells in rows:
                cells = list(cells) + [""] * (len(hdr_cells) - len(cells))
                get = lambda k, cells=cells: cells[idx[k]] if k in idx else ""
                parsed = (hl.parse_problem if is_p else hl.parse_activity)(get, camps, today_)
                if isinstance(parsed, dict):
                    ids.append(parsed["id"])
                    if rng.random() < args.delete:
                        stats["deleted"] += 1
                        continue
                    changed = edit_row(rng, is_p, parsed, today_)
                    if changed:
                        stats[changed] += 1
                        c = render(parsed, style, camps, None)
                        # keep untouched cells as the clerk wrote them
                        for k in ("status", "resolved_on", "measures", "participants", "sessions"):
                            if k in idx and k in c:
                                old = get(k)
                                if k in parsed and _same(k, old, parsed, camps, today_):
                                    continue
                                cells[idx[k]] = c[k]
                out_cells.append(cells)
            # the file's base letters ("HD" of "HD0001"), not the last id: ids
            # added in earlier rounds ("HD5x001") must not grow round by round
            prefix = (re.match(r"\D*", ids[0]).group(0) if ids else "") or ("P" if is_p else "A")
            for j in range(rng.choice([0, 0, 1, 2, 3])):
                camp = rng.choice(active)
                rid = f"{prefix}{args.mutate}x{j:03d}"
                r = new_problem(rng, rid, camp, today_) if is_p else new_activity(rng, rid, utype, camp, today_)
                c = render(r, style, camps, rng)
                out_cells.append([c.get(hl_col(k, cols), "") for k in hdr_cells])
                stats["added"] += 1
            write_csv(path, hdr_cells, out_cells, style)
    print(json.dumps(stats), file=sys.stderr)


def hl_col(header_text, cols):
    t = header_text.strip().lower()
    for en, zh in cols:
        if t in (en, zh):
            return en
    return None


def _same(k, old, parsed, camps, today_):
    """True when the old cell already means parsed[k]."""
    v = parsed[k]
    if k == "status":
        return hl.lookup(hl.STATUSES, old) == v
    if k == "resolved_on":
        return (hl.parse_date(old) if old.strip() else None) == v
    try:
        return int(old.strip() or ("1" if k == "sessions" else "0")) == v
    except ValueError:
        return False


def edit_row(rng, is_p, r, today_):
    """Moves a parsed row on in place; returns the stats key or None."""
    x = rng.random()
    if is_p:
        if x < args_g.advance:
            if r["status"] == "identified":
                r["status"] = "rectifying"
                return "advanced"
            if r["status"] == "rectifying":
                r["status"] = "resolved"
                r["resolved_on"] = rand_date(rng, r["identified_on"], today_)
                return "advanced"
        elif x < args_g.advance + args_g.edit:
            r["measures"] = (r["measures"] + rng.randint(1, 3)) % (hl.MEASURES_MAX + 1)
            return "edited"
    else:
        if x < args_g.edit:
            r["participants"] = r["participants"] + rng.randint(1, 50)
            if rng.random() < 0.5:
                r["sessions"] = r["sessions"] + 1
            return "edited"
    return None


args_g = None


def main():
    global args_g
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--units", type=int, default=60)
    ap.add_argument("--rows", type=int, default=25, help="rows per file and unit (average)")
    ap.add_argument("--gbk", type=float, default=0.3)
    ap.add_argument("--bom", type=float, default=0.2)
    ap.add_argument("--zh-header", type=float, default=0.5)
    ap.add_argument("--zh-values", type=float, default=0.5)
    ap.add_argument("--shuffle", type=float, default=0.5)
    ap.add_argument("--silent", type=float, default=0.05, help="share of units with no ledger")
    ap.add_argument("--bad", type=int, default=0)
    ap.add_argument("--today", default="2023-12-31")
    ap.add_argument("--mutate", type=int, metavar="ROUND")
    ap.add_argument("--touch", type=float, default=0.6, help="mutate: share of units edited")
    ap.add_argument("--advance", type=float, default=0.2)
    ap.add_argument("--edit", type=float, default=0.08)
    ap.add_argument("--delete", type=float, default=0.04)
    args_g = ap.parse_args()
    if args_g.units < 1 or args_g.units > 100000:
        ap.error("--units out of range")
    if args_g.mutate is not None:
        mutate(args_g)
    else:
        generate(args_g)
    return 0


if __name__ == "__main__":
    sys.exit(main())
