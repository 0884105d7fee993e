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
  // A suggested tag, clicked, joins the tags field (at most five) and leaves the list.
  document.addEventListener("click", function (e) {
    var chip = e.target.closest ? e.target.closest("[data-add-tag]") : null;
    if (!chip) return;
    var field = document.getElementById("tags");
    if (!field) return;
    var tag = chip.getAttribute("data-add-tag");
    var tags = field.value.split(/[\s,]+/).filter(Boolean);
    if (tags.indexOf(tag) === -1) {
      if (tags.length >= 5) { field.focus(); return; }
      tags.push(tag);
    }
    field.value = tags.join(" ");
    var list = chip.parentNode;
    chip.remove();
    if (list && !list.querySelector("[data-add-tag]")) list.remove();
    field.focus();
  });
  // @mention completion in post and comment editors: after "@" and a letter or two, a list of
  // matching usernames; arrows choose, Enter or Tab inserts, Escape closes. Typing the whole
  // name works the same without it.
  var box = null, items = [], active = -1, target = null, timer = null;
  function close() {
    if (box) box.remove();
    box = null; items = []; active = -1;
    if (target) target.removeAttribute("aria-activedescendant");
  }
  function pick(i) {
    if (!target || !items[i]) return;
    var t = target, pos = t.selectionStart, before = t.value.slice(0, pos);
    var m = before.match(/@([A-Za-z0-9_.-]*)$/);
    if (!m) return close();
    t.value = before.slice(0, pos - m[1].length) + items[i] + " " + t.value.slice(pos);
    var caret = pos - m[1].length + items[i].length + 1;
    t.setSelectionRange(caret, caret);
    close();
    t.dispatchEvent(new Event("input", { bubbles: true }));
  }
  function show(t, names) {
    close();
    if (!names.length) return;
    target = t; items = names;
    box = document.createElement("ul");
    box.className = "mention-list";
    box.id = "mention-list";
    box.setAttribute("role", "listbox");
    box.setAttribute("aria-label", "Usernames");
    names.forEach(function (n, i) {
      var li = document.createElement("li");
      li.id = "mention-" + i;
      li.setAttribute("role", "option");
      li.textContent = "@" + n;
      li.addEventListener("mousedown", function (e) { e.preventDefault(); pick(i); });
      box.appendChild(li);
    });
    t.insertAdjacentElement("afterend", box);
  }
  function highlight(i) {
    if (!box) return;
    active = (i + items.length) % items.length;
    box.querySelectorAll("li").forEach(function (li, j) { li.setAttribute("aria-selected", j === active ? "true" : "false"); });
    target.setAttribute("aria-activedescendant", "mention-" + active);
  }
  document.addEventListener("input", function (e) {
    var t = e.target;
    if (t.tagName !== "TEXTAREA" || t.name !== "body") return;
    var m = t.value.slice(0, t.selectionStart).match(/(^|[^A-Za-z0-9_.-])@([A-Za-z0-9][A-Za-z0-9_.-]{0,29})$/);
    window.clearTimeout(timer);
    if (!m) return close();
    timer = window.setTimeout(function () {
      fetch("/api/v1/usernames?prefix=" + encodeURIComponent(m[2]), { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : { items: [] }; })
        .then(function (d) { show(t, d.items || []); })
        .catch(close);
    }, 150);
  });
  document.addEventListener("keydown", function (e) {
    if (!box || e.target !== target) return;
    if (e.key === "ArrowDown") { e.preventDefault(); highlight(active + 1); }
    else if (e.key === "ArrowUp") { e.preventDefault(); highlight(active - 1); }
    else if ((e.key === "Enter" || e.key === "Tab") && active >= 0) { e.preventDefault(); pick(active); }
    else if (e.key === "Escape") { close(); }
  });
  document.addEventListener("focusout", function (e) { if (e.target === target) window.setTimeout(close, 100); });
})();
