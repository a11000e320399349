// The faaslib console's script: sections, live invocations (server-sent events), charts drawn
// on canvas from /api/metrics, and the actions' forms. Values from the app are only ever set as
// text (textContent, canvas text, form values): never parsed as HTML here.
"use strict";

const $ = (selector, root = document) => root.querySelector(selector);
const $$ = (selector, root = document) => Array.from(root.querySelectorAll(selector));

function show(name) {
  if (!$(`[data-section="${name}"]`)) name = "functions";
  $$("[data-section]").forEach((s) => { s.hidden = s.dataset.section !== name; });
  $$("[data-show]").forEach((a) => a.classList.toggle("current", a.dataset.show === name));
  refresh();
}

function visible() {
  const section = $$("[data-section]").find((s) => !s.hidden);
  return section ? section.dataset.section : "functions";
}

// Server-written sections (escaped there) are fetched again while shown.
async function refresh() {
  const name = visible();
  if (["functions", "services", "costs"].includes(name)) {
    const answer = await fetch(`part/${name}`);
    if (answer.ok) $(`[data-part="${name}"]`).innerHTML = await answer.text();
  } else if (name === "metrics") {
    await drawCharts();
  }
}

// -- live invocations ------------------------------------------------------------------------

function cell(row, text) {
  const td = document.createElement("td");
  td.textContent = text === null || text === undefined ? "" : String(text);
  row.appendChild(td);
}

function addInvocation(entry) {
  const body = $("#feed tbody");
  const row = document.createElement("tr");
  row.dataset.requestId = entry.request_id;
  row.className = entry.error ? "failed" : "";
  cell(row, entry.time.slice(11, 23));  // the time of day, UTC (the date is in the title)
  row.title = entry.time;
  cell(row, entry.request_id);
  cell(row, entry.function);
  cell(row, entry.source);
  cell(row, entry.error ? `${entry.status} ${entry.error}` : entry.status);
  cell(row, entry.duration_ms);
  cell(row, entry.billed_ms);
  cell(row, entry.cold_start ? `yes (init ${entry.init_duration_ms} ms)` : "no");
  row.addEventListener("click", () => openInvocation(entry.request_id));
  body.insertBefore(row, body.firstChild);
  while (body.rows.length > 200) body.deleteRow(-1);
}

async function openInvocation(requestId) {
  const answer = await fetch(`api/invocations/${encodeURIComponent(requestId)}`);
  const data = await answer.json();
  $("#detail").hidden = false;
  $("#detail-id").textContent = requestId;
  $("#detail-log").textContent = (data.logs || []).join("\n") || data.error || "";
  $("#detail-event").textContent = data.event === null ? "(not kept: the console keeps the events it sends)" : pretty(data.event);
  $("#detail-response").textContent = data.response === null ? "" : pretty(data.response);
}

function pretty(text) {
  try { return JSON.stringify(JSON.parse(text), null, 2); } catch (e) { return text; }
}

function listen() {
  const state = $("#feed-state");
  const source = new EventSource("api/invocations/stream");
  source.addEventListener("state", (event) => {
    state.textContent = event.data === "watching" ? "live"
      : "not watching: run the console with its lifespan (docs: The console)";
  });
  source.addEventListener("error", () => { state.textContent = "reconnecting…"; });
  source.addEventListener("invocation", (event) => addInvocation(JSON.parse(event.data)));
  source.addEventListener("skipped", (event) => {
    state.textContent = `live (${event.data} passed over: too many to show)`;
  });
}

// -- charts ----------------------------------------------------------------------------------

const COLOURS = ["#2563eb", "#dc2626", "#d97706", "#059669", "#7c3aed", "#db2777"];

async function drawCharts() {
  const name = $("#metrics-function").value;
  const answer = await fetch(`api/metrics${name ? `?function=${encodeURIComponent(name)}` : ""}`);
  if (!answer.ok) return;
  const data = await answer.json();
  const holder = $("#charts");
  data.charts.forEach((chart, index) => {
    let canvas = holder.children[index];
    if (!canvas) {
      canvas = document.createElement("canvas");
      canvas.width = 560;
      canvas.height = 220;
      holder.appendChild(canvas);
    }
    canvas.dataset.title = chart.title;
    drawChart(canvas, data.times, chart);
  });
  while (holder.children.length > data.charts.length) holder.lastChild.remove();
}

