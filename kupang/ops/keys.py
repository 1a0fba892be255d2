"""The backup passphrase: an age (X25519) key pair derived from it with scrypt; only the public half is kept.

Backups are encrypted to the public key (`age1...`), so the scheduled backup needs no secret at all. The
private key exists only while a restore runs: it is derived again from the passphrase the admin types and
the salt written in each backup's header. Nothing that decrypts a backup is ever stored, on the server or
beside the backups; the public key works as the passphrase's (scrypt) hash.
"""
import base64
import hashlib
import secrets
import threading

import pyrage

from ..security import password_problems
from ..settings import get_setting, set_setting
from ..timeutil import now_utc

# scrypt N=2^16, r=8 needs 64 MiB: slow to guess, affordable once on a 1 GB box.
KDF = {"name": "scrypt", "n": 2 ** 16, "r": 8, "p": 1}
RECIPIENT_KEY, SALT_KEY, SET_AT_KEY = "backup_recipient", "backup_salt", "backup_passphrase_set_at"
MIN_LENGTH = 12
_kdf_lock = threading.Lock()  # one 64 MiB derivation at a time per process


class PassphraseError(ValueError):
    """A passphrase that cannot be used or does not open a backup; the message is Indonesian."""


# --- bech32 (BIP-173), the text form age uses for its keys -----------------------------------------
_CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
_GENERATOR = (0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3)


def _polymod(values):
    check = 1
    for value in values:
        top = check >> 25
        check = (check & 0x1FFFFFF) << 5 ^ value
        for i, gen in enumerate(_GENERATOR):
            if (top >> i) & 1:
                check ^= gen
    return check


def _to_5bit(data):
    acc = bits = 0
    out = []
    for byte in data:
        acc = (acc << 8) | byte
        bits += 8
        while bits >= 5:
            bits -= 5
            out.append((acc >> bits) & 31)
    if bits:
        out.append((acc << (5 - bits)) & 31)
    return out


def bech32_encode(hrp, data):
    """The bech32 string of bytes under a human-readable prefix."""
    words = _to_5bit(data)
    expanded = [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp]
    mod = _polymod(expanded + words + [0] * 6) ^ 1
    checksum = [(mod >> 5 * (5 - i)) & 31 for i in range(6)]
    return hrp + "1" + "".join(_CHARSET[w] for w in words + checksum)


# --- derivation --------------------------------------------------------------------------------------


def derive_identity(passphrase, salt, kdf=None):
    """The age identity (private key) for a passphrase and salt."""
    kdf = kdf or KDF
    if kdf.get("name") != "scrypt":
        raise PassphraseError("Cadangan ini memakai cara enkripsi yang tidak dikenal versi aplikasi ini.")
    n, r, p = int(kdf["n"]), int(kdf["r"]), int(kdf["p"])
    with _kdf_lock:
        seed = hashlib.scrypt(passphrase.encode("utf-8"), salt=salt, n=n, r=r, p=p,
                              maxmem=256 * r * n + 16 * 1024 * 1024, dklen=32)
    return pyrage.x25519.Identity.from_str(bech32_encode("age-secret-key-", seed).upper())


def public_key(identity):
    """The `age1...` recipient string of an identity."""
    return str(identity.to_public())


def encode_salt(salt):
    """Salt bytes as text for settings and backup headers."""
    return base64.b64encode(salt).decode("ascii")


def decode_salt(text):
    """Salt text back to bytes."""
    return base64.b64decode(text.encode("ascii"))


# --- the office's passphrase (settings) -----------------------------------------------------------------


def passphrase_problems(passphrase, confirmation):
    """Indonesian messages for a new backup passphrase that cannot be used."""
    problems = []
    if passphrase != confirmation:
        problems.append("Kedua isian kata sandi cadangan tidak sama.")
    if len(passphrase) < MIN_LENGTH:
        problems.append(f"Kata sandi cadangan minimal {MIN_LENGTH} karakter.")
    problems += [p for p in password_problems(passphrase) if "minimal" not in p]
    return problems


def current_recipient():
    """The public key backups are encrypted to, or None before the admin set a passphrase."""
    return get_setting(RECIPIENT_KEY) or None


def current_salt():
    """The salt of the current passphrase (bytes), or None."""
    text = get_setting(SALT_KEY)
    return decode_salt(text) if text else None


def passphrase_matches(passphrase):
    """True when the passphrase is the one set now (its derived public key is the stored one)."""
    recipient, salt = current_recipient(), current_salt()
    if not recipient or salt is None:
        return False
    return secrets.compare_digest(public_key(derive_identity(passphrase, salt)), recipient)


def set_passphrase(passphrase, confirmation, current=None):
    """Store the public key of a new passphrase (in the caller's transaction); True when something changed.

    The passphrase itself is dropped.
    Changing an existing passphrase needs the current one. Backups made earlier keep needing the old one.
    """
    if current_recipient() and passphrase_matches(passphrase) and passphrase == confirmation:
        return False  # already this passphrase (a double submit): nothing to change
    if current_recipient() and not passphrase_matches(current or ""):
        raise PassphraseError("Kata sandi cadangan yang sekarang salah.")
    problems = passphrase_problems(passphrase, confirmation)
    if problems:
        raise PassphraseError(" ".join(problems))
    salt = secrets.token_bytes(16)
    set_setting(RECIPIENT_KEY, public_key(derive_identity(passphrase, salt)))
    set_setting(SALT_KEY, encode_salt(salt))
    set_setting(SET_AT_KEY, now_utc().isoformat(timespec="seconds"))
    return True
