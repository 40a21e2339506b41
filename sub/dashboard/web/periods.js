/* periods.js: the reporting periods of a campaign with a cycle (issue 13,
 * docs/periods.md, docs/dashboard.md "按期报送情况"): a period selector with
 * the chosen period's counts and its late and missing units by name; a units
 * x periods grid coloured by state (已报送 / 无新增 / 迟报 / 未报 / 未到期),
 * units with the most late or missing periods first, so that a city sees
 * who is always late; and a trend chart of the per-period figures. Drawn
 * from the campaign's rollup JSON (periods, period_current,
 * period_last_closed) with app.js's helpers (window.hbDash); app.js calls
 * window.hbPeriods.render(campaign) on every redraw. A campaign without a
 * cycle: the section stays hidden. Text from the network only goes into
 * textContent and SVG text nodes. */
"use strict";

(function () {
  const STATES = {
    reported: { zh: "已报送", mark: "✓" },
    nil: { zh: "无新增", mark: "无" },
    late: { zh: "迟报", mark: "迟" },
    missing: { zh: "未报", mark: "未" },
    pending: { zh: "未到期", mark: "" },
  };
  const ORDER = ["reported", "nil", "late", "missing", "pending"];
  const chosen = {}; /* campaign -> the period id the user picked */

  const $ = (id) => document.getElementById(id);

  function defaultPeriod(c) {
    const ids = c.periods.map((p) => p.id);
    for (const id of [c.period_last_closed, c.period_current])
      if (id && ids.includes(id)) return id;
    return ids[ids.length - 1];
  }

  const WEEKDAYS = "一二三四五六日";

  /* "weekly,5,18:00" -> "每周五 18:00"; "monthly,25,18:00" -> "每月25日 18:00" */
  function cycleZh(cycle) {
    const m = /^(weekly|monthly),\s*(\d+),\s*(\d\d:\d\d)$/.exec(cycle || "");
    if (!m) return cycle || "";
    return m[1] === "weekly" ? `每周${WEEKDAYS[Number(m[2]) - 1] || m[2]} ${m[3]}`
      : `每月${m[2]}日 ${m[3]}`;
  }

  function mmdd(id) {
    return String(id).slice(5);
  }

  /* the expected units of the campaign, in the rollup's order, each with
   * its state per period and its late / missing tallies */
  function unitRows(c) {
    const inAny = new Set();
    for (const p of c.periods) for (const code of Object.keys(p.units || {})) inAny.add(code);
    const rows = [];
    (c.units || []).forEach((u, i) => {
      if (!inAny.has(u.code)) return;
      const st = c.periods.map((p) => (p.units || {})[u.code] || "pending");
      rows.push({
        u, i, st,
        late: st.filter((x) => x === "late").length,
        missing: st.filter((x) => x === "missing").length,
      });
    });
    return rows.sort((a, b) => b.late + b.missing - (a.late + a.missing) || a.i - b.i);
  }

  function renderSelect(c, id) {
    const { el } = window.hbDash;
    const sel = $("period-select");
    sel.textContent = "";
    c.periods.forEach((p, i) => {
      const tag = p.id === c.period_current ? "（本期）" : p.id === c.period_last_closed ? "（上期）" : "";
      sel.append(el("option", { value: p.id, selected: p.id === id,
        text: `第${i + 1}期 ${p.start} 至 ${p.end}${tag}` }));
    });
    sel.value = id;
    sel.onchange = () => {
      chosen[c.campaign] = sel.value;
      render(c);
    };
  }

  function renderSummary(c, p, n) {
    const { el } = window.hbDash;
    const host = $("period-summary");
    host.textContent = "";
    const counts = p.counts || {};
    host.append(el("div", { class: "period-head", "data-testid": "period-head",
      text: `第${n}期（${p.start} 至 ${p.end}），报送截止 ${p.due}` }));
    const line = el("div", { class: "period-counts" });
    for (const k of ORDER)
      line.append(el("span", { class: `pchip ps-${k}`, "data-testid": `period-count-${k}`,
        "data-count": counts[k] || 0, text: `${STATES[k].zh} ${counts[k] || 0}` }));
    host.append(line);
    const names = {};
    for (const u of c.units || []) names[u.code] = u.name || u.code;
    for (const k of ["late", "missing", "nil"]) {
      const list = Object.keys(p.units || {}).filter((code) => p.units[code] === k);
      const ordered = (c.units || []).map((u) => u.code).filter((code) => list.includes(code));
      for (const code of list) if (!ordered.includes(code)) ordered.push(code);
      host.append(el("div", { class: `period-names names-${k}`, "data-testid": `period-${k}`,
        text: `${STATES[k].zh}（${ordered.length}）：` +
          (ordered.length ? ordered.map((code) => names[code] || code).join("、") : "无") }));
    }
  }

  function renderGrid(c, rows, id) {
    const { el } = window.hbDash;
    const table = $("period-grid");
    table.textContent = "";
    const multi = new Set((c.units || []).map((u) => u.county)).size > 1;
    const head = el("tr", {}, el("th", { class: "pg-unit", text: "单位" }));
    if (multi) head.append(el("th", { text: "县（区）" }));
    head.append(el("th", { class: "num", text: "迟报" }), el("th", { class: "num", text: "未报" }));
    c.periods.forEach((p, i) => {
      head.append(el("th", { class: "pg-col" + (p.id === id ? " pg-sel" : ""),
        title: `第${i + 1}期 ${p.start} 至 ${p.end}，截止 ${p.due}`, text: mmdd(p.id) }));
    });
    table.append(el("thead", {}, head));
    const body = el("tbody");
    for (const r of rows) {
      const key = `${r.u.county || ""}-${r.u.code}`;
      const tr = el("tr", { "data-testid": `pgrid-${key}` },
        el("td", { class: "pg-unit", text: r.u.name || r.u.code }));
      if (multi) tr.append(el("td", { text: (c.counties || []).find((k) => k.code === r.u.county)?.name || r.u.county || "" }));
      tr.append(el("td", { class: "num" + (r.late ? " warn" : ""), "data-testid": `pgrid-${key}-late`,
        text: String(r.late) }));
      tr.append(el("td", { class: "num" + (r.missing ? " warn" : ""), "data-testid": `pgrid-${key}-missing`,
        text: String(r.missing) }));
      c.periods.forEach((p, i) => {
        const st = r.st[i];
        tr.append(el("td", { class: `pg-cell ps-${st}` + (p.id === id ? " pg-sel" : ""),
          "data-testid": `pcell-${r.u.code}-${p.id}`, "data-state": st, "data-zh": STATES[st].zh,
          title: `${r.u.name || r.u.code} · 第${i + 1}期（截止 ${p.due}）：${STATES[st].zh}`,
          text: STATES[st].mark }));
      });
      body.append(tr);
    }
    table.append(body);
  }

  const SERIES = [
    { key: "identified", zh: "新查摆问题", cls: "tr-identified" },
    { key: "resolved", zh: "整改销号", cls: "tr-resolved" },
    { key: "overdue_at_end", zh: "期末逾期未整改", cls: "tr-overdue" },
  ];

  /* activities (bars, right axis) and the problem figures (lines, left
   * axis) of every period */
  function trend(c, id) {
    const { s, fmtInt, niceStep } = window.hbDash;
    const host = $("period-trend");
    host.textContent = "";
    const ps = c.periods;
    const W = 960, H = 260, L = 56, R = 64, T = 34, B = 40;
    const PW = W - L - R, PH = H - T - B;
    const svg = s("svg", { viewBox: `0 0 ${W} ${H}`, class: "trend ptrend", role: "img" });
    const act = (p) => ((p.activities && p.activities.total) || {}).sessions || 0;
    const prob = (p, k) => (p.problems || {})[k] || 0;
    const topA = niceStep(Math.max(1, ...ps.map(act))) * 4;
    const topP = niceStep(Math.max(1, ...ps.flatMap((p) => SERIES.map((x) => prob(p, x.key))))) * 4;
    for (let i = 0; i <= 4; i++) {
      const y = T + PH - (PH * i) / 4;
      svg.append(s("line", { x1: L, x2: L + PW, y1: y, y2: y, class: "grid" }));
      svg.append(s("text", { x: L - 6, y: y + 4, "text-anchor": "end", class: "tick" }, fmtInt((topP * i) / 4)));
      svg.append(s("text", { x: L + PW + 6, y: y + 4, class: "tick act-tick" }, fmtInt((topA * i) / 4)));
    }
    const band = PW / Math.max(1, ps.length);
    const bw = Math.min(36, band * 0.5);
    const every = Math.max(1, Math.ceil(ps.length / 16)); /* at most 16 date labels */
    ps.forEach((p, i) => {
      const cx = L + band * (i + 0.5);
      const h = (PH * act(p)) / topA;
      const bar = s("rect", { x: cx - bw / 2, y: T + PH - h, width: bw, height: h,
        class: "act-bar" + (p.id === id ? " sel" : ""), "data-testid": `ptrend-act-${p.id}` });
      bar.append(s("title", {}, `第${i + 1}期（${p.start} 至 ${p.end}）：活动 ${act(p)} 场次，` +
        SERIES.map((x) => `${x.zh} ${prob(p, x.key)}`).join("，")));
      svg.append(bar);
      if (i % every === 0 || p.id === id)
        svg.append(s("text", { x: cx, y: T + PH + 16, "text-anchor": "middle",
          class: "tick" + (p.id === id ? " sel" : "") }, mmdd(p.id)));
    });
    for (const x of SERIES) {
      const pts = ps.map((p, i) => [L + band * (i + 0.5), T + PH - (PH * prob(p, x.key)) / topP]);
      if (pts.length > 1)
        svg.append(s("polyline", { points: pts.map((q) => q[0] + "," + q[1]).join(" "), class: "pline " + x.cls }));
      for (const [px, py] of pts) svg.append(s("circle", { cx: px, cy: py, r: 3, class: "pdot " + x.cls }));
    }
    const lg = s("g", { class: "legend" });
    lg.append(s("rect", { x: L, y: 8, width: 14, height: 12, class: "act-bar" }));
    lg.append(s("text", { x: L + 20, y: 18 }, "活动场次（右轴）"));
    SERIES.forEach((x, i) => {
      const lx = L + 160 + i * 150;
      lg.append(s("line", { x1: lx, x2: lx + 22, y1: 14, y2: 14, class: "pline " + x.cls }));
      lg.append(s("text", { x: lx + 28, y: 18 }, x.zh));
    });
    svg.append(lg);
    host.append(svg);
  }

  function render(c) {
    const sec = $("periods");
    if (!sec) return;
    const has = c && Array.isArray(c.periods) && c.periods.length > 0;
    sec.hidden = !has;
    if (!has) return;
    let id = chosen[c.campaign];
    if (!c.periods.some((p) => p.id === id)) id = defaultPeriod(c);
    const n = c.periods.findIndex((p) => p.id === id) + 1;
    $("period-cycle").textContent = cycleZh(c.cycle);
    renderSelect(c, id);
    renderSummary(c, c.periods[n - 1], n);
    renderGrid(c, unitRows(c), id);
    trend(c, id);
    sec.dataset.period = id;
  }

  window.hbPeriods = { render };
})();
