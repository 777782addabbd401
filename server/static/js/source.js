// Highlight an RFC 5147 range given in the URL fragment (#char=START,END), which the server never sees.
// Offsets count Unicode code points, as in the data (docs/data-format.md), not UTF-16 units.
(function () {
  "use strict";
  var pre = document.getElementById("source-text");
  if (!pre) return;
  function highlight() {
    var m = /^#char=(\d+),(\d+)$/.exec(window.location.hash);
    if (!m || document.getElementById("hl")) return;
    var start = parseInt(m[1], 10), end = parseInt(m[2], 10);
    var chars = Array.from(pre.textContent);
    if (start > end || end > chars.length) return;
    pre.textContent = "";
    pre.appendChild(document.createTextNode(chars.slice(0, start).join("")));
    var mark = document.createElement("mark");
    mark.id = "hl";
    mark.textContent = chars.slice(start, end).join("");
    pre.appendChild(mark);
    pre.appendChild(document.createTextNode(chars.slice(end).join("")));
    mark.scrollIntoView({ block: "center" });
  }
  highlight();
  window.addEventListener("hashchange", highlight);
  var hl = document.getElementById("hl");
  if (hl) hl.scrollIntoView({ block: "center" });
})();
