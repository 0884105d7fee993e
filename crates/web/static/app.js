// Stoa's only script besides htmx: small progressive enhancements. Every page works without it.
(function () {
  "use strict";
  // Prevent double submissions: disable a form's buttons once it is sent.
  document.addEventListener("submit", function (e) {
    var form = e.target;
    if (form.hasAttribute("data-no-disable")) return;
    window.setTimeout(function () {
      form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = true; });
    }, 0);
  });
  // Re-enable buttons when the page is restored from the back/forward cache.
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("button[type=submit]:disabled").forEach(function (b) { b.disabled = false; });
  });
})();
