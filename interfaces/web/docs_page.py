"""/docs: a self-contained API reference page (inline CSS and script, no CDN) that renders /openapi.json.

It works on an isolated network: everything it needs comes from this app.
"""

DOCS_HTML = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>civicflow API v1</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
 body{font:15px/1.45 system-ui,sans-serif;margin:0;color:#1d2433;background:#f6f7f9}
 header{background:#8b1a1a;color:#fff;padding:14px 24px} header h1{margin:0;font-size:20px}
 main{max-width:1100px;margin:0 auto;padding:16px 24px} nav a{margin-right:12px}
 section.tag>h2{border-bottom:2px solid #ddd;padding-bottom:4px}
 details.op{background:#fff;border:1px solid #dde;border-radius:6px;margin:8px 0;padding:6px 12px}
 summary{cursor:pointer} .m{display:inline-block;min-width:52px;font-weight:700;font-family:monospace}
 .get{color:#1769aa}.post{color:#2e7d32} code,pre{font-family:ui-monospace,monospace;font-size:13px}
 pre{background:#f1f3f6;padding:8px;overflow:auto;border-radius:4px}
 table{border-collapse:collapse;margin:6px 0} td,th{border:1px solid #dde;padding:3px 8px;text-align:left;vertical-align:top}
 .roles{color:#8b1a1a;font-weight:600}
</style></head>
<body><header><h1>civicflow API v1 — 点单 → 派单 → 接单 → 评单</h1></header>
<main><p id="intro">Loading <a href="openapi.json">/openapi.json</a>…</p><nav id="nav"></nav><div id="ops"></div></main>
<script>
"use strict";
const el = (tag, attrs = {}, ...kids) => {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  for (const kid of kids) node.append(kid instanceof Node ? kid : document.createTextNode(String(kid)));
  return node;
};
let spec;
const deref = (obj) => {
  if (!obj || !obj.$ref) return obj;
  return obj.$ref.split("/").slice(1).reduce((o, k) => o[k], spec);
};
const schemaText = (schema) => JSON.stringify(expand(schema, 0), null, 2);
const expand = (schema, depth) => {
  schema = deref(schema);
  if (!schema || depth > 4 || typeof schema !== "object") return schema;
  const out = Array.isArray(schema) ? [] : {};
  for (const [k, v] of Object.entries(schema)) out[k] = typeof v === "object" ? expand(v, depth + 1) : v;
  return out;
};
const paramsTable = (params) => el("table", {},
  el("tr", {}, el("th", {}, "name"), el("th", {}, "in"), el("th", {}, "required"), el("th", {}, "schema / description")),
  ...params.map(deref).map(p => el("tr", {}, el("td", {}, el("code", {}, p.name)), el("td", {}, p.in),
    el("td", {}, p.required ? "yes" : "no"),
    el("td", {}, el("code", {}, JSON.stringify(expand(p.schema, 0))), " ", p.description || ""))));
const operation = (path, method, op) => {
  const body = el("div");
  if (op.description) body.append(el("p", {}, op.description));
  if (op["x-roles"]) body.append(el("p", {class: "roles"}, "Roles: " + op["x-roles"].join(", ")));
  if (op.security) body.append(el("p", {}, "Authorization: Bearer <token>"));
  if (op.parameters && op.parameters.length) body.append(el("h4", {}, "Parameters"), paramsTable(op.parameters));
  const req = op.requestBody && deref(op.requestBody).content;
  if (req) for (const [type, media] of Object.entries(req))
    body.append(el("h4", {}, "Request body (" + type + ")"), el("pre", {}, schemaText(media.schema)));
  body.append(el("h4", {}, "Responses"));
  for (const [code, raw] of Object.entries(op.responses || {})) {
    const resp = deref(raw), content = resp.content || {};
    const types = Object.keys(content).join(", ");
    const d = el("details", {}, el("summary", {}, code + " — " + (resp.description || "") + (types ? " (" + types + ")" : "")));
    for (const media of Object.values(content)) d.append(el("pre", {}, schemaText(media.schema)));
    if (resp.headers) d.append(el("p", {}, "Headers: " + Object.keys(resp.headers).join(", ")));
    body.append(d);
  }
  return el("details", {class: "op"}, el("summary", {}, el("span", {class: "m " + method}, method.toUpperCase()), " ",
    el("code", {}, path), " — ", op.summary || ""), body);
};
fetch("openapi.json").then(r => r.json()).then(s => {
  spec = s;
  document.getElementById("intro").textContent = (s.info.description || "") + "  (OpenAPI " + s.openapi + ")";
  const byTag = {};
  for (const [path, item] of Object.entries(s.paths))
    for (const [method, op] of Object.entries(item))
      if (typeof op === "object" && op.responses) (byTag[(op.tags || ["other"])[0]] ||= []).push([path, method, op]);
  for (const [tag, ops] of Object.entries(byTag)) {
    const t = (s.tags || []).find(x => x.name === tag);
    document.getElementById("nav").append(el("a", {href: "#tag-" + tag}, tag));
    document.getElementById("ops").append(el("section", {class: "tag", id: "tag-" + tag}, el("h2", {}, tag),
      el("p", {}, t && t.description || ""), ...ops.map(o => operation(...o))));
  }
}).catch(e => { document.getElementById("intro").textContent = "Could not load /openapi.json: " + e; });
</script></body></html>
"""
