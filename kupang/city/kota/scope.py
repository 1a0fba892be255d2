"""Who sees what at the city: /kota exists only on the city server, and a user sees the city or one kecamatan."""
import re
from functools import wraps

from flask import abort, current_app
from flask_login import current_user

from ...config import KECAMATAN

CITY_CODE = "53.71"
CITY_NAME = "Kota Kupang"
KOTA_ROLES = ("admin", "supervisor")
KELURAHAN_CODE = re.compile(r"^\d{2}\.\d{2}\.\d{2}\.\d{4}$")


def is_city():
    """True on the city server (config ROLE = 'city'); an office answers /kota with 404."""
    return current_app.config.get("ROLE", "office") == "city"


def city_only(view):
    """A /kota view: 404 on an office, so an office shows no trace of the city pages."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if not is_city():
            abort(404)
        return view(*args, **kwargs)

    wrapped.city_only = True  # the access matrix expects 404 from it on an office
    return wrapped


def user_area():
    """The kecamatan code the current user is limited to, or None for the whole city."""
    return getattr(current_user, "area_code", None) or None


def kecamatan_of(office_code):
    """'53.71.05' for '53.71.05.1005'."""
    return office_code[:8]


def kecamatan_name(code):
    """'Kota Raja' for '53.71.05' (the code itself for one outside Kota Kupang)."""
    return KECAMATAN.get(code, code)


def may_see_kecamatan(code):
    """Whether the current user's area covers the kecamatan."""
    area = user_area()
    return area is None or area == code


def require_kecamatan(code):
    """404 for a code that is no kecamatan of the city, 403 for one outside the user's area."""
    if code not in KECAMATAN:
        abort(404)
    if not may_see_kecamatan(code):
        abort(403)


def require_kelurahan(code):
    """404 for a malformed or foreign code, 403 for a kelurahan outside the user's area."""
    if not KELURAHAN_CODE.match(code or ""):
        abort(404)
    require_kecamatan(kecamatan_of(code))


def visible_kecamatan():
    """The kecamatan codes the current user sees, in order."""
    area = user_area()
    return [code for code in KECAMATAN if area is None or code == area]


def area_label(area=None):
    """'Kota Kupang' or 'Kecamatan Kota Raja'."""
    return CITY_NAME if area is None else f"Kecamatan {kecamatan_name(area)}"

