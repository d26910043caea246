// Cases: progressive enhancement only; every form works without this file.
// "Add another party" clones the last row on the client instead of a round trip.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var button = document.querySelector('.case-form [name="add_party"]');
    if (!button) { return; }
    button.addEventListener("click", function (event) {
      var rows = document.querySelectorAll(".case-form [data-party-row]");
      var last = rows[rows.length - 1];
      if (!last) { return; }
      event.preventDefault();
      var index = rows.length;
      var copy = last.cloneNode(true);
      copy.querySelectorAll("[name], [id], [for], [aria-describedby]").forEach(function (el) {
        ["name", "id", "for", "aria-describedby"].forEach(function (attr) {
          var value = el.getAttribute(attr);
          if (value) { el.setAttribute(attr, value.replace(/parties-\d+-/, "parties-" + index + "-")); }
        });
        if (el.tagName === "INPUT" && el.type !== "submit") { el.value = ""; }
        el.removeAttribute("aria-invalid");
      });
      copy.querySelectorAll(".error").forEach(function (el) { el.remove(); });
      copy.querySelectorAll(".has-error").forEach(function (el) { el.classList.remove("has-error"); });
      var heading = copy.querySelector("h3");
      if (heading) { heading.textContent = heading.textContent.replace(/\d+/, String(index + 1)); }
      last.parentNode.insertBefore(copy, button);
      var name = copy.querySelector('[name$="-name"]');
      if (name) { name.focus(); }
    });
  });
})();
