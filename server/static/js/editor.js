// The SPARQL editor page: YASGUI (self-hosted) when it is built, otherwise a small editor of our own.
// Either way the example dropdown is filled from the named-query catalogue embedded in the page, and the
// only host ever contacted is this one (the page's Content-Security-Policy enforces connect-src 'self').
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("editor-config").textContent);
  var endpoint = new URL(config.endpoint, window.location.href).toString();
  var select = document.getElementById("examples");
  var byName = {};
  config.examples.forEach(function (e) { byName[e.name] = e; });

  if (config.yasgui && window.Yasgui) {
    var Yasgui = window.Yasgui;
    // no autocompleter that calls Linked Open Vocabularies or prefix.cc: local prefixes and variables only
    if (Yasgui.Yasqe && Yasgui.Yasqe.defaults) {
      Yasgui.Yasqe.defaults.autocompleters = ["prefixes", "variables"];
      Yasgui.Yasqe.defaults.prefixCcApi = null;
    }
    var yasgui = new Yasgui(document.getElementById("yasgui"), {
      requestConfig: { endpoint: endpoint, method: "POST" },
      copyEndpointOnNewTab: true,
      endpointCatalogueOptions: { getData: function () { return [{ endpoint: endpoint }]; }, keys: [] },
      corsProxy: undefined,
      persistenceId: "keikaku-yasgui",
      populateFromUrl: true,
      yasqe: { autocompleters: ["prefixes", "variables"], prefixCcApi: null, resizeable: true },
      // the project's one prefix map (kg.namespaces.PREFIXES), written into the page by the server
      yasr: { prefixes: config.prefixes || {} }
    });
    window.keikakuYasgui = yasgui;
    var first = yasgui.getTab();
    if (first && config.examples.length && !first.getQuery().match(/kk:|keikaku/)) {
      first.setQuery(config.examples[0].query);
      first.setEndpoint && first.setEndpoint(endpoint);
    }
    select.addEventListener("change", function () {
      var e = byName[select.value];
      if (!e) return;
      var tab = yasgui.addTab(true, { name: e.name, requestConfig: { endpoint: endpoint, method: "POST" } });
      tab.setQuery(e.query);
      select.value = "";
    });
    return;
  }

  // ---- the small editor (when YASGUI is not built) -------------------------------------------------
  var textarea = document.getElementById("query");
  var runButton = document.getElementById("run");
  var status = document.getElementById("status");
  var results = document.getElementById("results");
  if (!textarea) return;
  if (config.examples.length) textarea.value = config.examples[0].query;
  select.addEventListener("change", function () {
    var e = byName[select.value];
    if (e) textarea.value = e.query;
  });
  function cell(binding) {
    var td = document.createElement("td");
    if (!binding) return td;
    if (binding.type === "uri") {
      var a = document.createElement("a");
      a.href = binding.value;
      a.textContent = binding.value;
      td.appendChild(a);
    } else {
      td.textContent = binding.value;
    }
    return td;
  }
  function show(data) {
    results.textContent = "";
    if (typeof data.boolean === "boolean") { results.textContent = String(data.boolean); return; }
    var vars = data.head.vars, rows = data.results.bindings;
    var table = document.createElement("table");
    table.className = "results";
    var tr = document.createElement("tr");
    vars.forEach(function (v) { var th = document.createElement("th"); th.textContent = v; tr.appendChild(th); });
    var thead = document.createElement("thead"); thead.appendChild(tr); table.appendChild(thead);
    var tbody = document.createElement("tbody");
    rows.forEach(function (row) {
      var r = document.createElement("tr");
      vars.forEach(function (v) { r.appendChild(cell(row[v])); });
      tbody.appendChild(r);
    });
    table.appendChild(tbody);
    results.appendChild(table);
    status.textContent = rows.length + " " + config.labels.rows;
  }
  runButton.addEventListener("click", function () {
    status.textContent = config.labels.running;
    fetch(endpoint, {
      method: "POST",
      headers: { "Content-Type": "application/sparql-query", "Accept": "application/sparql-results+json" },
      body: textarea.value
    }).then(function (response) {
      if (!response.ok) return response.text().then(function (t) { throw new Error(t); });
      return response.json();
    }).then(show).catch(function (err) {
      results.textContent = "";
      status.textContent = String(err.message || err).slice(0, 500);
    });
  });
})();
