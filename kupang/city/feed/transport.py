"""The office's HTTP POST of one batch to the city: standard library only, TLS verified, bounded in time."""
import gzip
import http.client
import json
import ssl
import urllib.error
import urllib.request
from dataclasses import dataclass

CONNECT_TIMEOUT = 20  # seconds for each socket operation (connect, send, each read)
ANSWER_LIMIT = 1024 * 1024  # the city's answer: a small JSON object, with at most 1,000 twins (about 120 KB)


class TransportError(RuntimeError):
    """The batch did not reach the city or no answer came back; the message is Indonesian."""


@dataclass
class Answer:
    """The city's HTTP status and its JSON answer (an empty dict when it sent none)."""

    status: int
    body: dict


def feed_url(city_url):
    """The feed endpoint under the city's base URL."""
    return f"{city_url}/kota/api/feed"


def tls_context(ca_file=None):
    """Certificate and host name checked, against the system's CAs or KUPANG_CITY_CA."""
    return ssl.create_default_context(cafile=ca_file)


def post_batch(city_url, token, batch, ca_file=None, timeout=CONNECT_TIMEOUT):
    """POST one batch as gzip JSON; the city's Answer, or TransportError when the link fails."""
    body = gzip.compress(json.dumps(batch, ensure_ascii=False, separators=(",", ":")).encode(), 6)
    request = urllib.request.Request(feed_url(city_url), data=body, method="POST", headers={
        "Content-Type": "application/json", "Content-Encoding": "gzip", "Authorization": f"Bearer {token}",
        "Accept": "application/json", "User-Agent": "kupang-feed"})
    context = tls_context(ca_file) if city_url.startswith("https:") else None
    try:
        with urllib.request.urlopen(request, timeout=timeout, context=context) as response:  # noqa: S310
            return Answer(response.status, _json(response.read(ANSWER_LIMIT)))
    except urllib.error.HTTPError as refused:
        with refused:
            return Answer(refused.code, _json(refused.read(ANSWER_LIMIT)))
    except (OSError, http.client.HTTPException, ValueError) as failed:
        cause = getattr(failed, "reason", failed)  # urllib wraps the TLS error in a URLError
        if isinstance(cause, ssl.SSLCertVerificationError):
            raise TransportError(f"Sertifikat server kota tidak sah: {cause.verify_message}.") from None
        raise TransportError(f"Server kota tidak dapat dihubungi: {_reason(failed)}.") from None


def _json(raw):
    try:
        value = json.loads(raw or b"{}")
    except (ValueError, UnicodeDecodeError):
        return {}
    return value if isinstance(value, dict) else {}


def _reason(failed):
    reason = getattr(failed, "reason", None) or failed
    return str(reason)[:120] or type(failed).__name__
