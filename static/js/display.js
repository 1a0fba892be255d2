// kupang TV display: polls the board every second, shows new calls highlighted and hands them to
// KupangAnnouncer in call order. Calls already on the board when the page loads are marked as
// announced, so a reload never replays them; a recall is a new call id and is announced again.
// When the server cannot be reached, a discreet marker shows and polling simply goes on.
(function () {
  "use strict";

  var body = document.body;
  var statusUrl = body.getAttribute("data-status-url");
  var pollMs = parseInt(body.getAttribute("data-poll-ms"), 10) || 1000;
  var timeZone = body.getAttribute("data-timezone") || "Asia/Makassar";
  var clockOffset = (parseInt(body.getAttribute("data-server-now"), 10) || Date.now()) - Date.now();
  var REQUEST_TIMEOUT_MS = 5000;
  var OFFLINE_AFTER = 2; // failed polls in a row before the marker shows
  var HIGHLIGHT_MS = 12000;

  var state = {
    token: "",
    lastCallId: 0,
    failures: 0,
    polls: 0, // answered polls (read by the browser tests)
    highlightTimer: null,
    seen: {} // call id -> Date.now() when it first appeared here (read by the browser tests)
  };
  window.KupangDisplay = state;

  // --- clock -------------------------------------------------------------------------------

  var timeFormat = new Intl.DateTimeFormat("id-ID", { timeZone: timeZone, hour: "2-digit", minute: "2-digit",
                                                      second: "2-digit", hour12: false });
  var dateFormat = new Intl.DateTimeFormat("id-ID", { timeZone: timeZone, weekday: "long", day: "numeric",
                                                      month: "long", year: "numeric" });

  function tickClock() {
    var now = new Date(Date.now() + clockOffset);
    document.getElementById("display-clock").textContent = timeFormat.format(now).replace(/:/g, ".");
    document.getElementById("display-date").textContent = dateFormat.format(now);
  }

  // --- board -------------------------------------------------------------------------------

  function callsOn(board) {
    var items = board.querySelectorAll("#recent-calls [data-call-id]");
    var calls = [];
    for (var i = 0; i < items.length; i++) {
      var el = items[i];
      var words = [];
      try { words = JSON.parse(el.getAttribute("data-words") || "[]"); } catch (error) { words = []; }
      calls.push({ id: parseInt(el.getAttribute("data-call-id"), 10), key: el.getAttribute("data-key"),
                   text: el.getAttribute("data-text"), words: words });
    }
    return calls.sort(function (a, b) { return a.id - b.id; });
  }

  function adopt(board, announceNew) {
    state.token = board.getAttribute("data-token") || "";
    updateTicker(board.getAttribute("data-running-text"));
    var fresh = callsOn(board).filter(function (call) { return call.id > state.lastCallId; });
    if (!fresh.length) { return; }
    state.lastCallId = fresh[fresh.length - 1].id;
    var now = Date.now();
    fresh.forEach(function (call) { state.seen[call.id] = now; });
    if (!announceNew) { return; }
    highlight(board);
    fresh.forEach(function (call) {
      if (window.KupangAnnouncer) { window.KupangAnnouncer.announce(call); }
    });
  }

  function highlight(board) {
    var latest = board.querySelector(".latest");
    if (!latest) { return; }
    latest.classList.add("is-new");
    clearTimeout(state.highlightTimer);
    state.highlightTimer = setTimeout(function () {
      var current = document.querySelector("#board .latest");
      if (current) { current.classList.remove("is-new"); }
    }, HIGHLIGHT_MS);
  }

  function swapBoard(html) {
    var doc = new DOMParser().parseFromString(html, "text/html");
    var incoming = doc.getElementById("board");
    var current = document.getElementById("board");
    if (!incoming || !current) { return; }
    var node = document.importNode(incoming, true);
    // A call that is still highlighted stays highlighted when an unrelated change redraws the board.
    var wasNew = current.querySelector(".latest.is-new");
    var sameLatest = wasNew && node.querySelector("#latest-code") && current.querySelector("#latest-code") &&
      node.querySelector("#latest-code").getAttribute("data-call-id") ===
      current.querySelector("#latest-code").getAttribute("data-call-id");
    if (sameLatest) { node.querySelector(".latest").classList.add("is-new"); }
    current.replaceWith(node);
    adopt(node, true);
  }

  // --- running text ------------------------------------------------------------------------

  function updateTicker(text) {
    var el = document.getElementById("ticker-text");
    if (!el || text === null || text === undefined) { return; }
    if (el.textContent !== text) { el.textContent = text; }
    // Constant reading speed whatever the length: about 90 px per second across the screen.
    var distance = el.offsetWidth + window.innerWidth;
    el.style.setProperty("--ticker-seconds", Math.max(10, Math.round(distance / 90)) + "s");
  }

  // --- polling -----------------------------------------------------------------------------

  function setOnline(online) {
    var marker = document.getElementById("offline");
    if (online) {
      state.failures = 0;
      marker.classList.add("hidden");
    } else {
      state.failures += 1;
      if (state.failures >= OFFLINE_AFTER) { marker.classList.remove("hidden"); }
    }
  }

  function poll() {
    var started = Date.now();
    var controller = window.AbortController ? new AbortController() : null;
    var timeout = setTimeout(function () { if (controller) { controller.abort(); } }, REQUEST_TIMEOUT_MS);
    var url = statusUrl + "?v=" + encodeURIComponent(state.token);
    fetch(url, { headers: { "HX-Request": "true" }, cache: "no-store", credentials: "same-origin",
                 signal: controller ? controller.signal : undefined })
      .then(function (response) {
        state.polls += 1;
        if (response.status === 204) { setOnline(true); return null; }
        if (response.status === 401 || response.status === 403) {
          // Revoked or unpaired: the device is cut off; go where the server sends it.
          window.location.href = response.headers.get("HX-Redirect") || window.location.href;
          return null;
        }
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.text().then(function (html) { setOnline(true); swapBoard(html); });
      })
      .catch(function () { setOnline(false); })
      .then(function () {
        clearTimeout(timeout);
        setTimeout(poll, Math.max(100, pollMs - (Date.now() - started)));
      });
  }

  // --- sound -------------------------------------------------------------------------------

  function showSoundButton(show) {
    var button = document.getElementById("sound-enable");
    if (button) { button.classList.toggle("hidden", !show); }
  }

  document.addEventListener("kupang:sound-blocked", function () { showSoundButton(true); });
  document.addEventListener("kupang:sound-enabled", function () { showSoundButton(false); });

  function start() {
    var button = document.getElementById("sound-enable");
    if (button) {
      button.addEventListener("click", function () {
        if (window.KupangAnnouncer) { window.KupangAnnouncer.enable(); }
        showSoundButton(false);
      });
    }
    if (window.KupangAnnouncer && window.KupangAnnouncer.needsGesture) { showSoundButton(true); }
    adopt(document.getElementById("board"), false); // what is already on the board was announced before
    tickClock();
    setInterval(tickClock, 1000);
    setTimeout(poll, pollMs);
  }

  start();
})();
