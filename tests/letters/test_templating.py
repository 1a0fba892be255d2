"""Letter text blocks: placeholders rendered in the sandbox; anything else refused at save, never at print."""
import pytest

from kupang.letters.templating import TemplateProblem, check_block, render_block, sample_context


def test_placeholders_render_with_the_residents_values():
    context = sample_context(["keperluan"])
    text = render_block("Nama: {{ penduduk.nama }} untuk {{ surat.keperluan | upper }}.", context)
    assert text == "Nama: Yohanes Benu untuk [KEPERLUAN]."


def test_known_placeholders_and_filters_pass_the_save_check():
    check_block("{{ penduduk.nama | title }} {{ surat.keperluan }} {{ kantor.kelurahan }} "
                "{{ surat.anggota | default('-', true) }}", ["keperluan", "anggota"])


@pytest.mark.parametrize(("source", "message"), [
    ("{{ penduduk.gaji }}", "penduduk.gaji }} tidak dikenal"),
    ("{{ surat.keperluan }}", "surat.keperluan }} tidak dikenal"),  # this type has no such field
    ("{{ nama }}", "tulis lengkap"),
    ("{{ penduduk.nama ", "penulisan placeholder salah"),
    ("{% for x in penduduk %}{{ x }}{% endfor %}", "hanya placeholder"),
    ("{{ ''.__class__ }}", "tidak dikenal"),
    ("{{ penduduk.__class__.__mro__ }}", "tidak dikenal"),
    ("{{ penduduk.nama | attr('__class__') }}", "filter |attr tidak diizinkan"),
    ("{{ cycler.__init__.__globals__ }}", "tidak dikenal"),
    ("{% set x = 1 %}", "hanya placeholder"),
    ("{{ penduduk.nama() }}", "hanya placeholder"),
])
def test_unknown_placeholders_and_code_are_refused_at_save(source, message):
    with pytest.raises(TemplateProblem, match=message.replace("|", r"\|").replace("(", r"\(").replace(")", r"\)")):
        check_block(source, [], "Isi")


@pytest.mark.parametrize("source", [
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ penduduk.__class__ }}",
    "{{ ''.format.__globals__ }}",
    "{{ penduduk.belum_ada }}",
])
def test_the_sandbox_refuses_at_render_what_slipped_past_the_save_check(source):
    """A block written straight into the database still cannot reach Python objects: a clean refusal."""
    with pytest.raises(TemplateProblem):
        render_block(source, sample_context([]))


def test_text_is_rendered_as_text_not_markup():
    context = sample_context(["keperluan"])
    context["surat"]["keperluan"] = "<script>alert(1)</script>"
    assert render_block("{{ surat.keperluan }}", context) == "<script>alert(1)</script>"  # escaped by the page


def test_a_too_long_block_is_refused():
    with pytest.raises(TemplateProblem, match="terlalu panjang"):
        check_block("x" * 5000, [])
