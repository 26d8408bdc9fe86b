// Progressive enhancement only: a filter box above each long table. Every page works without it.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("table.filterable").forEach(function (table, n) {
    var rows = table.tBodies[0] ? table.tBodies[0].rows : [];
    if (rows.length < 8) { return; }
    var label = document.createElement("label");
    var id = "filter-" + n;
    label.htmlFor = id;
    label.textContent = "Filter rows ";
    var input = document.createElement("input");
    input.id = id;
    input.type = "search";
    var wrap = document.createElement("div");
    wrap.className = "filter";
    wrap.appendChild(label);
    wrap.appendChild(input);
    table.parentNode.insertBefore(wrap, table);
    input.addEventListener("input", function () {
      var needle = input.value.toLowerCase();
      for (var i = 0; i < rows.length; i++) {
        rows[i].hidden = needle !== "" && rows[i].textContent.toLowerCase().indexOf(needle) < 0;
      }
    });
  });
});
