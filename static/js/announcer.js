// kupang: spoken queue announcements for the display, offline. A chime, then Indonesian speech:
// a local Indonesian browser voice when there is one, otherwise the project's own clips
// (static/voice/, rendered with espeak-ng at set-up) chained back to back with Web Audio.
// Announcements wait in a FIFO queue, so they never overlap or cut each other off.
// No inline scripts, no eval (strict CSP); every asset comes from /static.
//
// window.KupangAnnouncer:
//   announce({key, text, words}) -> Promise of the history entry once spoken (kupang.queue.speech.announcement())
//   needsGesture   true while the browser blocks sound; "kupang:sound-blocked" fires on document when it starts
//   enable()       call from a click handler ("Ketuk untuk mengaktifkan suara"); "kupang:sound-enabled" follows
//   history        [{key, text, mode: "voice"|"clips"|"browser", start, end}] (ms timestamps, newest last)
//   events         "kupang:announce-start" and "kupang:announced" on document, detail = the history entry
//   ready, pending, mode()
(function () {
  "use strict";

  // static/voice/ next to static/js/, so the app also works under a URL prefix.
  var SCRIPT = document.currentScript;
  var MANIFEST_URL = SCRIPT && SCRIPT.src ? new URL("../voice/manifest.json", SCRIPT.src).href
    : "/static/voice/manifest.json";
  var SPEECH_RATE = 0.9;
  var CHIME_GAP = 0.2; // seconds of quiet between the chime and the first word
  var WORD_GAP = 0.015; // seconds between chained clips (they are trimmed, so words stay distinct)
  var PAUSE_BEFORE = { silakan: 0.3 }; // the comma in "..., silakan ke loket dua"
  var STALE_MS = 120000; // a call that waited longer (sound blocked for minutes) is dropped, not read out late
  var UNLOCK_TIMEOUT_MS = 600;
  var HISTORY_LIMIT = 100;

  var AudioContextClass = window.AudioContext || window.webkitAudioContext;
  var synth = window.speechSynthesis || null;
  var state = {
    queue: [],
    busy: false,
    blocked: false,
    ctx: null,
    manifest: {},
    buffers: {}, // clip name -> AudioBuffer (Web Audio)
    elements: {}, // clip name -> HTMLAudioElement (fallback)
    utterance: null, // kept referenced so Chrome does not collect it before "end"
    ready: null
  };
  var history = [];

  if (AudioContextClass) {
    try {
      state.ctx = new AudioContextClass();
    } catch (error) {
      state.ctx = null;
    }
  }

  function sleep(ms) {
    return new Promise(function (resolve) { setTimeout(resolve, ms); });
  }

  function emit(name, detail) {
    document.dispatchEvent(new CustomEvent(name, { detail: detail, bubbles: true }));
  }

  function setBlocked(blocked) {
    if (state.blocked === blocked) { return; }
    state.blocked = blocked;
    emit(blocked ? "kupang:sound-blocked" : "kupang:sound-enabled", {});
  }

  // --- loading ---------------------------------------------------------------------------------

  function clipUrl(file) {
    var url = new URL(file, new URL(MANIFEST_URL, window.location.href));
    url.searchParams.set("v", state.manifest._version || "");
    return url.href;
  }

  function clipNames() {
    return Object.keys(state.manifest).filter(function (name) {
      return name.charAt(0) !== "_" || name === "_chime";
    });
  }

  function decode(data) {
    return new Promise(function (resolve, reject) { state.ctx.decodeAudioData(data, resolve, reject); });
  }

  function loadBuffer(name) {
    return fetch(clipUrl(state.manifest[name]))
      .then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.arrayBuffer();
      })
      .then(decode)
      .then(function (buffer) { state.buffers[name] = buffer; })
      .catch(function () { /* a missing clip makes its announcements use browser speech */ });
  }

  function loadElement(name) {
    var audio = new Audio(clipUrl(state.manifest[name]));
    audio.preload = "auto";
    state.elements[name] = audio;
  }

  function voicesReady() {
    if (!synth || synth.getVoices().length) { return Promise.resolve(); }
    return new Promise(function (resolve) {
      var timer = setTimeout(resolve, 1500);
      synth.addEventListener("voiceschanged", function () { clearTimeout(timer); resolve(); }, { once: true });
    });
  }

  async function init() {
    try {
      var response = await fetch(MANIFEST_URL, { cache: "no-cache" });
      state.manifest = response.ok ? await response.json() : {};
    } catch (error) {
      state.manifest = {};
    }
    if (state.ctx) {
      await Promise.all(clipNames().map(loadBuffer));
    } else {
      clipNames().forEach(loadElement);
    }
    await voicesReady();
    // Tell the display at once when autoplay is blocked, so it can show the "tap to enable" button.
    if (state.ctx && !(await resumeAudio())) { setBlocked(true); }
  }

  // --- choosing how to speak -------------------------------------------------------------------

  function indonesianVoices() {
    if (!synth) { return []; }
    return synth.getVoices().filter(function (voice) {
      var lang = (voice.lang || "").toLowerCase().replace("_", "-");
      return lang === "id" || lang.indexOf("id-") === 0 || lang === "in-id";
    });
  }

  function localVoice() {
    return indonesianVoices().filter(function (voice) { return voice.localService; })[0] || null;
  }

  function haveClips(words) {
    var store = state.ctx ? state.buffers : state.elements;
    return words.length > 0 && words.every(function (word) { return Boolean(store[word]); });
  }

  // --- playing ---------------------------------------------------------------------------------

  function resumeAudio() {
    var ctx = state.ctx;
    if (!ctx || ctx.state === "running") { return Promise.resolve(true); }
    var attempt = ctx.resume().then(function () { return true; }, function () { return false; });
    return Promise.race([attempt, sleep(UNLOCK_TIMEOUT_MS)]).then(function () {
      return ctx.state === "running";
    });
  }

  function blockedError() {
    var error = new Error("sound blocked until a user gesture");
    error.blocked = true;
    return error;
  }

  // Web Audio: schedule every buffer on the audio clock, so clips follow each other without gaps.
  function scheduleBuffers(steps) {
    var ctx = state.ctx;
    var at = ctx.currentTime + 0.05;
    var last = null;
    steps.forEach(function (step) {
      var source = ctx.createBufferSource();
      source.buffer = state.buffers[step.name];
      source.connect(ctx.destination);
      at += step.gap;
      source.start(at);
      at += source.buffer.duration;
      last = source;
    });
    if (!last) { return Promise.resolve(); }
    var remaining = (at - ctx.currentTime) * 1000;
    return new Promise(function (resolve) {
      var timer = setTimeout(resolve, remaining + 1500); // in case "ended" never comes
      last.onended = function () { clearTimeout(timer); resolve(); };
    });
  }

  function playElement(name) {
    var audio = state.elements[name];
    return new Promise(function (resolve, reject) {
      var timer = null;
      function done() {
        clearTimeout(timer);
        audio.removeEventListener("ended", done);
        audio.removeEventListener("error", done);
        resolve();
      }
      audio.addEventListener("ended", done);
      audio.addEventListener("error", done);
      audio.currentTime = 0;
      timer = setTimeout(done, ((audio.duration || 3) + 2) * 1000);
      var playing = audio.play();
      if (playing && playing.catch) {
        playing.catch(function (error) {
          clearTimeout(timer);
          audio.removeEventListener("ended", done);
          audio.removeEventListener("error", done);
          if (error && error.name === "NotAllowedError") { reject(blockedError()); } else { resolve(); }
        });
      }
    });
  }

  async function playElements(steps) {
    for (var i = 0; i < steps.length; i += 1) {
      if (steps[i].gap) { await sleep(steps[i].gap * 1000); }
      await playElement(steps[i].name);
    }
  }

  function playClips(names) {
    var store = state.ctx ? state.buffers : state.elements;
    var steps = [];
    names.forEach(function (name) {
      if (!store[name]) { return; }
      var gap = 0;
      if (steps.length) {
        gap = steps.length === 1 && steps[0].name === "_chime" ? CHIME_GAP : WORD_GAP + (PAUSE_BEFORE[name] || 0);
      }
      steps.push({ name: name, gap: gap });
    });
    return state.ctx ? scheduleBuffers(steps) : playElements(steps);
  }

  function speak(text, voice) {
    if (!synth || !text) { return Promise.resolve(); }
    return new Promise(function (resolve, reject) {
      var utterance = new SpeechSynthesisUtterance(text);
      var timer = setTimeout(finish, 5000 + text.length * 250); // in case "end" never comes
      function finish() {
        clearTimeout(timer);
        state.utterance = null;
        resolve();
      }
      utterance.lang = voice ? voice.lang : "id-ID";
      if (voice) { utterance.voice = voice; }
      utterance.rate = SPEECH_RATE;
      utterance.onend = finish;
      utterance.onerror = function (event) {
        if (event.error === "not-allowed") {
          clearTimeout(timer);
          state.utterance = null;
          reject(blockedError());
        } else {
          finish();
        }
      };
      state.utterance = utterance;
      synth.speak(utterance);
    });
  }

  async function perform(job) {
    var voice = localVoice();
    var mode = voice ? "voice" : haveClips(job.words) ? "clips" : "browser";
    var entry = { key: job.key, text: job.text, mode: mode, start: Date.now(), end: null };
    remember(entry);
    emit("kupang:announce-start", entry);
    if (mode === "clips") {
      await playClips(["_chime"].concat(job.words));
    } else {
      await playClips(["_chime"]);
      await speak(job.text, voice || indonesianVoices()[0] || null);
    }
    entry.end = Date.now();
    emit("kupang:announced", entry);
    return entry;
  }

  function remember(entry) {
    history.push(entry);
    if (history.length > HISTORY_LIMIT) { history.splice(0, history.length - HISTORY_LIMIT); }
  }

  // --- the queue -------------------------------------------------------------------------------

  async function pump() {
    if (state.busy) { return; }
    state.busy = true;
    try {
      await state.ready;
      while (state.queue.length && !state.blocked) {
        if (!(await resumeAudio())) {
          setBlocked(true);
          break;
        }
        var job = state.queue.shift();
        if (Date.now() - job.queuedAt > STALE_MS) {
          job.resolve(null);
          continue;
        }
        try {
          job.resolve(await perform(job));
        } catch (error) {
          var entry = history[history.length - 1] || {};
          if (error && error.blocked) {
            history.pop(); // it did not really play: it is announced again after enable()
            state.queue.unshift(job);
            setBlocked(true);
          } else {
            entry.end = Date.now();
            job.resolve(entry);
          }
        }
      }
    } finally {
      state.busy = false;
    }
  }

  function announce(call) {
    var item = call || {};
    var words = Array.isArray(item.words) ? item.words.map(String) : [];
    if (!item.text && !words.length) { return Promise.resolve(null); }
    return new Promise(function (resolve) {
      state.queue.push({
        key: String(item.key || ""), text: String(item.text || ""), words: words,
        queuedAt: Date.now(), resolve: resolve
      });
      pump();
    });
  }

  // Call from a click handler: resumes audio inside the user gesture, then plays what waited.
  function enable() {
    var unlocked = Promise.resolve(true);
    if (state.ctx) {
      var silent = state.ctx.createBufferSource();
      silent.buffer = state.ctx.createBuffer(1, 1, state.ctx.sampleRate);
      silent.connect(state.ctx.destination);
      silent.start(0);
      unlocked = resumeAudio();
    }
    return unlocked.then(function (running) {
      if (running) {
        setBlocked(false);
        pump();
      } else if (state.blocked) {
        emit("kupang:sound-blocked", {}); // still blocked: the display shows its button again
      } else {
        setBlocked(true);
      }
      return running;
    });
  }

  state.ready = init();

  var api = {
    announce: announce,
    enable: enable,
    history: history,
    ready: state.ready,
    mode: function () { return localVoice() ? "voice" : haveClips(["nomor", "antrian"]) ? "clips" : "browser"; }
  };
  Object.defineProperty(api, "needsGesture", { get: function () { return state.blocked; }, enumerable: true });
  Object.defineProperty(api, "pending", { get: function () { return state.queue.length; }, enumerable: true });
  window.KupangAnnouncer = api;
})();
