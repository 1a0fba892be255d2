"""The display's announcer in Chromium: queued calls never overlap, clips speak when no Indonesian voice exists."""
import importlib.util
import json
import shutil
import wave
from pathlib import Path

import pytest
from flask import send_file
from markupsafe import escape

from kupang.queue.speech import announcement

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
VOICE_DIR = ROOT / "static" / "voice"
CHROMIUM = "/usr/bin/chromium"
# The flags of tests/conftest.py's browser fixture.
BASE_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
DRIVER = Path(__file__).with_name("announcer_driver.js")
TEST_PAGE = """<!doctype html>
<html lang="id"><head><meta charset="utf-8"><title>Uji pengumuman</title></head>
<body data-call="{call}"><button type="button" id="enable">Ketuk untuk mengaktifkan suara</button>
<script src="/static/js/announcer.js"></script><script src="/_test/announcer-driver.js"></script></body></html>"""


@pytest.fixture(scope="session")
def voice_clips():
    """The rendered clips in static/voice (rendered now when missing); skipped without espeak-ng."""
    manifest = _manifest()
    if "nomor" not in manifest:
        if shutil.which("espeak-ng") is None:
            pytest.skip("espeak-ng is not installed, so there are no voice clips")
        spec = importlib.util.spec_from_file_location("render_voice", ROOT / "scripts" / "render_voice.py")
        renderer = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(renderer)
        renderer.render(VOICE_DIR, install=False)
        manifest = _manifest()
    return manifest


