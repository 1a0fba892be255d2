"""The SKM index, its bands and the minimum sample against values computed by hand from PermenPANRB 14/2017."""
import pytest

from kupang.survey import skm
from kupang.survey.elements import ELEMENTS, clean_answers, clean_comment, clean_profile


def test_nine_elements_with_four_answers_each():
    assert [e.key for e in ELEMENTS] == [f"u{n}" for n in range(1, 10)]
    assert ELEMENTS[0].name == "Persyaratan" and ELEMENTS[8].name == "Sarana dan prasarana"
    assert ELEMENTS[7].name == "Penanganan pengaduan, saran dan masukan"
    assert all(len(e.answers) == 4 for e in ELEMENTS)
    assert ELEMENTS[3].answers == ("Sangat mahal", "Cukup mahal", "Murah", "Gratis")


def test_index_of_two_respondents_by_hand():
    rows = [(4, 4, 3, 3, 4, 2, 3, 3, 4), (3, 4, 3, 2, 4, 3, 3, 2, 4)]
    result = skm.compute(rows)
    assert [e.nrr for e in result.elements] == [3.5, 4, 3, 2.5, 4, 2.5, 3, 2.5, 4]
    assert result.elements[0].weighted == pytest.approx(3.5 / 9)
    # sum of NRR = 29; 29 / 9 = 3,2222; x 25 = 80,5556 -> B (baik)
    assert result.index == pytest.approx(29 / 9)
    assert result.converted == pytest.approx(80.5556, abs=1e-4)
    assert result.grade.letter == "B" and result.grade.label == "Baik"
    assert result.elements[3].grade.letter == "D"  # 2,5 x 25 = 62,5
    assert result.respondents == 2


def test_extremes_and_no_answers():
    assert skm.compute([(4,) * 9]).converted == 100 and skm.compute([(4,) * 9]).grade.letter == "A"
    assert skm.compute([(1,) * 9]).converted == 25 and skm.compute([(1,) * 9]).grade.letter == "D"
    empty = skm.compute([])
    assert empty.index is None and empty.grade is None and empty.respondents == 0


@pytest.mark.parametrize("value, letter", [(100, "A"), (88.31, "A"), (88.30, "B"), (76.61, "B"), (76.60, "C"),
                                           (65.00, "C"), (64.99, "D"), (25, "D")])
def test_band_edges_as_the_regulation_prints_them(value, letter):
    assert skm.grade(value).letter == letter


def test_from_sums_matches_compute():
    rows = [(4, 3, 2, 1, 4, 3, 2, 1, 4), (2, 2, 2, 2, 2, 2, 2, 2, 2), (3, 3, 3, 3, 3, 3, 3, 3, 3)]
    direct = skm.compute(rows)
    summed = skm.from_sums(3, [3] * 9, [sum(col) for col in zip(*rows, strict=True)])
    assert summed.converted == pytest.approx(direct.converted)


@pytest.mark.parametrize("population, sample", [(0, 0), (5, 5), (10, 10), (50, 44), (100, 80), (1000, 278),
                                                (8000, 367)])
def test_minimum_sample_follows_the_krejcie_morgan_table(population, sample):
    assert skm.minimum_sample(population) == sample


def test_cleaning_of_answers_profile_and_comment():
    answers, missing = clean_answers({"u1": "4", "u2": "5", "u3": "x", **{f"u{n}": "2" for n in range(4, 10)}})
    assert answers["u1"] == 4 and missing == ["u2", "u3"]
    assert clean_profile({"sex": "P", "age_band": "99", "education": "sd"}) == {
        "age_band": None, "sex": "P", "education": "sd", "occupation": None}
    assert clean_comment("  bagus\x00  sekali\n" + "x" * 600).startswith("bagus sekali")
    assert len(clean_comment("x" * 600)) == 500
