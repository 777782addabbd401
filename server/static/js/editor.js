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
  // The query the editor opens with: short, commented in Japanese for the staff who read it first
  // (the named queries stay in the dropdown, with their own comments).
  var DEFAULT_QUERY = [
    "# 例：SDG ゴール 13（気候変動）に資する施策・取組を、自治体ごとに数える",
    "# ・「実行」ボタン（▶）で結果が下に表に出ます。",
    "# ・13 を別の番号（1〜17）に変えると、そのゴールについて数えます。",
    "# ・ほかの例は上の「クエリ例」から選べます。",
    "PREFIX kk: <https://w3id.org/keikaku/def#>",
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>",
    "",
    "SELECT ?自治体 (COUNT(DISTINCT ?element) AS ?件数) WHERE {",
    "  # kk:contributesTo：要素が資する SDG（ターゲットに資する要素はそのゴールにも資する）",
    "  ?element kk:contributesTo <http://metadata.un.org/sdg/13> ;",
    "           kk:inPlan/kk:issuedBy ?municipality .   # その要素を含む計画を策定した自治体",
    "  ?municipality rdfs:label ?自治体 .",
    "  FILTER (LANG(?自治体) = \"ja\" || LANG(?自治体) = \"\")  # 日本語の名称",
    "}",
    "GROUP BY ?自治体",
    "ORDER BY DESC(?件数)"
  ].join("\n");

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
    // accessibility (accessibility-baseline.md §4.5): the editor's fields get names, the way out of the
    // editor (TAB indents there) is told, and every new tab gets the same
    function labelFields() {
      document.querySelectorAll("#yasgui .CodeMirror textarea").forEach(function (t) {
        t.setAttribute("aria-label", "SPARQL クエリ（エディタ内の Tab は字下げ。Esc の後 Tab で抜けます）");
      });
      document.querySelectorAll("#yasgui input.autocomplete").forEach(function (i) {
        i.setAttribute("aria-label", "エンドポイント URL");
      });
    }
    labelFields();
    if (yasgui.on) yasgui.on("tabChange", function () { setTimeout(labelFields, 0); });
    var first = yasgui.getTab();
    if (first && config.examples.length && !first.getQuery().match(/kk:|keikaku/)) {
      first.setQuery(DEFAULT_QUERY);
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
  textarea.value = DEFAULT_QUERY;
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
