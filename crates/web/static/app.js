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
  // After an htmx request, let the form be used again; a form marked data-reset-on-success
  // (the comment form) is cleared once its text was accepted. A refused comment comes back
  // retargeted to the error slot, and then the typed text stays for correcting.
  document.addEventListener("htmx:afterRequest", function (e) {
    var form = e.detail.elt;
    if (!form || form.tagName !== "FORM") return;
    form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = false; });
    var xhr = e.detail.xhr;
    if (e.detail.successful && form.hasAttribute("data-reset-on-success") && xhr && !xhr.getResponseHeader("HX-Retarget")) {
      form.reset();
    }
  });
})();
