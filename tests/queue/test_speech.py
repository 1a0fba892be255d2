"""Spoken announcements: the Indonesian words for ticket codes and counters, and the offline clip renderer."""
import importlib.util
import json
import math
import os
import shutil
import wave
from pathlib import Path

import pytest

from kupang.queue.speech import all_clip_words, announcement, clip_text, number_words, parse_code

ROOT = Path(__file__).resolve().parents[2]


def load_renderer():
    """scripts/render_voice.py as a module (scripts/ is not a package)."""
    spec = importlib.util.spec_from_file_location("render_voice", ROOT / "scripts" / "render_voice.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(("code", "counter", "text", "words"), [
    ("A-001", 1, "Nomor antrian A satu, silakan ke loket satu",
     ["huruf-a", "satu", "silakan", "ke", "loket", "satu"]),
    ("A-012", 2, "Nomor antrian A dua belas, silakan ke loket dua",
     ["huruf-a", "dua", "belas", "silakan", "ke", "loket", "dua"]),
    ("B-012", 10, "Nomor antrian B dua belas, silakan ke loket sepuluh",
     ["huruf-b", "dua", "belas", "silakan", "ke", "loket", "sepuluh"]),
    ("C-100", 11, "Nomor antrian C seratus, silakan ke loket sebelas",
     ["huruf-c", "seratus", "silakan", "ke", "loket", "sebelas"]),
    ("D-111", 21, "Nomor antrian D seratus sebelas, silakan ke loket dua puluh satu",
     ["huruf-d", "seratus", "sebelas", "silakan", "ke", "loket", "dua", "puluh", "satu"]),
    ("Z-999", 99,
     "Nomor antrian Z sembilan ratus sembilan puluh sembilan, silakan ke loket sembilan puluh sembilan",
     ["huruf-z", "sembilan", "ratus", "sembilan", "puluh", "sembilan", "silakan", "ke", "loket",
      "sembilan", "puluh", "sembilan"]),
    ("K-010", 3, "Nomor antrian K sepuluh, silakan ke loket tiga",
     ["huruf-k", "sepuluh", "silakan", "ke", "loket", "tiga"]),
    ("E-205", 4, "Nomor antrian E dua ratus lima, silakan ke loket empat",
     ["huruf-e", "dua", "ratus", "lima", "silakan", "ke", "loket", "empat"]),
])
def test_announcement_words(code, counter, text, words):
    said = announcement(code, counter)
    assert said["text"] == text
    assert said["words"] == ["nomor", "antrian", *words]
    assert said["key"] == f"{code}@{counter}"


def test_code_forms_and_leading_zeros():
    assert parse_code("A-012") == ("A", 12)
    assert parse_code(" b012 ") == ("B", 12)
    assert parse_code("C-7") == ("C", 7)
    assert announcement("a-007", "2")["words"][2:4] == ["huruf-a", "tujuh"]
    assert "nol" not in announcement("A-001", 1)["text"]


@pytest.mark.parametrize("code", ["", None, "A", "012", "AB-012", "A-000", "A-1000", "A-12x", "Ä-012", "A--12"])
def test_bad_ticket_codes_are_refused_in_indonesian(code):
    with pytest.raises(ValueError, match="Nomor antrian tidak valid"):
        announcement(code, 1)


@pytest.mark.parametrize("counter", [0, 100, -1, "dua", None, True, 1.5])
def test_bad_counters_are_refused_in_indonesian(counter):
    with pytest.raises(ValueError, match="Nomor loket tidak valid"):
        announcement("A-001", counter)


def test_every_word_of_every_announcement_has_a_clip():
    clips = set(all_clip_words())
    for letter in "ABCDEFGHIJKLMNOPQRSTUVWXYZ":
        for number in range(1, 1000):
            counter = number % 99 + 1
            missing = set(announcement(f"{letter}-{number:03d}", counter)["words"]) - clips
            assert not missing, (letter, number, missing)
    for counter in range(1, 100):
        assert set(announcement("A-001", counter)["words"]) <= clips


def test_clip_list_is_small_sorted_and_spellable():
    words = all_clip_words()
    assert words == sorted(set(words))
    assert len(words) < 60  # letters + the few Indonesian number words, not one clip per number
    assert {"nomor", "antrian", "silakan", "ke", "loket", "belas", "puluh", "ratus", "seratus"} <= set(words)
    assert clip_text("huruf-b") == "be" and clip_text("huruf-q") == "ki" and clip_text("dua") == "dua"
    assert number_words(111) == ["seratus", "sebelas"]