function drawChart(canvas, times, chart) {
  const g = canvas.getContext("2d");
  g.font = "11px sans-serif";
  // the legend first: as many lines as the names need
  const W = canvas.width, H = canvas.height, left = 50, right = 10, top = 24;
  const legend = [];
  let line = 0, at = left;
  chart.series.forEach((series) => {
    const last = series.values.filter((v) => typeof v === "number").pop();
    const text = `${series.name}: ${last === undefined ? "–" : +last.toPrecision(4)}`;
    const width = g.measureText(text).width + 16;
    if (at + width > W - right && at > left) { line += 1; at = left; }
    legend.push({ text, x: at, line });
    at += width;
  });
  const bottom = 14 + 13 * (line + 1);
  g.clearRect(0, 0, W, H);
  g.fillStyle = "#111";
  g.font = "13px sans-serif";
  g.fillText(`${chart.title} (${chart.unit})`, left, 16);
  g.font = "11px sans-serif";
  const values = chart.series.flatMap((s) => s.values).filter((v) => typeof v === "number");
  const most = Math.max(...values, 0) || 1;
  const x = (i) => left + (times.length > 1 ? (i / (times.length - 1)) * (W - left - right) : 0);
  const y = (v) => H - bottom - (v / most) * (H - top - bottom);
  g.strokeStyle = "#999";
  g.beginPath();
  g.moveTo(left, top); g.lineTo(left, H - bottom); g.lineTo(W - right, H - bottom);
  g.stroke();
  g.fillText(String(+most.toPrecision(3)), 2, top + 4);
  g.fillText("0", 30, H - bottom);
  chart.series.forEach((series, n) => {
    g.strokeStyle = COLOURS[n % COLOURS.length];
    g.lineWidth = 1.5;
    g.beginPath();
    let drawing = false;
    series.values.forEach((v, i) => {
      if (typeof v !== "number") { drawing = false; return; }
      if (drawing) g.lineTo(x(i), y(v)); else g.moveTo(x(i), y(v));
      drawing = true;
    });
    g.stroke();
    g.fillStyle = g.strokeStyle;
    const { text, x: lx, line: ln } = legend[n];
    g.fillText(text, lx, H - bottom + 16 + 13 * ln);
  });
}

// -- actions ---------------------------------------------------------------------------------

function formData(form) {
  const data = {};
  $$("[name]", form).forEach((field) => {
    const kind = field.dataset.type;
    let value = field.value;
    if (kind === "int" && value === "") return;  // left empty: not asked for
    if (kind === "int") value = parseInt(value, 10);
    if (kind === "int-or-none" && value === "") return;
    if (kind === "int-or-none") {  // "none" removes it; what is no number goes as typed, refused
      const text = value.trim();
      value = /^none$/i.test(text) ? null : /^\d+$/.test(text) ? parseInt(text, 10) : text;
    }
    if (kind === "list") value = value.split(",").map((v) => parseInt(v.trim(), 10));
    data[field.name] = value;
  });
  return data;
}

async function act(event) {
  event.preventDefault();
  const form = event.target;
  const out = $("#action-result");
  out.textContent = "…";
  const answer = await fetch(form.dataset.action, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(formData(form)),
  });
  const data = await answer.json();
  out.textContent = JSON.stringify(data, null, 2);
  out.className = answer.ok ? "result" : "result failed";
}

async function loadEvent() {
  const family = $("#event-family").value;
  if (!family) return;
  const answer = await fetch(`api/events/${encodeURIComponent(family)}`);
  if (answer.ok) $("#invoke-form textarea").value = JSON.stringify((await answer.json()).event, null, 2);
}

document.addEventListener("DOMContentLoaded", () => {
  $$("[data-show]").forEach((a) => a.addEventListener("click", (e) => {
    e.preventDefault();
    history.replaceState(null, "", `#${a.dataset.show}`);
    show(a.dataset.show);
  }));
  $$("form[data-action]").forEach((form) => form.addEventListener("submit", act));
  $("#event-family").addEventListener("change", loadEvent);
  $("#metrics-function").addEventListener("change", drawCharts);
  listen();
  show(location.hash.slice(1) || "functions");
  setInterval(refresh, 1000);
});
