/* Case forms: progressive enhancement only — every form works without this file.
   People rows: the page sends a fixed number of empty rows; with scripts, unused rows stay
   hidden behind an "Add a person" button that reveals them one at a time. */
(function () {
  "use strict";

  function isEmpty(row) {
    return Array.prototype.every.call(row.querySelectorAll("input"), function (input) {
      return !input.value;
    });
  }

  function enhance(container) {
    var rows = Array.prototype.slice.call(container.querySelectorAll("[data-people-row]"));
    var shown = 0;
    rows.forEach(function (row, index) {
      if (index === 0 || !isEmpty(row)) {
        shown = index + 1;
      }
    });
    rows.forEach(function (row, index) {
      row.hidden = index >= Math.max(shown, 1);
    });
    if (rows.length <= shown) {
      return;
    }
    var button = document.createElement("button");
    button.type = "button";
    button.className = "button button--secondary";
    button.textContent = container.getAttribute("data-add-label");
    button.addEventListener("click", function () {
      var next = rows.filter(function (row) { return row.hidden; })[0];
      if (!next) {
        return;
      }
      next.hidden = false;
      var first = next.querySelector("input");
      if (first) {
        first.focus();
      }
      if (!rows.some(function (row) { return row.hidden; })) {
        button.remove();
      }
    });
    container.appendChild(button);
  }

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-people-rows]"), enhance);
    var summary = document.getElementById("error-summary");
    if (summary) {
      summary.focus();
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
