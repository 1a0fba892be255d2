"""The backup file: a short plain header, then an age stream of a gzip'd tar (manifest.json and the database).

    KUPANG-CADANGAN 1\\n
    {"format": 1, "created_at": ..., "kdf": {..., "salt": ...}, "recipient": "age1...", ...}\\n
    <age-encryption.org/v1 stream>

The header holds nothing personal (no names, NIKs or counts): only what a restore needs to derive the key
and to say what the file is. age authenticates every 64 KiB chunk and the end of the stream, so a file cut
short or altered fails to decrypt instead of restoring half a database.
"""
import gzip
import io
import json
import os
import tarfile
import threading

import pyrage

MAGIC = b"KUPANG-CADANGAN 1\n"
MAX_HEADER = 4096
MANIFEST = "manifest.json"


class ArchiveError(ValueError):
    """A file that is not a readable kupang backup; the message is Indonesian."""


class _Counting:
    """A read-only file wrapper that reports how many bytes were read."""

    def __init__(self, raw, on_read):
        self.raw, self.on_read, self.done = raw, on_read, 0

    def read(self, size=-1):
        """Read and report."""
        data = self.raw.read(size)
        self.done += len(data)
        self.on_read(self.done)
        return data


def _producer(write_fd, manifest, payload_path, member_name, on_read, failure):
    try:
        with (os.fdopen(write_fd, "wb") as pipe, gzip.GzipFile(fileobj=pipe, mode="wb", compresslevel=6) as packed,
              tarfile.open(fileobj=packed, mode="w|") as tar):
            data = json.dumps(manifest, ensure_ascii=False, sort_keys=True, indent=1).encode("utf-8")
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mode = len(data), 0o600
            tar.addfile(info, io.BytesIO(data))
            info = tarfile.TarInfo(member_name)
            info.size, info.mode = os.path.getsize(payload_path), 0o600
            with open(payload_path, "rb") as raw:
                tar.addfile(info, _Counting(raw, on_read))
    except BaseException as error:  # noqa: BLE001 - handed to the writer, which fails the backup
        failure.append(error)


class _Reporting:
    """The output file: each write (in the caller's thread) reports how far the compressing thread has read."""

    def __init__(self, raw, state, on_progress):
        self.raw, self.state, self.on_progress = raw, state, on_progress

    def write(self, data):
        """Write and report."""
        written = self.raw.write(data)
        self.on_progress(self.state["done"])
        return written

    def flush(self):
        """Flush the file."""
        self.raw.flush()


def write_backup(out, header, manifest, payload_path, member_name, recipient, on_progress=lambda done: None):
    """Write header + encrypted tar.gz(manifest, payload) to the open binary file `out`.

    on_progress(bytes of the payload read so far) is called from this thread, between writes.
    """
    out.write(MAGIC)
    out.write(json.dumps(header, sort_keys=True).encode("utf-8") + b"\n")
    read_fd, write_fd = os.pipe()
    failure, state = [], {"done": 0}
    thread = threading.Thread(target=_producer, daemon=True, name="backup-compress",
                              args=(write_fd, manifest, payload_path, member_name,
                                    lambda done: state.__setitem__("done", done), failure))
    thread.start()
    try:
        with os.fdopen(read_fd, "rb") as pipe:
            pyrage.encrypt_io(pipe, _Reporting(out, state, on_progress),
                              [pyrage.x25519.Recipient.from_str(recipient)])
    finally:
        thread.join()
    if failure:
        raise failure[0]


def read_header(path):
    """The plain header of a backup file, or ArchiveError."""
    with open(path, "rb") as fh:
        return _read_header(fh)


def _read_header(fh):
    if fh.read(len(MAGIC)) != MAGIC:
        raise ArchiveError("Berkas ini bukan berkas cadangan kupang.")
    line = fh.readline(MAX_HEADER)
    try:
        header = json.loads(line.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise ArchiveError("Kepala berkas cadangan rusak.") from None
    if not isinstance(header, dict) or header.get("format") != 1:
        raise ArchiveError("Berkas cadangan ini dibuat dengan format yang tidak dikenal versi aplikasi ini.")
    return header


def _consumer(read_fd, folder, allowed, failure, found):
    try:
        with os.fdopen(read_fd, "rb") as pipe, tarfile.open(fileobj=pipe, mode="r|gz") as tar:
            for member in tar:
                if member.name not in allowed or not member.isfile():
                    raise ArchiveError("Isi berkas cadangan tidak dikenal.")
                source = tar.extractfile(member)
                target = os.path.join(folder, member.name)
                fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                with os.fdopen(fd, "wb") as out:
                    while chunk := source.read(1024 * 1024):
                        out.write(chunk)
                found.append(member.name)
            pipe.read()  # drain, so the decrypting side reaches the authenticated end of the stream
    except BaseException as error:  # noqa: BLE001 - handed to the reader
        failure.append(error)


def extract_backup(path, identity, folder, allowed):
    """Decrypt and unpack a backup into `folder` (files 0600); returns (header, manifest dict).

    Raises ArchiveError for a file that is not a backup, a wrong key, or a damaged or truncated file.
    """
    failure, found = [], []
    with open(path, "rb") as fh:
        header = _read_header(fh)
        read_fd, write_fd = os.pipe()
        thread = threading.Thread(target=_consumer, daemon=True, name="restore-unpack",
                                  args=(read_fd, folder, set(allowed) | {MANIFEST}, failure, found))
        thread.start()
        try:
            with os.fdopen(write_fd, "wb") as pipe:
                pyrage.decrypt_io(fh, pipe, [identity])
        except pyrage.DecryptError:
            raise ArchiveError("Kata sandi cadangan salah untuk berkas ini.") from None
        except (OSError, ValueError) as error:
            if isinstance(error, BrokenPipeError) and failure:
                raise failure[0] from None
            raise ArchiveError("Berkas cadangan rusak atau terpotong (mungkin penyalinan belum selesai).") from None
        finally:
            thread.join()
    if failure:
        error = failure[0]
        if isinstance(error, ArchiveError):
            raise error
        raise ArchiveError("Berkas cadangan rusak: isinya tidak dapat dibuka.") from error
    if MANIFEST not in found:
        raise ArchiveError("Berkas cadangan tidak lengkap (tanpa daftar isi).")
    with open(os.path.join(folder, MANIFEST), encoding="utf-8") as fh:
        return header, json.load(fh)
