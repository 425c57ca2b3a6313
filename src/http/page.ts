// The live status page: one self-contained HTML document (no framework, no external assets, so it works on a box
// without internet access). It follows /events (server-sent events, one status snapshot per change) and falls
// back to polling /status.json when the stream breaks. Everything the daemon reports is inserted as text, never
// as HTML: key values and error messages come from the backend.

export const STATUS_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>confd status</title>
<style>
  body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em; color: #222; background: #fafafa; }
  h1 { font-size: 1.3em; margin: 0 0 .3em; }
  h2 { font-size: 1.1em; margin: 1.2em 0 .4em; }
  table { border-collapse: collapse; width: 100%; background: #fff; }
  th, td { border: 1px solid #ddd; padding: .35em .6em; text-align: left; vertical-align: top; }
  th { background: #f0f0f0; }
  .ok { color: #176b17; font-weight: bold; } .bad { color: #b00020; font-weight: bold; } .warn { color: #a15c00; font-weight: bold; }
  pre { margin: 0; max-height: 18em; overflow: auto; font-size: 12px; background: #f6f6f6; padding: .4em; }
  .muted { color: #777; } #conn { float: right; font-size: 12px; }
  .add { color: #176b17; } .del { color: #b00020; }
</style>
</head>
<body>
<span id="conn" class="muted">connecting...</span>
<h1>confd <span id="ready"></span></h1>
<div id="reasons"></div>
<h2>Backend</h2>
<table><tbody>
  <tr><th>backend</th><td id="backend-name"></td><th>state</th><td id="backend-state"></td></tr>
  <tr><th>head revision</th><td id="backend-head"></td><th>applied revision</th><td id="applied"></td></tr>
  <tr><th>watch lag</th><td id="lag"></td><th>last error</th><td id="backend-error"></td></tr>
</tbody></table>
<h2>Members</h2>
<table><thead><tr><th>name</th><th>endpoint</th><th>state</th></tr></thead><tbody id="members"></tbody></table>
<h2>Resources</h2>
<table><thead><tr><th>resource</th><th>dest</th><th>keys</th><th>last revision applied</th><th>when</th><th>last error</th><th>held change</th></tr></thead>
<tbody id="resources"></tbody></table>
<div id="broken"></div>
<h2>Last diffs</h2>
<div id="diffs"></div>
<script>
"use strict";
function el(tag, attrs, text) {
  var e = document.createElement(tag);
  if (attrs) for (var k in attrs) e.setAttribute(k, attrs[k]);
  if (text !== undefined && text !== null) e.textContent = String(text);
  return e;
}
function ago(ms, now) {
  if (ms === null || ms === undefined) return "never";
  var s = Math.max(0, Math.round((now - ms) / 1000));
  return new Date(ms).toISOString().replace("T", " ").replace(/\\.\\d+Z$/, "Z") + " (" + s + "s ago)";
}
function fill(id, rows) {
  var body = document.getElementById(id);
  while (body.firstChild) body.removeChild(body.firstChild);
  rows.forEach(function (r) { body.appendChild(r); });
}
function render(s) {
  var ready = document.getElementById("ready");
  ready.textContent = s.ready ? "ready" : "not ready";
  ready.className = s.ready ? "ok" : "bad";
  fill("reasons", s.reasons.map(function (r) { return el("div", { "class": "warn" }, r); }));
  document.getElementById("backend-name").textContent = s.backend.name;
  var st = document.getElementById("backend-state");
  st.textContent = s.backend.connected ? "connected" : "disconnected";
  st.className = s.backend.connected ? "ok" : "bad";
  document.getElementById("backend-head").textContent = s.backend.head === null ? "-" : s.backend.head;
  document.getElementById("applied").textContent = s.appliedRevision === null ? "-" : s.appliedRevision;
  document.getElementById("lag").textContent = s.lag === null ? "-" : s.lag;
  document.getElementById("backend-error").textContent = s.backend.lastError ? s.backend.lastError.message + " (" + ago(s.backend.lastError.at, s.now) + ")" : "none";
  fill("members", s.backend.members.map(function (m) {
    var tr = el("tr");
    tr.appendChild(el("td", null, m.name)); tr.appendChild(el("td", null, m.endpoint));
    tr.appendChild(el("td", { "class": m.state === "unreachable" ? "bad" : "" }, m.state));
    return tr;
  }));
  fill("resources", s.resources.map(function (r) {
    var tr = el("tr", { "data-resource": r.name });
    tr.appendChild(el("td", null, r.name));
    tr.appendChild(el("td", null, r.dest));
    tr.appendChild(el("td", { "class": "keys" }, r.keys));
    tr.appendChild(el("td", { "class": "revision" }, r.lastRevision === null ? "-" : r.lastRevision));
    tr.appendChild(el("td", { "class": "when" }, ago(r.lastAppliedAt, s.now)));
    tr.appendChild(el("td", { "class": r.lastError ? "error bad" : "error" }, r.lastError ? r.lastError.step + ": " + r.lastError.message : "none"));
    var held = el("td", { "class": r.held ? "held warn" : "held" });
    if (r.held) {
      held.appendChild(el("div", null, r.held.reason));
      held.appendChild(el("div", null, "would remove " + r.held.removed + " of " + r.held.total));
      if (r.held.examples.length) held.appendChild(el("div", { "class": "muted" }, "e.g. " + r.held.examples.join(", ")));
      held.appendChild(el("div", { "class": "muted" }, "held since " + ago(r.held.since, s.now)));
    } else held.textContent = "none";
    tr.appendChild(held);
    return tr;
  }));
  fill("broken", s.broken.map(function (b) { return el("div", { "class": "bad" }, b.file + ": " + b.error); }));
  fill("diffs", s.resources.filter(function (r) { return r.lastDiff; }).map(function (r) {
    var d = el("div", { "data-diff": r.name });
    d.appendChild(el("h3", null, r.name + " -> " + r.dest + ", " + ago(r.lastDiff.at, s.now)));
    var pre = el("pre");
    r.lastDiff.text.split("\\n").forEach(function (line) {
      var cls = line.charAt(0) === "+" && line.indexOf("+++") !== 0 ? "add" : line.charAt(0) === "-" && line.indexOf("---") !== 0 ? "del" : "";
      pre.appendChild(el("span", cls ? { "class": cls } : null, line + "\\n"));
    });
    d.appendChild(pre);
    return d;
  }));
}
var conn = document.getElementById("conn");
var pollTimer = null;
function poll() {
  fetch("status.json").then(function (r) { return r.json(); }).then(function (s) {
    render(s); conn.textContent = "polling, updated " + new Date().toLocaleTimeString();
  }).catch(function () { conn.textContent = "daemon unreachable"; });
}
function follow() {
  if (!window.EventSource) { pollTimer = setInterval(poll, 1000); poll(); return; }
  var es = new EventSource("events");
  es.onmessage = function (m) {
    render(JSON.parse(m.data)); conn.textContent = "live, updated " + new Date().toLocaleTimeString();
    if (pollTimer) { clearInterval(pollTimer); pollTimer = null; }
  };
  es.onerror = function () {
    conn.textContent = "stream lost, polling";
    if (!pollTimer) pollTimer = setInterval(poll, 1000);
  };
}
poll();
follow();
</script>
</body>
</html>
`;
