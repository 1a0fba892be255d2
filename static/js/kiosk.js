// kupang kiosk: one tap issues one ticket, the ticket prints itself, the kiosk returns by itself.
// No inline scripts (strict CSP); everything here is progressive: the kiosk works without it.
(function () {
  "use strict";
  var IDLE_RESET_MS = 45000;
  var MM_PER_PX = 25.4 / 96;

  function returnLater(el) {
    var url = el.getAttribute("data-return-url");
    var seconds = parseInt(el.getAttribute("data-return-after") || "0", 10);
    if (url && seconds > 0) {
      window.setTimeout(function () { window.location.replace(url); }, seconds * 1000);
    }
  }

  // --- the kiosk page -------------------------------------------------------------------
  function setupKiosk(form) {
    var hint = document.getElementById("kiosk-hint");
    var defaultHint = hint ? hint.textContent : "";
    var busy = false;
    var idleTimer = null;

    form.addEventListener("submit", function (event) {
      var submitter = event.submitter;
      if (busy || !submitter || submitter.disabled) { event.preventDefault(); return; }
      busy = true;
      // Carry the tapped service in a hidden field, then disable every button: a double tap sends nothing more.
      var carried = document.createElement("input");
      carried.type = "hidden";
      carried.name = submitter.name;
      carried.value = submitter.value;
      form.appendChild(carried);
      form.classList.add("kiosk-busy");
      form.querySelectorAll("button").forEach(function (b) { b.disabled = true; });
      if (hint) { hint.textContent = "Mencetak nomor antrian Anda…"; hint.classList.add("prio-on"); }
    });

    function chosenPriority() {
      var checked = form.querySelector("input[name=priority]:checked");
      return checked ? checked.value : "";
    }

    function applyPriority() {
      var priority = chosenPriority();
      form.querySelectorAll(".kiosk-tile").forEach(function (tile) {
        var refuses = priority && tile.getAttribute("data-priority") === "no";
        tile.classList.toggle("no-prio", !!refuses);
        if (!tile.classList.contains("is-full")) { tile.disabled = !!refuses; }
      });
      if (hint && !busy) {
        var label = form.querySelector("input[name=priority]:checked");
        hint.textContent = priority && label
          ? "Antrian prioritas (" + label.parentNode.textContent.trim() + ") dipilih. Sentuh layanan; layanan yang redup tidak menyediakan antrian prioritas."
          : defaultHint;
        hint.classList.toggle("prio-on", !!priority);
      }
    }

    function resetIdle() {
      if (idleTimer) { window.clearTimeout(idleTimer); }
      idleTimer = window.setTimeout(function () {
        var general = form.querySelector("input[name=priority][value='']");
        if (general && !general.checked && !busy) { general.checked = true; applyPriority(); }
      }, IDLE_RESET_MS);
    }

    form.addEventListener("change", function () { applyPriority(); resetIdle(); });
    document.addEventListener("pointerdown", resetIdle);
    // The service buttons are refreshed by polling: keep the priority state on the new ones.
    document.body.addEventListener("htmx:afterSwap", function () { if (!busy) { applyPriority(); } });
    // A page restored from the back/forward cache must not stay disabled.
    window.addEventListener("pageshow", function (event) { if (event.persisted) { window.location.reload(); } });
    applyPriority();
  }

  function setupClock(el) {
    var format;
    try {
      format = new Intl.DateTimeFormat("id-ID", { timeZone: "Asia/Makassar", hour: "2-digit", minute: "2-digit", hour12: false });
    } catch (e) { return; }
    function tick() { el.textContent = format.format(new Date()).replace(":", ".") + " WITA"; }
    tick();
    window.setInterval(tick, 10000);
  }

  // --- the ticket print view ------------------------------------------------------------
  function pageRuleFor(ticket) {
    // Chromium ignores `size: 58mm auto`: give the page the ticket's measured length instead.
    var widthMm = Math.round(ticket.offsetWidth * MM_PER_PX);
    var heightMm = Math.ceil(ticket.offsetHeight * MM_PER_PX) + 4;
    for (var i = 0; i < document.styleSheets.length; i++) {
      var sheet = document.styleSheets[i];
      if (sheet.href && /\/css\/ticket(-80)?\.css/.test(sheet.href)) {
        try {
          sheet.insertRule("@page { size: " + widthMm + "mm " + heightMm + "mm; margin: 0; }", sheet.cssRules.length);
        } catch (e) { /* keep the stylesheet's fallback length */ }
      }
    }
  }

  function setupTicket(ticket) {
    var again = document.getElementById("ticket-print-again");
    if (again) { again.addEventListener("click", function () { window.print(); }); }
    pageRuleFor(ticket);
    if (ticket.getAttribute("data-autoprint") === "1") {
      // Let the QR code and fonts lay out first; with Chromium --kiosk-printing this prints silently.
      window.setTimeout(function () { window.print(); returnLater(ticket); }, 300);
    } else {
      returnLater(ticket);
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("kiosk-form");
    if (form) { setupKiosk(form); }
    var clock = document.getElementById("kiosk-time");
    if (clock) { setupClock(clock); }
    var ticket = document.getElementById("ticket");
    if (ticket) { setupTicket(ticket); }
    var message = document.querySelector(".kiosk-message");
    if (message) { returnLater(message); }
  });
})();
