// Small SVG charts for the KPI dashboard: lines, bars, a funnel and a heatmap. No library, no
// inline styles (the page runs under a CSP without 'unsafe-inline'): colours are SVG attributes.
"use strict";

(function () {
  const NS = "http://www.w3.org/2000/svg";
  const COLORS = ["#3b5bdb", "#d9363e", "#12805c", "#f08c00"];
  const H = 220, PAD = { left: 56, right: 12, top: 12, bottom: 28 };
  let W = 640; // set per chart to the container's width, so text is drawn at its real size

  function el(name, attrs, parent) {
    const node = document.createElementNS(NS, name);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, String(v));
    if (parent) parent.appendChild(node);
    return node;
  }

  function text(parent, x, y, content, attrs) {
    const node = el("text", Object.assign({ x, y }, attrs || {}), parent);
    node.textContent = content;
    return node;
  }

  function svg(container, height) {
    W = Math.min(1600, Math.max(320, Math.round(container.clientWidth || 640)));
    container.replaceChildren();
    return el("svg", { viewBox: `0 0 ${W} ${height || H}`, width: W, height: height || H, role: "img" }, container);
  }

  function compact(n) {
    if (n === null || n === undefined) return "–";
    const abs = Math.abs(n);
    if (abs >= 1e9) return (n / 1e9).toFixed(1) + "B";
    if (abs >= 1e6) return (n / 1e6).toFixed(1) + "M";
    if (abs >= 1e3) return (n / 1e3).toFixed(1) + "k";
    return Number.isInteger(n) ? String(n) : n.toFixed(2);
  }

  function empty(root, height) {
    text(root, W / 2, (height || H) / 2, "no data in this range", { "text-anchor": "middle", class: "empty" });
  }

  function legend(container, names) {
    const box = document.createElement("div");
    box.className = "legend";
    names.forEach((name, i) => {
      const item = document.createElement("span");
      const swatch = document.createElement("span");
      swatch.className = "swatch s" + (i % COLORS.length);
      item.append(swatch, name);
      box.appendChild(item);
    });
    container.appendChild(box);
  }

  function yAxis(root, max) {
    const plotH = H - PAD.top - PAD.bottom;
    for (let i = 0; i <= 4; i++) {
      const y = PAD.top + plotH - (plotH * i) / 4;
      el("line", { x1: PAD.left, x2: W - PAD.right, y1: y, y2: y, class: "axis" }, root);
      text(root, PAD.left - 6, y + 4, compact((max * i) / 4), { "text-anchor": "end" });
    }
  }

  function xLabels(root, labels, xOf) {
    const step = Math.max(1, Math.ceil(labels.length / 8));
    labels.forEach((label, i) => {
      if (i % step === 0 || i === labels.length - 1) {
        const anchor = labels.length > 1 && i === labels.length - 1 ? "end" : i === 0 && labels.length > 1 ? "start" : "middle";
        text(root, xOf(i), H - 8, label.slice(5), { "text-anchor": anchor });
      }
    });
  }

  // series: [{name, values: [number|null]}], labels: ["YYYY-MM-DD", ...]
  function lines(container, labels, series) {
    const root = svg(container);
    if (!labels.length) { empty(root); return; }
    const max = Math.max(1, ...series.flatMap((s) => s.values.map((v) => v || 0)));
    const plotW = W - PAD.left - PAD.right, plotH = H - PAD.top - PAD.bottom;
    const xOf = (i) => PAD.left + (labels.length === 1 ? plotW / 2 : (plotW * i) / (labels.length - 1));
    const yOf = (v) => PAD.top + plotH - (plotH * (v || 0)) / max;
    yAxis(root, max);
    series.forEach((s, n) => {
      const points = s.values.map((v, i) => `${xOf(i).toFixed(1)},${yOf(v).toFixed(1)}`).join(" ");
      el("polyline", { points, fill: "none", stroke: COLORS[n % COLORS.length], "stroke-width": 2 }, root);
      if (labels.length === 1) el("circle", { cx: xOf(0), cy: yOf(s.values[0]), r: 4, fill: COLORS[n % COLORS.length] }, root);
    });
    xLabels(root, labels, xOf);
    legend(container, series.map((s) => s.name));
  }

  function bars(container, labels, series) {
    const root = svg(container);
    if (!labels.length) { empty(root); return; }
    const max = Math.max(1, ...series.flatMap((s) => s.values.map((v) => v || 0)));
    const plotW = W - PAD.left - PAD.right, plotH = H - PAD.top - PAD.bottom;
    const slot = plotW / labels.length, barW = Math.max(1, (slot * 0.8) / series.length);
    yAxis(root, max);
    series.forEach((s, n) => {
      s.values.forEach((v, i) => {
        const h = (plotH * (v || 0)) / max;
        el("rect", { x: PAD.left + slot * i + slot * 0.1 + barW * n, y: PAD.top + plotH - h, width: barW, height: h,
                     fill: COLORS[n % COLORS.length] }, root);
      });
    });
    xLabels(root, labels, (i) => PAD.left + slot * i + slot / 2);
    legend(container, series.map((s) => s.name));
  }

  // rows: [{label, value, note}] drawn as horizontal bars, longest first as given.
  function hbars(container, rows, format) {
    const height = Math.max(60, rows.length * 34 + 8);
    const root = svg(container, height);
    if (!rows.length) { empty(root, height); return; }
    const max = Math.max(1, ...rows.map((r) => r.value || 0));
    const left = 110, right = 150, plotW = W - left - right;
    rows.forEach((r, i) => {
      const y = 6 + i * 34, w = Math.max(1, (plotW * (r.value || 0)) / max);
      text(root, left - 8, y + 18, r.label, { "text-anchor": "end" });
      el("rect", { x: left, y, width: w, height: 24, rx: 3, fill: COLORS[i % COLORS.length] }, root);
      text(root, left + w + 6, y + 17, (format || compact)(r.value) + (r.note ? "  " + r.note : ""), { class: "value" });
    });
  }

  // cohorts: [{cohort_week, cohort_size, retention: [rate|null, ...]}]
  function heatmap(container, cohorts, weeks) {
    const cell = 40, top = 24, left = 150;
    const height = Math.max(60, top + cohorts.length * 24 + 8);
    const width = left + (weeks + 1) * cell + 10;
    const root = el("svg", { viewBox: `0 0 ${width} ${height}`, width, height, role: "img" }, null);
    container.replaceChildren(root);
    if (!cohorts.length) { empty(root, height); return; }
    for (let w = 0; w <= weeks; w++) text(root, left + w * cell + cell / 2, 14, "w" + w, { "text-anchor": "middle" });
    cohorts.forEach((c, r) => {
      const y = top + r * 24;
      text(root, left - 8, y + 16, `${c.cohort_week} (${c.cohort_size})`, { "text-anchor": "end" });
      c.retention.forEach((rate, w) => {
        const shade = rate === null ? 0 : Math.round(235 - 190 * rate);
        const fill = rate === null ? "#f2f4f7" : `rgb(${shade}, ${Math.round(shade * 0.9 + 20)}, 235)`;
        const g = el("g", {}, root);
        el("rect", { x: left + w * cell + 1, y, width: cell - 2, height: 22, rx: 2, fill }, g);
        const label = rate === null ? "" : Math.round(rate * 100) + "%";
        text(g, left + w * cell + cell / 2, y + 15, label,
             { "text-anchor": "middle", class: rate !== null && rate > 0.55 ? "on-dark" : "value" });
        el("title", {}, g).textContent = `${c.cohort_week}, week ${w}: ${label}`;
      });
    });
  }

  window.LakooCharts = { lines, bars, hbars, heatmap, compact };
})();
