"""Properties of the search box's classifier: any text gets one reading, digits by count, names normalised."""
import re

from hypothesis import example, given
from hypothesis import strategies as st

from kupang.registry.search import MIN_NUMBER_DIGITS, classify

from .strategies import typed

KINDS = {"nik", "number", "short_number", "name", "all"}
NAME_CHARS = re.compile(r"^[\w' .-]+$")


@given(st.text(max_size=60) | st.none())
@example("   ")
@example("%_\\")
@example("<script>")
def test_any_query_gets_exactly_one_reading(query):
    kind, value = classify(query)
    assert kind in KINDS
    if kind == "all":
        assert value == ""
    elif kind in ("nik", "number", "short_number"):
        assert value.isdigit()
    else:
        assert value and value == value.strip() and "  " not in value
        assert value == value.lower()
        assert NAME_CHARS.match(value), value


@given(st.text("0123456789", min_size=1, max_size=24), st.data())
def test_digits_are_read_by_their_count_whatever_the_separators(digits, data):
    kind, value = classify(data.draw(typed(digits)))
    assert value == digits
    if len(digits) == 16:
        assert kind == "nik"
    elif len(digits) >= MIN_NUMBER_DIGITS:
        assert kind == "number"
    else:
        assert kind == "short_number"


@given(st.text(st.characters(categories=["L", "Zs"]) | st.sampled_from("'.-"), min_size=1, max_size=40))
def test_a_name_reading_is_stable(query):
    kind, value = classify(query)
    if kind == "name":
        assert classify(value) == ("name", value)
        assert classify(f"  {value}  ") == ("name", value)


@given(st.lists(st.text("abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=8), min_size=1, max_size=4),
       st.sampled_from([" ", "  ", "\t", " , ", "!"]))
def test_names_ignore_case_spacing_and_junk(words, gap):
    kind, value = classify(gap.join(w.upper() if i % 2 else w.title() for i, w in enumerate(words)))
    assert (kind, value) == ("name", " ".join(words))
