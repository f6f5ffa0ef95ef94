// kg query page: plain JavaScript, no build step, nothing from a CDN.
"use strict";
const PREFIXES = `PREFIX kg: <https://kg.example/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX oa: <http://www.w3.org/ns/oa#>
`;
const EXAMPLES = {
  "Who holds which office": `SELECT ?person ?name ?post ?office WHERE {
  ?person a kg:Person ; kg:holds ?post .
  OPTIONAL { ?person rdfs:label ?name }
  OPTIONAL { ?post rdfs:label ?office }
} ORDER BY ?name LIMIT 100`,
  "Meetings by place and date": `SELECT ?event ?title ?place ?date WHERE {
  ?event a kg:Event .
  OPTIONAL { ?event rdfs:label ?title }
  OPTIONAL { ?event kg:locatedIn/rdfs:label ?place }
  OPTIONAL { ?event kg:startDate ?date }
} ORDER BY ?place ?date LIMIT 100`,
  "The evidence sentence of a fact": `SELECT ?subject ?predicate ?object ?sentence ?source WHERE {
  ?st rdf:subject ?subject ; rdf:predicate ?predicate ; rdf:object ?object .
  ?ann oa:hasBody ?st ; oa:hasTarget ?t .
  ?t oa:hasSelector/oa:exact ?sentence .
  OPTIONAL { ?t oa:hasSource ?source }
} LIMIT 100`,
  "Entities linked to Wikidata": `SELECT ?entity ?label ?wikidata WHERE {
  ?entity skos:exactMatch ?wikidata .
  FILTER(STRSTARTS(STR(?wikidata), "http://www.wikidata.org/entity/"))
  OPTIONAL { ?entity rdfs:label ?label }
} LIMIT 100`,
  "Entities per class": `SELECT ?class (COUNT(?s) AS ?entities) WHERE { ?s a ?class } GROUP BY ?class ORDER BY DESC(?entities)`,
};

const $ = (id) => document.getElementById(id);
const query = $("query");

function fill() {
  const select = $("examples");
  for (const name of Object.keys(EXAMPLES)) {
    const opt = document.createElement("option");
    opt.textContent = name;
    select.appendChild(opt);
  }
  select.addEventListener("change", () => { query.value = PREFIXES + EXAMPLES[select.value]; });
  const given = new URLSearchParams(location.search).get("query");
  query.value = given || PREFIXES + EXAMPLES[Object.keys(EXAMPLES)[0]];
}

function link(value) {
  if (!/^https?:/i.test(value)) {  // only http(s) IRIs become links (not javascript:, data:, ...)
    const code = document.createElement("code");
    code.textContent = value;
    return code;
  }
  const a = document.createElement("a");
  let href = value;
  try {
    const base = "https://kg.example/id/";
    if (value.startsWith(base)) href = "/id/" + value.slice(base.length);
  } catch (e) { /* keep value */ }
  a.href = href;
  a.textContent = value;
  return a;
}

function cell(term) {
  const td = document.createElement("td");
  if (!term) return td;
  if (term.type === "uri") td.appendChild(link(term.value));
  else td.textContent = term.value + (term["xml:lang"] ? " @" + term["xml:lang"] : "");
  return td;
}

function table(data) {
  const t = document.createElement("table");
  t.id = "result-table";
  const head = t.createTHead().insertRow();
  for (const v of data.head.vars) {
    const th = document.createElement("th");
    th.textContent = v;
    head.appendChild(th);
  }
  const body = t.createTBody();
  for (const row of data.results.bindings) {
    const tr = body.insertRow();
    for (const v of data.head.vars) tr.appendChild(cell(row[v]));
  }
  return t;
}

function downloads(text) {
  const span = $("downloads");
  span.textContent = "Download: ";
  for (const [label, fmt] of [["JSON", "json"], ["CSV", "csv"], ["TSV", "tsv"], ["XML", "xml"], ["Turtle", "ttl"]]) {
    const a = document.createElement("a");
    a.href = "/sparql?" + new URLSearchParams({ query: text, format: fmt });
    a.textContent = label;
    a.download = "result." + fmt;
    span.append(a, " ");
  }
}

async function run(event) {
  if (event) event.preventDefault();
  const text = query.value;
  $("error").hidden = true;
  $("note").hidden = true;
  $("results").replaceChildren();
  $("status").textContent = "running…";
  const started = performance.now();
  try {
    const response = await fetch("/sparql", {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded",
                 "Accept": "application/sparql-results+json, text/turtle;q=0.9" },
      body: new URLSearchParams({ query: text }),
    });
    const type = response.headers.get("Content-Type") || "";
    $("status").textContent = "";
    if (!response.ok) {
      let message = await response.text();
      try { message = JSON.parse(message).error.message; } catch (e) { /* plain text */ }
      throw new Error(`${response.status} ${response.statusText}: ${message}`);
    }
    if (type.startsWith("application/sparql-results+json")) {
      const data = await response.json();
      if ("boolean" in data) {
        $("results").textContent = "ASK: " + data.boolean;
      } else {
        $("results").appendChild(table(data));
        $("status").textContent = `${data.results.bindings.length} rows`;
      }
      if (data["kg:note"]) { $("note").textContent = data["kg:note"]; $("note").hidden = false; }
    } else {
      const pre = document.createElement("pre");
      pre.textContent = await response.text();
      $("results").appendChild(pre);
    }
    downloads(text);
    $("status").textContent += ` (${Math.round(performance.now() - started)} ms)`;
  } catch (err) {
    $("status").textContent = "";
    $("error").textContent = err.message;
    $("error").hidden = false;
  }
}

fill();
$("form").addEventListener("submit", run);
query.addEventListener("keydown", (e) => { if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) run(e); });
