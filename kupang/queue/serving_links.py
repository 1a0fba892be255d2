"""Links another area offers on the counter page while a ticket is being served ("Buat surat").

The queue knows no other area: an area registers a provider once, at blueprint set-up
(`register(app, provider)`); the counter page calls every provider with the ticket being served and
shows each link it returns, above "Selesai". A provider must only read and be cheap (it runs on every
counter panel render), and a failing one is logged, never shown to the clerk as an error.
"""
from dataclasses import dataclass

from flask import current_app


@dataclass(frozen=True)
class ServingLink:
    """One action for the ticket being served: button text, where it goes, a short Indonesian note."""

    label: str
    url: str
    note: str = ""


def register(app, provider):
    """Add a provider(ticket) -> ServingLink | None to the app."""
    app.extensions.setdefault("kupang_serving_links", []).append(provider)


def collect(ticket):
    """The links every registered provider offers for this ticket; none unless it is being served."""
    if ticket is None or ticket.status != "serving":
        return []
    links = []
    for provider in current_app.extensions.get("kupang_serving_links", []):
        try:
            link = provider(ticket)
        except Exception:  # noqa: BLE001 - an offered shortcut must never take the counter down
            current_app.logger.exception("serving link provider %s failed", getattr(provider, "__name__", provider))
            continue
        if link is not None:
            links.append(link)
    return links
