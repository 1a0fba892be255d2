"""Hypothesis strategies the property tests share: NIKs built from their parts, typed the ways clerks type them."""
from datetime import date, timedelta

from hypothesis import strategies as st

# Kemendagri district codes in Kota Kupang and beyond (known ones give a region, others a warning).
KNOWN_DISTRICTS = ["537101", "537102", "537103", "537104", "537105", "537106", "530101", "317101"]
SEPARATORS = st.sampled_from(["", " ", ".", "-", "_", "\u00a0", " - ", ". "])


@st.composite
def nik_parts(draw, min_birth=date(1900, 1, 1), max_birth=date(2026, 11, 27)):
    """(digits, birth date, sex) of a well-formed NIK: region, day (+40 for women), month, year, serial."""
    region = draw(st.sampled_from(KNOWN_DISTRICTS) | st.text("0123456789", min_size=6, max_size=6))
    birth = draw(st.dates(min_value=min_birth, max_value=max_birth))
    sex = draw(st.sampled_from([1, 2]))
    serial = draw(st.integers(min_value=1, max_value=9999))
    day = birth.day + (40 if sex == 2 else 0)
    digits = f"{region}{day:02d}{birth.month:02d}{birth.year % 100:02d}{serial:04d}"
    return digits, birth, sex


@st.composite
def typed(draw, digits):
    """The digits as a clerk might type them: groups split by spaces, dots or dashes, padded with spaces."""
    out, i = [], 0
    while i < len(digits):
        size = draw(st.integers(min_value=1, max_value=6))
        out.append(digits[i:i + size])
        i += size
    text = "".join(part + draw(SEPARATORS) for part in out)
    return draw(st.sampled_from(["", " ", "  "])) + text + draw(st.sampled_from(["", " ", "\t"]))


ANY_TEXT = st.text(max_size=40) | st.text("0123456789 .-_eE+,", max_size=30) | st.text(
    st.characters(categories=["Nd", "No"]), max_size=20)
ANY_CELL = ANY_TEXT | st.integers() | st.floats(allow_nan=True) | st.none() | st.booleans() | st.dates()
DAY = timedelta(days=1)
