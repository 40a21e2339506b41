"""Ledger vocabulary, decoding and row rules, written independently of the C code.

Shared by gen_ledgers.py (which writes ledgers) and count.py (which counts
them). Python 3.11 standard library only.
"""
import csv
import datetime
import io
import os
import re

KINDS = [  # (English code, Chinese name), in proto enum order 1..12
    ("study", "集中学习"), ("seminar", "专题研讨"), ("lecture", "宣讲"),
    ("tutorial", "专题辅导"), ("reading_class", "读书班"), ("research", "调查研究"),
    ("party_day", "主题党日"), ("training", "培训"), ("publicity", "宣传报道"),
    ("essay", "心得体会"), ("talk", "谈心谈话"), ("inspection", "督导检查"),
]
LEVELS = [("unit", "本级"), ("branch", "基层组织")]
SCOPES = [("individual", "个人"), ("team", "班子")]
STATUSES = [("identified", "已查摆"), ("rectifying", "整改中"), ("resolved", "已整改")]
UNIT_TYPES = {"county": "county", "县": "county", "township": "township", "乡镇": "township",
              "街道": "township", "department": "department", "部门": "department"}

ACT_COLS = [("id", "编号"), ("campaign", "专项"), ("date", "日期"), ("kind", "类型"),
            ("level", "层级"), ("sessions", "次数"), ("participants", "参加人次"),
            ("outputs", "成果数"), ("title", "主题")]
PROB_COLS = [("id", "编号"), ("campaign", "专项"), ("identified_on", "查摆日期"),
             ("scope", "范围"), ("category", "类别"), ("status", "状态"),
             ("measures", "整改措施数"), ("deadline", "整改时限"),
             ("resolved_on", "销号日期"), ("description", "问题描述")]
UNIT_COLS = [("code", "编码"), ("name", "名称"), ("type", "类型")]

ZH = {}
for _tbl in (KINDS, LEVELS, SCOPES, STATUSES):
    for _en, _zh in _tbl:
        ZH[_en] = _zh

ID_MAX = 64
TITLE_MAX = 512
SESSIONS_MAX = 100000
PARTICIPANTS_MAX = 10000000
OUTPUTS_MAX = 1000000
MEASURES_MAX = 1000
DATE_MIN = datetime.date(2000, 1, 1)


def lookup(table, s):
    """English code for s (English code or Chinese name, blanks/case ignored), or None."""
    t = s.strip().lower()
    for en, zh in table:
        if t == en or t == zh:
            return en
    return None


def today():
    """HUIBAO_TODAY, else the local date."""
    s = os.environ.get("HUIBAO_TODAY")
    if s:
        return datetime.date.fromisoformat(s)
    return datetime.date.today()


