// Test driver for tests/queue/test_announcer_browser.py, served only by that test's own route.
// It reports through console messages, so the test can watch the page without evaluating in it
// (Playwright's evaluate counts as a user gesture and would unblock sound by itself).
(function () {
  "use strict";
  var announcer = window.KupangAnnouncer;
  var call = JSON.parse(document.body.getAttribute("data-call") || "null");
  window.announcedEvents = [];
  window.blockedEvents = 0;
  document.addEventListener("kupang:announced", function (event) {
    window.announcedEvents.push(event.detail.key);
    console.log("kupang-test announced " + event.detail.key + " " + event.detail.mode);
  });
  document.addEventListener("kupang:sound-blocked", function () {
    window.blockedEvents += 1;
    if (call && window.blockedEvents === 1) { announcer.announce(call); }
    console.log("kupang-test blocked needsGesture=" + announcer.needsGesture + " pending=" + announcer.pending +
                " history=" + announcer.history.length);
  });
  document.getElementById("enable").addEventListener("click", function () { announcer.enable(); });
  announcer.ready.then(function () {
    console.log("kupang-test ready needsGesture=" + announcer.needsGesture + " pending=" + announcer.pending);
  });
})();
