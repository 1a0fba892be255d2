#!/usr/bin/env python3
"""Render the queue display's Indonesian voice clips and chime into static/voice/ with espeak-ng (offline)."""
import argparse
import hashlib
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import wave
from array import array
from concurrent.futures import ThreadPoolExecutor
from operator import mul
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from kupang.queue.speech import all_clip_words, clip_text  # noqa: E402

RENDER_VERSION = "1"  # change when the processing below changes, so old clips are rendered again
OUT_DIR = ROOT / "static" / "voice"
RATE = 16000
SPEED = 140  # words per minute; espeak-ng's default 175 is hurried for a waiting room
SILENCE = 330  # samples below ~1% of full scale count as silence
PAD_SECONDS = 0.012  # kept around the voiced part so soft consonants are not clipped
FADE_SECONDS = 0.006
CHIME_FILE = "chime.wav"
_SAFE_WORD = re.compile(r"^[a-z][a-z-]{0,39}$")


# --- WAV in and out ----------------------------------------------------------------------------

def read_wav(path):
    """(sample rate, samples) of a 16-bit WAV; stereo is mixed down to mono."""
    with wave.open(str(path), "rb") as wav:
        if wav.getsampwidth() != 2:
            raise ValueError(f"{path}: hanya WAV 16-bit yang didukung")
        rate, channels = wav.getframerate(), wav.getnchannels()
        samples = array("h", wav.readframes(wav.getnframes()))
    if sys.byteorder == "big":
        samples.byteswap()
    if channels > 1:
        samples = array("h", (sum(samples[i:i + channels]) // channels for i in range(0, len(samples), channels)))
    return rate, samples


def write_wav(path, samples, rate=RATE):
    """Write mono 16-bit samples atomically (a reader never sees half a file)."""
    data = array("h", (max(-32768, min(32767, int(round(s)))) for s in samples))
    if sys.byteorder == "big":
        data.byteswap()
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".wav", dir=str(Path(path).parent))
    with os.fdopen(fd, "wb") as handle, wave.open(handle, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(data.tobytes())
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)


# --- signal processing (standard library only) -------------------------------------------------

def trim_silence(samples, rate):
    """Cut leading and trailing near-silence, keep a short pad, and fade the edges to avoid clicks."""
    loud = [i for i, s in enumerate(samples) if abs(s) > SILENCE]
    if not loud:
        return array("h")
    pad = int(PAD_SECONDS * rate)
    start, end = max(0, loud[0] - pad), min(len(samples), loud[-1] + 1 + pad)
    out = [float(s) for s in samples[start:end]]
    fade = min(int(FADE_SECONDS * rate), len(out) // 2)
    for i in range(fade):
        gain = i / fade
        out[i] *= gain
        out[-1 - i] *= gain
    return out


def _kernels(src, dst, half_width=8):
    """Windowed-sinc low-pass kernels, one per fractional phase of a src->dst resampling."""
    from fractions import Fraction

    phases = Fraction(src, dst).denominator
    cutoff = 0.45 * min(src, dst) / src  # cycles per input sample
    kernels = []
    for p in range(phases):
        frac = p / phases
        taps = []
        for k in range(-half_width + 1, half_width + 1):
            x = k - frac
            sinc = 2 * cutoff if x == 0 else math.sin(2 * math.pi * cutoff * x) / (math.pi * x)
            window = 0.5 + 0.5 * math.cos(math.pi * x / half_width) if abs(x) < half_width else 0.0
            taps.append(sinc * window)
        total = sum(taps)
        kernels.append([t / total for t in taps])
    return kernels, phases


def resample(samples, src, dst=RATE):
    """Resample with a windowed-sinc filter (no aliasing from 22.05 kHz espeak output to 16 kHz)."""
    if src == dst or not samples:
        return list(samples)
    half = 8
    kernels, phases = _kernels(src, dst, half)
    padded = [0.0] * half + [float(s) for s in samples] + [0.0] * (half + 1)
    out = []
    count = len(samples) * dst // src
    for i in range(count):
        position = i * src  # in units of 1/dst input samples
        n, rem = divmod(position, dst)
        phase = rem * phases // dst
        start = n + 1  # padded index of sample n - half + 1
        out.append(sum(map(mul, kernels[phase], padded[start:start + 2 * half])))
    return out


def chime(rate=RATE):
    """A two-tone "ding-dong" (E5 then C5) with soft bell harmonics and an exponential decay."""
    length = int(1.5 * rate)
    out = [0.0] * length
    for freq, begin, tau in ((659.25, 0.0, 0.32), (523.25, 0.42, 0.45)):
        first = int(begin * rate)
        for i in range(length - first):
            t = i / rate
            envelope = min(1.0, t / 0.008) * math.exp(-t / tau)
            wave_value = (math.sin(2 * math.pi * freq * t) + 0.35 * math.sin(4 * math.pi * freq * t)
                          + 0.12 * math.sin(6 * math.pi * freq * t))
            out[first + i] += 0.42 * 32767 * envelope * wave_value / 1.47
    fade = int(0.05 * rate)
    for i in range(fade):
        out[-1 - i] *= i / fade
    return out


# --- espeak-ng ---------------------------------------------------------------------------------

def espeak_version(espeak):
    """espeak-ng's version line when it runs and has an Indonesian voice, else None."""
    try:
        version = subprocess.run([espeak, "--version"], capture_output=True, text=True, timeout=20, check=True)
        voices = subprocess.run([espeak, "--voices=id"], capture_output=True, text=True, timeout=20, check=True)
    except (OSError, subprocess.SubprocessError):
        return None
    if not re.search(r"^\s*\d+\s+id\s", voices.stdout, re.MULTILINE):
        return None
    first = version.stdout.strip().splitlines()[0] if version.stdout.strip() else "espeak-ng"
    return first.split("  Data at")[0].strip()


def install_espeak():
    """Install espeak-ng with apt-get when running as root; True when it worked."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0 or not shutil.which("apt-get"):
        return False
    print("espeak-ng belum terpasang: memasang dari repositori Debian ...", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (["apt-get", "install", "-y", "-q", "espeak-ng"], ["apt-get", "update", "-q"],
                    ["apt-get", "install", "-y", "-q", "espeak-ng"]):
        done = subprocess.run(command, env=env, stdout=subprocess.DEVNULL, check=False)
        if done.returncode == 0 and command[1] == "install":
            return True
    return False


def render_clip(espeak, word, speed, out_path):
    """Say one clip with espeak-ng's Indonesian voice, then trim, resample and save it."""
    with tempfile.TemporaryDirectory(prefix="kupang-voice-") as tmp:
        raw = Path(tmp) / "raw.wav"
        subprocess.run([espeak, "-v", "id", "-s", str(speed), "-w", str(raw), clip_text(word)],
                       check=True, timeout=60, capture_output=True)
        rate, samples = read_wav(raw)
    write_wav(out_path, resample(trim_silence(samples, rate), rate))


# --- the manifest ------------------------------------------------------------------------------

def voice_version(words, speed, engine):
    """A short fingerprint of everything the rendered clips depend on."""
    source = json.dumps([RENDER_VERSION, RATE, speed, engine, [(w, clip_text(w)) for w in words]])
    return hashlib.sha256(source.encode()).hexdigest()[:12]


def read_manifest(out_dir):
    """The current manifest in out_dir, or {} when there is none (or it is unreadable)."""
    try:
        return json.loads((Path(out_dir) / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def write_manifest(out_dir, manifest):
    """Write manifest.json atomically and remove clips it no longer lists."""
    out_dir = Path(out_dir)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".json", dir=str(out_dir))
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(manifest, handle, ensure_ascii=False, indent=1, sort_keys=True)
        handle.write("\n")
    os.chmod(tmp, 0o644)
    os.replace(tmp, out_dir / "manifest.json")
    keep = {name for key, name in manifest.items() if not key.startswith("_") or key == "_chime"}
    for path in out_dir.glob("*.wav"):
        if path.name not in keep:
            path.unlink(missing_ok=True)


def _ensure_chime(out_dir, force):
    path = Path(out_dir) / CHIME_FILE
    if force or not path.exists():
        write_wav(path, chime())
        return 1
    return 0


def render(out_dir=OUT_DIR, words=None, speed=SPEED, espeak="espeak-ng", install=True, force=False):
    """Render every missing or outdated clip plus the chime; returns a summary dict."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    words = sorted(set(words or all_clip_words()))
    bad = [w for w in words if not _SAFE_WORD.match(w)]
    if bad:
        raise ValueError(f"Nama klip tidak valid: {', '.join(bad)}")
    engine = espeak_version(espeak)
    if engine is None and install and install_espeak():
        engine = espeak_version(espeak)
    rendered = _ensure_chime(out_dir, force)
    if engine is None:
        return _chime_only(out_dir, rendered)
    version = voice_version(words, speed, engine)
    old = read_manifest(out_dir)
    fresh = not force and old.get("_version") == version
    todo = [w for w in words if not (fresh and old.get(w) == f"{w}.wav" and (out_dir / f"{w}.wav").exists())]
    with ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1)) as pool:
        list(pool.map(lambda w: render_clip(espeak, w, speed, out_dir / f"{w}.wav"), todo))
    if todo or rendered or not fresh:
        manifest = {w: f"{w}.wav" for w in words}
        manifest.update({"_version": version, "_chime": CHIME_FILE, "_engine": engine, "_rate": RATE})
        write_manifest(out_dir, manifest)
    return _summary(out_dir, rendered + len(todo), len(words) - len(todo), voice=True)


def _chime_only(out_dir, rendered):
    print("PERHATIAN: espeak-ng dengan suara bahasa Indonesia tidak ditemukan, jadi klip suara tidak dibuat.\n"
          "Layar antrian tetap berbunyi bel dan memakai suara bawaan browser bila ada.\n"
          "Untuk suara tanpa internet, pasang espeak-ng sebagai root: sudo apt-get install espeak-ng\n"
          "lalu jalankan lagi: make setup", file=sys.stderr)
    write_manifest(out_dir, {"_chime": CHIME_FILE, "_version": f"bel-{RENDER_VERSION}"})
    # An old timestamp makes the next `make setup` try again once espeak-ng is installed.
    os.utime(Path(out_dir) / "manifest.json", (0, 0))
    return _summary(out_dir, rendered, 0, voice=False)


def _summary(out_dir, rendered, skipped, voice):
    files = list(Path(out_dir).glob("*.wav"))
    return {"rendered": rendered, "skipped": skipped, "files": len(files), "voice": voice,
            "bytes": sum(f.stat().st_size for f in files) + (Path(out_dir) / "manifest.json").stat().st_size}


def main(argv=None):
    """Command line: render the voice set (or --words a,b,c into --out) and print what was done."""
    parser = argparse.ArgumentParser(description="Buat klip suara antrian (espeak-ng, bahasa Indonesia).")
    parser.add_argument("--out", default=str(OUT_DIR), help="folder tujuan (bawaan: static/voice)")
    parser.add_argument("--words", help="hanya klip ini, dipisah koma (untuk uji)")
    parser.add_argument("--speed", type=int, default=SPEED, help="kecepatan bicara, kata per menit")
    parser.add_argument("--espeak", default="espeak-ng", help="program espeak-ng yang dipakai")
    parser.add_argument("--no-install", action="store_true", help="jangan memasang espeak-ng dengan apt-get")
    parser.add_argument("--force", action="store_true", help="buat ulang semua klip")
    args = parser.parse_args(argv)
    words = [w.strip() for w in args.words.split(",") if w.strip()] if args.words else None
    started = time.monotonic()
    try:
        result = render(args.out, words, args.speed, args.espeak, not args.no_install, args.force)
    except (ValueError, subprocess.SubprocessError) as error:
        print(f"Gagal membuat klip suara: {error}", file=sys.stderr)
        return 1
    print(f"Suara antrian: {result['rendered']} berkas dibuat, {result['skipped']} sudah terbaru; "
          f"{result['files']} berkas, {result['bytes'] / 1024:.0f} KB di {args.out} "
          f"({time.monotonic() - started:.1f} detik).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
