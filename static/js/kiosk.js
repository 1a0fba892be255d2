// kupang kiosk: one tap issues one ticket, the ticket prints itself, the kiosk returns by itself.
// No inline scripts (strict CSP); everything here is progressive: the kiosk works without it.
// Also the devices' own error page: it waits until the kiosk or TV page answers again, then goes back.
(function () {
  "use strict";
  var MM_PER_PX = 25.4 / 96;
  var PROBE_TIMEOUT_MS = 3000;
  var RETRY_MS = 3000;

  // --- reaching the server -----------------------------------------------------------------
  // resolve(response) when the server answers at all, reject when the network fails or times out.
  function probe(url) {
    var controller = window.AbortController ? new AbortController() : null;
    var timer = setTimeout(function () { if (controller) { controller.abort(); } }, PROBE_TIMEOUT_MS);
    return fetch(url, { cache: "no-store", credentials: "same-origin", redirect: "manual",
                        headers: { "HX-Request": "true" }, signal: controller ? controller.signal : undefined })
      .then(function (response) { clearTimeout(timer); return response; },
            function (error) { clearTimeout(timer); throw error; });
  }

  function answered(response) {
    return response.ok || response.type === "opaqueredirect";
  }

  // Call then() once `url` answers well; until then retry every few seconds.
  function whenReachable(url, then, onWait) {
    probe(url).then(function (response) {
      if (answered(response)) { then(); return; }
      throw new Error("HTTP " + response.status);
    }).catch(function () {
      if (onWait) { onWait(); }
      setTimeout(function () { whenReachable(url, then, onWait); }, RETRY_MS);
    });
  }

  function showOffline(show) {
    var overlay = document.getElementById("kiosk-offline");
    if (overlay) { overlay.classList.toggle("hidden", !show); }
  }

  function returnLater(el) {
    var url = el.getAttribute("data-return-url");
    var seconds = parseInt(el.getAttribute("data-return-after") || "0", 10);
    if (!url || seconds <= 0) { return null; }
    var timer = null;
    function arm() {
      if (timer) { clearTimeout(timer); }
      timer = setTimeout(function () {
        whenReachable(url, function () { window.location.replace(url); }, function () { showOffline(true); });
      }, seconds * 1000);
    }
    arm();
    return arm;
  }

  // --- the kiosk page and the priority choice ---------------------------------------------
  function setupKiosk(form) {
    var hint = document.getElementById("kiosk-hint");
    var defaultHint = hint ? hint.innerHTML : "";
    var homeUrl = form.getAttribute("data-home") || "/kiosk";
    var probeUrl = form.getAttribute("data-probe") || "/healthz";
    var busy = false;
    var offline = false;

    function setBusy(on, submitter) {
      busy = on;
      form.classList.toggle("kiosk-busy", on);
      var carried = form.querySelector("input[data-carried]");
      if (carried) { carried.remove(); }
      if (on && submitter) {
        // Carry the tapped button's value in a hidden field: the form is sent after the probe.
        carried = document.createElement("input");
        carried.type = "hidden";
        carried.name = submitter.name;
        carried.value = submitter.value;
        carried.setAttribute("data-carried", "1");
        form.appendChild(carried);
      }
      form.querySelectorAll("button").forEach(function (b) {
        if (on) { b.setAttribute("data-was-disabled", b.disabled ? "1" : ""); b.disabled = true; }
        else { b.disabled = b.getAttribute("data-was-disabled") === "1"; }
      });
      if (hint) {
        if (on) { hint.textContent = "Mencetak nomor antrian Anda…"; } else { hint.innerHTML = defaultHint; }
        hint.classList.toggle("prio-on", on);
      }
    }

    function goOffline() {
      if (offline) { return; }
      offline = true;
      showOffline(true);
      whenReachable(probeUrl, function () {
        // Back: start again from a fresh kiosk page (fresh tiles, fresh nonce).
        window.location.replace(homeUrl);
      });
    }

    form.addEventListener("submit", function (event) {
      var submitter = event.submitter;
      event.preventDefault();
      if (busy || offline || !submitter || submitter.disabled) { return; }
      setBusy(true, submitter);
      // A tap while the server cannot be reached would leave the browser's own error page: ask first.
      probe(probeUrl).then(function () { form.submit(); }, function () { setBusy(false); goOffline(); });
    });

    document.body.addEventListener("htmx:sendError", goOffline);
    document.body.addEventListener("htmx:timeout", goOffline);
    // A page restored from the back/forward cache must not stay disabled.
    window.addEventListener("pageshow", function (event) { if (event.persisted) { window.location.reload(); } });
    var rearm = returnLater(form);
    if (rearm) { document.addEventListener("pointerdown", rearm); }
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

  // --- the devices' error page ------------------------------------------------------------
  function setupDeviceError(el) {
    var home = el.getAttribute("data-home");
    var seconds = parseInt(el.getAttribute("data-retry") || "3", 10);
    setTimeout(function () {
      whenReachable(home, function () { window.location.replace(home); });
    }, seconds * 1000);
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
    var deviceError = document.querySelector(".device-error[data-home]");
    if (deviceError) { setupDeviceError(deviceError); }
  });
})();
