// The query page: YASGUI (vendored, see static/yasgui/VERSION) set up for this endpoint.
// Configuration comes from the page (the #kg-config JSON block): endpoint, prefixes, base,
// example queries. No inline script, nothing from another origin.
"use strict";
(function () {
  const config = JSON.parse(document.getElementById("kg-config").textContent);
  const Yasqe = Yasgui.Yasqe;

  // Completion without third-party services: prefixes from this store (/prefixes.json), classes
  // and properties from kg's ontology (in the page configuration), variables from the query.
  function ontologyCompleter(name, terms) {
    const base = Yasqe.Autocompleters[name];
    return Object.assign({}, base, {
      bulk: true,
      get: () => terms,
      preProcessToken: base.preProcessToken,
      postProcessSuggestion: base.postProcessSuggestion,
      persistenceId: null,
    });
  }
  Yasqe.registerAutocompleter(ontologyCompleter("class", config.classes));
  Yasqe.registerAutocompleter(ontologyCompleter("property", config.properties));
  Yasqe.defaults.autocompleters = ["prefixes", "variables", "class", "property"];
  Yasgui.Yasr.plugins.table.defaults.openIriInNewWindow = false;
  // DataTables sizes columns by rendering every cell of every row (autoWidth): seconds on 10,000
  // rows. Without it only the page shown is rendered; the column resizer still lets users adjust.
  Yasgui.Yasr.plugins.table.defaults.tableConfig.autoWidth = false;

  // Speed: DataTables asks for every cell of every row to detect column types and to search and
  // sort, and YASR answers with the cell's HTML, passed through DOMPurify (an HTML parse per cell:
  // 8 s for 27,000 rows here). That text is never put into the page, so give the plain value; cells
  // as displayed ("display") are still rendered and sanitised by YASR, one page at a time.
  const table = Yasgui.Yasr.plugins.table.prototype;
  const columns = table.getColumns;
  table.getColumns = function () {
    return columns.call(this).map((column, i) => {
      if (i === 0 || typeof column.render !== "function") return column;
      const render = column.render;
      return Object.assign({}, column, {
        render: (data, type, row, meta) =>
          type === "display" ? render(data, type, row, meta) : data === "" ? "" : data.value,
      });
    });
  };

  const endpoint = new URL(config.endpoint, location.href).href;
  const yasgui = new Yasgui(document.getElementById("yasgui"), {
    requestConfig: { endpoint: endpoint, method: "POST" },
    copyEndpointOnNewTab: true,
    endpointCatalogueOptions: { getData: () => [{ endpoint: endpoint }], keys: [] },
    persistenceId: "kg-query-page",
    populateFromUrl: false,
    yasqe: { prefixCcApi: config.prefixesUrl, value: config.examples[0].query, resizeable: true },
    yasr: { prefixes: config.prefixes, maxPersistentResponseSize: 500000 },
    tabName: "Query",
  });
  window.kgYasgui = yasgui;

  // The examples as tabs, once per browser (later visits keep the user's own tabs).
  const seen = "kg-query-page:examples:" + config.examplesVersion;
  if (!localStorage.getItem(seen)) {
    const first = yasgui.getTab();
    config.examples.forEach((example, i) => {
      if (i === 0 && first) {
        first.setName(example.name);
        first.setQuery(example.query);
      } else {
        yasgui.addTab(false, { name: example.name, yasqe: { value: example.query } });
      }
    });
    localStorage.setItem(seen, "1");
  }

  // /?query=... (links from entity pages, bookmarks): a tab with that query, run at once.
  const given = new URLSearchParams(location.search).get("query");
  if (given) {
    const tab = yasgui.addTab(true, { name: "Linked query", yasqe: { value: given } });
    yasgui.getTab(tab.getId ? tab.getId() : undefined);
    const run = () => yasgui.getTab().getYasqe().query().catch(() => {});
    setTimeout(run, 0);
  }

  // IRIs under this store's base open its pages here (/id/...), the ontology at /ontology.
  function localise(root) {
    for (const a of root.querySelectorAll("a.iri")) {
      const href = a.getAttribute("href") || "";
      if (href.startsWith(config.base)) a.setAttribute("href", config.basePath + href.slice(config.base.length));
      else if (href.startsWith(config.ontology)) a.setAttribute("href", "/ontology" + href.slice(config.ontology.length));
      else if (!/^(https?:|\/)/i.test(href)) a.removeAttribute("href"); // only http(s) IRIs are links
    }
  }
  new MutationObserver((changes) => {
    for (const change of changes) for (const node of change.addedNodes) if (node.querySelectorAll) localise(node);
  }).observe(document.getElementById("yasgui"), { childList: true, subtree: true });
})();
