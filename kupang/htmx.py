"""htmx request detection and small response helpers, in one place."""
from flask import make_response, render_template, request


def is_htmx():
    """True for an htmx request that wants a fragment: not boosted, not a history restore."""
    headers = request.headers
    return (
        headers.get("HX-Request") == "true"
        and headers.get("HX-Boosted") != "true"
        and headers.get("HX-History-Restore-Request") != "true"
    )


def render_page_or_fragment(page, fragment, **context):
    """Render the fragment for htmx and the full page otherwise; both vary on HX-Request."""
    response = make_response(render_template(fragment if is_htmx() else page, **context))
    add_vary(response, "HX-Request")
    return response


def add_vary(response, header):
    """Add a header to Vary without dropping what is already there."""
    response.vary.add(header)
    return response


def hx_redirect(url):
    """Tell htmx to navigate the whole page (a plain redirect would be swapped into the target)."""
    response = make_response("", 204)
    response.headers["HX-Redirect"] = url
    return response


def hx_trigger(response, event_name):
    """Ask htmx to fire a client event after the swap."""
    response.headers["HX-Trigger"] = event_name
    return response