def _manifest():
    try:
        return json.loads((VOICE_DIR / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _seconds(name):
    with wave.open(str(VOICE_DIR / name), "rb") as wav:
        return wav.getnframes() / wav.getframerate()


@pytest.fixture(scope="module")
def autoplay_browser(browser):
    """Chromium started like the display TV: conftest's flags plus sound without a user gesture."""
    # Launched through the session's Playwright (a second sync Playwright cannot run alongside it).
    tv = browser.browser_type.launch(executable_path=CHROMIUM, headless=True,
                                     args=[*BASE_ARGS, "--autoplay-policy=no-user-gesture-required"])
    yield tv
    tv.close()


@pytest.fixture
def open_announcer(app, live_server, voice_clips):
    """open_announcer(browser, call=None) -> a page at a bare test page that loads /static/js/announcer.js."""
    state = {"call": None}
    app.add_url_rule("/_test/announcer", "test_announcer",
                     lambda: TEST_PAGE.format(call=escape(json.dumps(state["call"]))))
    app.add_url_rule("/_test/announcer-driver.js", "test_announcer_driver",
                     lambda: send_file(DRIVER, mimetype="text/javascript"))
    contexts = []

    def open_page(browser, call=None, init_script=None):
        state["call"] = call
        context = browser.new_context(base_url=live_server, locale="id-ID")
        contexts.append(context)
        if init_script:
            context.add_init_script(init_script)
        page = context.new_page()
        page.outside, page.errors, page.log = [], [], []
        page.on("request", lambda req: None if req.url.startswith(live_server) else page.outside.append(req.url))
        page.on("pageerror", lambda error: page.errors.append(str(error)))
        page.on("console", lambda msg: page.log.append(msg.text))
        # Wait for the announcer through the driver's console report: no evaluate (it would count as a gesture).
        with page.expect_console_message(lambda msg: msg.text.startswith("kupang-test ready"), timeout=30000):
            page.goto("/_test/announcer")
        return page

    yield open_page
    for context in contexts:
        context.close()


def _clean(page):
    """True when the page neither reached outside the server nor hit an error or a CSP violation."""
    return not page.outside and not page.errors and not [m for m in page.log if "Content Security Policy" in m]


def _history(page):
    return page.evaluate("() => window.KupangAnnouncer.history.map((h) => ({...h}))")


def test_three_quick_calls_play_in_order_without_overlap_using_clips(open_announcer, autoplay_browser, voice_clips):
    page = open_announcer(autoplay_browser)
    calls = [announcement("A-012", 2), announcement("B-007", 1), announcement("A-012", 2)]  # the last is a recall
    assert page.evaluate("() => window.speechSynthesis.getVoices().filter((v) => v.lang.startsWith('id')).length") == 0
    assert page.evaluate("() => window.KupangAnnouncer.needsGesture") is False
    results = page.evaluate("(calls) => Promise.all(calls.map((c) => window.KupangAnnouncer.announce(c)))", calls)

    history = _history(page)
    assert [h["key"] for h in history] == ["A-012@2", "B-007@1", "A-012@2"]
    assert [r["key"] for r in results] == ["A-012@2", "B-007@1", "A-012@2"]
    assert page.evaluate("() => window.announcedEvents") == ["A-012@2", "B-007@1", "A-012@2"]
    assert {h["mode"] for h in history} == {"clips"}  # headless Chromium has no Indonesian voice
    for earlier, later in zip(history, history[1:], strict=False):
        assert earlier["end"] <= later["start"], "announcements overlapped"
    for call, entry in zip(calls, history, strict=True):
        # Each announcement lasted at least its chime and every clip: nothing was cut off.
        audio = _seconds(voice_clips["_chime"]) + sum(_seconds(voice_clips[w]) for w in call["words"])
        assert entry["end"] - entry["start"] >= audio * 1000 - 50
    assert page.evaluate("() => window.KupangAnnouncer.pending") == 0
    assert _clean(page)


def test_blocked_sound_waits_for_a_tap_then_speaks(open_announcer, browser):
    # conftest's Chromium keeps the default autoplay policy: sound needs a user gesture first.
    page = open_announcer(browser, call=announcement("C-100", 3))
    assert "kupang-test blocked needsGesture=true pending=1 history=0" in page.log
    assert "kupang-test ready needsGesture=true pending=1" in page.log
    assert not [m for m in page.log if m.startswith("kupang-test announced")]

    with page.expect_console_message(lambda msg: msg.text.startswith("kupang-test announced"), timeout=60000):
        page.click("#enable")  # a real click: enable() resumes audio inside the gesture
    assert page.log[-1] == "kupang-test announced C-100@3 clips"
    assert page.evaluate("() => [window.KupangAnnouncer.needsGesture, window.KupangAnnouncer.pending]") == [False, 0]
    [entry] = _history(page)
    assert entry["key"] == "C-100@3" and entry["end"] > entry["start"]
    assert _clean(page)


def test_without_web_audio_the_clips_play_through_audio_elements(open_announcer, autoplay_browser):
    page = open_announcer(autoplay_browser, init_script="delete window.AudioContext; delete window.webkitAudioContext;")
    assert page.evaluate("() => typeof window.AudioContext") == "undefined"
    calls = [announcement("A-001", 1), announcement("B-002", 2)]
    page.evaluate("(calls) => Promise.all(calls.map((c) => window.KupangAnnouncer.announce(c)))", calls)
    history = _history(page)
    assert [(h["key"], h["mode"]) for h in history] == [("A-001@1", "clips"), ("B-002@2", "clips")]
    assert history[0]["end"] <= history[1]["start"]
    for call, entry in zip(calls, history, strict=True):
        audio = _seconds("chime.wav") + sum(_seconds(f"{w}.wav") for w in call["words"])
        assert entry["end"] - entry["start"] >= audio * 1000 - 50
    assert _clean(page)


def test_without_clips_the_chime_plays_and_browser_speech_is_tried(open_announcer, autoplay_browser):
    page = open_announcer(autoplay_browser)
    # A chime-only manifest, as written where espeak-ng is missing.
    page.route("**/static/voice/manifest.json", lambda route: route.fulfill(
        json={"_chime": "chime.wav", "_version": "bel-1"}))
    with page.expect_console_message(lambda msg: msg.text.startswith("kupang-test ready"), timeout=30000):
        page.reload()
    assert page.evaluate("() => window.KupangAnnouncer.mode()") == "browser"
    entry = page.evaluate("(call) => window.KupangAnnouncer.announce(call)", announcement("D-111", 4))
    assert (entry["key"], entry["mode"]) == ("D-111@4", "browser")
    assert entry["end"] - entry["start"] >= _seconds("chime.wav") * 1000 - 50  # the chime still rang in full
    assert _clean(page)
