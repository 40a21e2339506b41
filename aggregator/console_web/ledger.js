// ledger.js: the 台账 (problem list, cases, activities) as a filterable,
// sortable table, the same in the county's console and the city's
// dashboard (issue 15; docs/console.md, docs/dashboard.md). Rows come from
// GET /api/list (lib/hb_http_list.h; keys in docs/lists.md); the export is
// of what is shown (the same filters and text search, in the list's order:
// county, unit, id) as CSV or as the 整改台账 .xlsx.
// The page's <table id="ledger"> says what it may do: data-history="1"
// (a row opens /history.html, the county's console), data-county="1" (a
// county column, the city).
"use strict";
(function () {
  const KIND = { problems: "P", cases: "C", activities: "A" };
  // label, keys tried in order (the first present is shown)
  const COLS = {
    problems: [
      ["单位", ["unit_name", "unit"]], ["编号", ["id"]], ["类别", ["category_name", "category"]],
      ["问题", ["description"]], ["责任人", ["owner"]], ["整改措施", ["measures_text"]],
      ["整改时限", ["deadline"]], ["状态", ["status_zh", "status"]],
      ["审核", ["review_zh", "review"]], ["销号日期", ["resolved_on"]],
      ["逾期天数", ["days_overdue"]], ["最后变更", ["stored"]]],
    cases: [
      ["单位", ["unit_name", "unit"]], ["编号", ["id"]], ["类型", ["type_zh", "type"]],
      ["标题", ["title"]], ["内容", ["summary"]], ["日期", ["date"]]],
    activities: [
      ["单位", ["unit_name", "unit"]], ["编号", ["id"]], ["日期", ["date"]],
      ["类型", ["type_zh", "type"]], ["层级", ["level_zh", "level"]], ["主题", ["title"]],
      ["场次", ["sessions"]], ["人次", ["participants"]], ["成果", ["outputs"]],
      ["审核", ["review_zh", "review"]]],
  };
  const COUNTY = ["县（区）", ["county_name", "county"]];
  let rows = [], shown = [], sortCol = -1, sortDesc = false;

  function $(id) { return document.getElementById(id); }
  function table() { return $("ledger"); }
  function what() { return $("l-what").value; }
  function cols() {
    const c = COLS[what()].slice();
    if (table().dataset.county === "1") c.unshift(COUNTY);
    return c;
  }
  function val(row, keys) {
    for (const k of keys) if (row[k] !== undefined && row[k] !== null) return row[k];
    return "";
  }
  function text(v) {
    if (v === true) return "是";
    if (v === false) return "否";
    return String(v);
  }
  function overdue(row) { return row.overdue === true || Number(row.days_overdue) > 0; }
  function note(t, kind) {
    const m = $("l-message");
    m.textContent = t;
    m.className = "message" + (kind ? " " + kind : "");
    m.hidden = !t;
  }

  function query() {
    const q = new URLSearchParams();
    q.set("what", what());
    for (const k of ["county", "campaign", "unit", "category", "status", "period", "q"]) {
      if (!$("l-" + k)) continue; // county: the city's page only
      const v = $("l-" + k).value.trim();
      if (v) q.set(k, v);
    }
    if ($("l-overdue").checked) q.set("overdue", "1");
    return q;
  }

  async function load() {
    const q = query();
    history.replaceState(null, "", "?" + q.toString());
    note("", "");
    try {
      const r = await fetch("/api/list?" + q.toString(), { credentials: "same-origin" });
      if (r.status === 401) { location.href = "/login"; return; }
      const doc = await r.json();
      if (!r.ok) throw new Error(doc.error || "HTTP " + r.status);
      if (doc.available === false) {
        rows = [];
        note(doc.message || "本级未保存明细（需 --detail）", "");
      } else {
        rows = doc.rows || [];
      }
      $("l-today").textContent = doc.today || "";
      draw();
    } catch (e) {
      note("读取台账失败：" + e.message, "error");
    }
  }

  function cmp(a, b) {
    if (typeof a === "number" && typeof b === "number") return a - b;
    return String(a).localeCompare(String(b), "zh-CN");
  }

  function draw() {
    const c = cols(), t = table();
    shown = rows.slice();
    if (sortCol >= 0 && sortCol < c.length) {
      const keys = c[sortCol][1];
      shown.sort((x, y) => (sortDesc ? -1 : 1) * cmp(val(x, keys), val(y, keys)));
    }
    t.textContent = "";
    const head = t.createTHead().insertRow();
    c.forEach((col, i) => {
      const th = document.createElement("th");
      th.textContent = col[0] + (i === sortCol ? (sortDesc ? " ▼" : " ▲") : "");
      th.addEventListener("click", () => {
        sortDesc = i === sortCol ? !sortDesc : false;
        sortCol = i;
        draw();
      });
      head.appendChild(th);
    });
    const body = t.createTBody();
    for (const row of shown) {
      const tr = body.insertRow();
      tr.dataset.unit = row.unit || "";
      tr.dataset.id = row.id || "";
      if (overdue(row)) tr.className = "overdue";
      for (const col of c) tr.insertCell().textContent = text(val(row, col[1]));
      if (t.dataset.history === "1") {
        tr.classList.add("link");
        tr.addEventListener("click", () => {
          const q = new URLSearchParams({ unit: row.unit, kind: KIND[what()], id: row.id });
          location.href = "/history.html?" + q.toString();
        });
      }
    }
    $("l-count").textContent = String(shown.length);
  }

  // The export: the same query (filters and text search) as a download,
  // written by the lists' own writers (CSV with a BOM; the 整改台账 .xlsx).
  function exportAs(format) {
    const q = query();
    q.set("format", format);
    const a = document.createElement("a");
    a.href = "/api/list?" + q.toString();
    a.download = "";
    document.body.appendChild(a);
    a.click();
    a.remove();
  }

  function start() {
    const q = new URLSearchParams(location.search);
    for (const k of ["what", "county", "campaign", "unit", "category", "status", "period", "q"])
      if (q.get(k) && $("l-" + k)) $("l-" + k).value = q.get(k);
    $("l-overdue").checked = q.get("overdue") === "1";
    $("l-form").addEventListener("submit", (e) => { e.preventDefault(); sortCol = -1; load(); });
    $("l-what").addEventListener("change", () => { sortCol = -1; load(); });
    $("l-csv").addEventListener("click", () => exportAs("csv"));
    $("l-xlsx").addEventListener("click", () => exportAs("xlsx"));
    load();
  }
  document.addEventListener("DOMContentLoaded", start);
})();