_DATE_RES = [re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$"),
             re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$"),
             re.compile(r"^(\d{4})\.(\d{1,2})\.(\d{1,2})$"),
             re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日$")]


def parse_date(s):
    """datetime.date for the accepted date spellings, or None."""
    s = s.strip()
    for rx in _DATE_RES:
        m = rx.match(s)
        if m:
            try:
                return datetime.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            except ValueError:
                return None
    return None


def decode(data):
    """(text, encoding) for a file's bytes: utf-8-sig, utf-8, else gbk."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8"), "utf-8-sig"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return data.decode("gb18030"), "gbk"


def read_table(path):
    """Reads a CSV file. Returns (header_cells, rows, info) where rows is a list of
    (line, cells) and info holds encoding and line terminator. Missing file -> None."""
    if not os.path.exists(path):
        return None
    with open(path, "rb") as f:
        data = f.read()
    text, enc = decode(data)
    crlf = "\r\n" in text
    rows = []
    line = 1
    header = None
    # csv.reader tracks physical lines in line_num (lines consumed so far).
    rd = csv.reader(io.StringIO(text, newline=""))
    prev = 0
    for cells in rd:
        start = prev + 1
        prev = rd.line_num
        if header is None:
            header = cells
            continue
        if not cells or all(c.strip() == "" for c in cells):
            continue
        rows.append((start, cells))
    del line
    return header or [], rows, {"encoding": enc, "crlf": crlf}


def map_header(header, cols):
    """{english column: index} and {english column: header text as written}."""
    idx, names = {}, {}
    for i, h in enumerate(header):
        t = h.strip().lower()
        for en, zh in cols:
            if t == en or t == zh:
                idx[en] = i
                names[en] = h.strip()
    return idx, names


def _int(s, default, lo, hi):
    s = s.strip()
    if s == "":
        return default
    if not re.fullmatch(r"\d+", s):
        return None
    v = int(s)
    if v < lo or v > hi:
        return None
    return v


def _text_ok(s, limit):
    return len(s.encode("utf-8")) <= limit and "\0" not in s


class Campaigns:
    """The county's campaigns.ini, parsed with its own small INI reader."""

    def __init__(self, path):
        self.items = []  # dicts: id, name, start, end, categories [(code, name)]
        cur = None
        with open(path, encoding="utf-8-sig") as f:
            for raw in f:
                s = raw.strip()
                if not s or s[0] in ";#":
                    continue
                if s.startswith("[") and s.endswith("]"):
                    cur = {"id": s[1:-1].strip(), "categories": []}
                    self.items.append(cur)
                    continue
                k, _, v = s.partition("=")
                k, v = k.strip(), v.strip()
                if k.startswith("category."):
                    cur["categories"].append((k[len("category."):], v))
                elif k in ("start", "end"):
                    cur[k] = datetime.date.fromisoformat(v)
                else:
                    cur[k] = v

    def find(self, s):
        s = s.strip()
        for c in self.items:
            if c["id"] == s or c.get("name") == s:
                return c
        return None


def category_code(camp, s):
    s = s.strip()
    for code, name in camp["categories"]:
        if s == code or s == name:
            return code
    return None


def load_units(path):
    """[(code, name, type)] in file order."""
    hdr, rows, _ = read_table(path)
    idx, _ = map_header(hdr, UNIT_COLS)
    out = []
    for _, cells in rows:
        get = lambda k: cells[idx[k]].strip() if idx.get(k) is not None and idx[k] < len(cells) else ""
        out.append((get("code"), get("name"), UNIT_TYPES[get("type").lower()]))
    return out


def parse_activity(get, campaigns, today_):
    """Canonical activity dict, or (column, reason) for the first problem found.
    get(col) returns the cell text ('' when absent)."""
    r = {}
    rid = get("id").strip()
    if rid == "" or not _text_ok(rid, ID_MAX):
        return ("id", "bad id")
    r["id"] = rid
    camp = campaigns.find(get("campaign")) if campaigns else None
    if campaigns and camp is None:
        return ("campaign", "unknown campaign")
    r["campaign"] = camp["id"] if camp else get("campaign").strip()
    d = parse_date(get("date"))
    if d is None or d < DATE_MIN:
        return ("date", "not a date")
    if d > today_:
        return ("date", "in the future")
    r["date"] = d
    k = lookup(KINDS, get("kind"))
    if k is None:
        return ("kind", "unknown kind")
    r["kind"] = k
    lv = get("level")
    r["level"] = "unit" if lv.strip() == "" else lookup(LEVELS, lv)
    if r["level"] is None:
        return ("level", "unknown level")
    for col, dflt, hi in (("sessions", 1, SESSIONS_MAX), ("participants", 0, PARTICIPANTS_MAX),
                          ("outputs", 0, OUTPUTS_MAX)):
        v = _int(get(col), dflt, 0, hi)
        if v is None:
            return (col, "bad number")
        r[col] = v
    t = get("title")
    if not _text_ok(t, TITLE_MAX):
        return ("title", "too long")
    r["title"] = t
    return r


def parse_problem(get, campaigns, today_):
    r = {}
    rid = get("id").strip()
    if rid == "" or not _text_ok(rid, ID_MAX):
        return ("id", "bad id")
    r["id"] = rid
    camp = campaigns.find(get("campaign")) if campaigns else None
    if campaigns and camp is None:
        return ("campaign", "unknown campaign")
    r["campaign"] = camp["id"] if camp else get("campaign").strip()
    d = parse_date(get("identified_on"))
    if d is None or d < DATE_MIN:
        return ("identified_on", "not a date")
    if d > today_:
        return ("identified_on", "in the future")
    r["identified_on"] = d
    s = lookup(SCOPES, get("scope"))
    if s is None:
        return ("scope", "unknown scope")
    r["scope"] = s
    if camp:
        c = category_code(camp, get("category"))
        if c is None:
            return ("category", "unknown category")
        r["category"] = c
    else:
        r["category"] = get("category").strip()
    st = lookup(STATUSES, get("status"))
    if st is None:
        return ("status", "unknown status")
    r["status"] = st
    m = _int(get("measures"), 0, 0, MEASURES_MAX)
    if m is None:
        return ("measures", "bad number")
    r["measures"] = m
    dl = get("deadline").strip()
    if dl:
        dd = parse_date(dl)
        if dd is None or dd < DATE_MIN:
            return ("deadline", "not a date")
        r["deadline"] = dd
    else:
        r["deadline"] = None
    ro = get("resolved_on").strip()
    if st == "resolved":
        if not ro:
            return ("resolved_on", "required when resolved")
        rd = parse_date(ro)
        if rd is None or rd < DATE_MIN:
            return ("resolved_on", "not a date")
        if rd > today_:
            return ("resolved_on", "in the future")
        if rd < d:
            return ("resolved_on", "before identified_on")
        r["resolved_on"] = rd
    else:
        if ro:
            return ("resolved_on", "only when resolved")
        r["resolved_on"] = None
    desc = get("description")
    if not _text_ok(desc, TITLE_MAX):
        return ("description", "too long")
    r["description"] = desc
    return r


def load_ledger_file(path, is_problems, campaigns, today_):
    """(valid rows, invalid [(line, column, reason)], table info) for one CSV file.
    A repeated id makes the later row invalid."""
    t = read_table(path)
    if t is None:
        return [], [], None
    hdr, rows, info = t
    cols = PROB_COLS if is_problems else ACT_COLS
    idx, names = map_header(hdr, cols)
    info["header"] = hdr
    info["names"] = names
    good, bad, seen = [], [], set()
    for line, cells in rows:
        def get(k, cells=cells):
            i = idx.get(k)
            return cells[i] if i is not None and i < len(cells) else ""
        r = (parse_problem if is_problems else parse_activity)(get, campaigns, today_)
        if isinstance(r, tuple):
            bad.append((line, r[0], r[1]))
            continue
        if r["id"] in seen:
            bad.append((line, "id", "duplicate id"))
            continue
        seen.add(r["id"])
        r["_line"] = line
        good.append(r)
    return good, bad, info