# --- the renderer ------------------------------------------------------------------------------

def test_chime_and_resampler_use_only_the_standard_library(tmp_path):
    renderer = load_renderer()
    path = tmp_path / "chime.wav"
    renderer.write_wav(path, renderer.chime())
    rate, samples = renderer.read_wav(path)
    assert rate == 16000 and 1.0 < len(samples) / rate < 2.0
    assert 10000 < max(abs(s) for s in samples) < 32767
    tone = [10000 * math.sin(2 * 3.14159 * 440 * i / 22050) for i in range(22050)]
    out = renderer.resample(tone, 22050, 16000)
    assert len(out) == 16000
    assert 9000 < max(abs(s) for s in out[100:-100]) < 10500
    assert renderer.trim_silence([0] * 500 + [5000, -5000] * 100 + [0] * 500, 16000)[0] == 0  # faded in
    assert len(renderer.trim_silence([0] * 500 + [5000, -5000] * 100 + [0] * 500, 16000)) < 700


def check_wav(path):
    """Assert a clip is mono 16 kHz 16-bit, non-empty, and starts and ends close to its sound."""
    with wave.open(str(path), "rb") as wav:
        assert (wav.getnchannels(), wav.getsampwidth(), wav.getframerate()) == (1, 2, 16000)
        frames = wav.getnframes()
        assert 0.1 * 16000 < frames < 3 * 16000
    renderer = load_renderer()
    _, samples = renderer.read_wav(path)
    loud = [i for i, s in enumerate(samples) if abs(s) > renderer.SILENCE]
    assert loud[0] < 0.05 * 16000 and len(samples) - loud[-1] < 0.05 * 16000


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")
def test_renderer_writes_clips_chime_and_manifest(tmp_path, capsys):
    renderer = load_renderer()
    out = tmp_path / "voice"
    words = ["nomor", "huruf-a", "dua", "belas"]
    assert renderer.main(["--out", str(out), "--words", ",".join(words), "--no-install"]) == 0
    manifest = json.loads((out / "manifest.json").read_text())
    assert {k: v for k, v in manifest.items() if not k.startswith("_")} == {w: f"{w}.wav" for w in words}
    assert manifest["_chime"] == "chime.wav" and manifest["_version"]
    assert sorted(p.name for p in out.glob("*.wav")) == sorted([*(f"{w}.wav" for w in words), "chime.wav"])
    for word in words:
        check_wav(out / f"{word}.wav")
    assert "5 berkas dibuat" in capsys.readouterr().out

    # A second run renders nothing and leaves every file alone.
    stamps = {p.name: p.stat().st_mtime_ns for p in out.iterdir()}
    result = renderer.render(out, words, install=False)
    assert (result["rendered"], result["skipped"], result["voice"]) == (0, 4, True)
    assert {p.name: p.stat().st_mtime_ns for p in out.iterdir()} == stamps

    # Another word set renders the difference and drops clips no longer listed.
    result = renderer.render(out, ["nomor", "tiga"], install=False)
    assert result["rendered"] == 2
    assert sorted(p.name for p in out.glob("*.wav")) == ["chime.wav", "nomor.wav", "tiga.wav"]


def test_without_espeak_the_manifest_holds_only_the_chime(tmp_path, capsys):
    renderer = load_renderer()
    out = tmp_path / "voice"
    result = renderer.render(out, ["nomor"], espeak=str(tmp_path / "no-espeak-ng"), install=False)
    assert result["voice"] is False
    manifest = json.loads((out / "manifest.json").read_text())
    assert set(manifest) == {"_chime", "_version"}
    assert (out / "chime.wav").exists() and not (out / "nomor.wav").exists()
    assert "espeak-ng" in capsys.readouterr().err
    assert os.stat(out / "manifest.json").st_mtime == 0  # so `make setup` tries again later


def test_bad_clip_names_are_refused(tmp_path):
    renderer = load_renderer()
    with pytest.raises(ValueError, match="Nama klip tidak valid"):
        renderer.render(tmp_path, ["../etc/passwd"], install=False)
