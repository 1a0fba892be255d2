"""The streamed .ods reader on the parts LibreOffice writes: spaces, tabs, comments, covered cells, sheet names."""
from datetime import datetime, time, timedelta

from kupang.registry.importer.ods import duration_time, typed_value
from tests.registry.import_bombs import ods, ods_document
from tests.registry.test_import_fidelity import cells


def test_text_spaces_tabs_line_breaks_and_comments(tmp_path):
    cell = ('<table:table-cell office:value-type="string"><office:annotation><text:p>komentar</text:p>'
            '</office:annotation><text:p>Jl.<text:s text:c="2"/>Timor<text:tab/>Raya<text:line-break/>'
            '<text:span>No. 12</text:span></text:p><text:p>RT 003</text:p></table:table-cell>')
    path = ods(tmp_path / "teks.ods", [ods_document(f"<table:table-row>{cell}</table:table-row>")])
    assert cells(path, "ods") == {(1, 0): "Jl.  Timor\tRaya\nNo. 12\nRT 003"}


def test_covered_cells_repeats_and_typed_values(tmp_path):
    rows = ('<table:table-row><table:table-cell table:number-columns-spanned="2" office:value-type="string">'
            "<text:p>Judul</text:p></table:table-cell><table:covered-table-cell office:value-type=\"string\">"
            "<text:p>tersembunyi</text:p></table:covered-table-cell>"
            '<table:table-cell office:value-type="float" office:value="5371051203900001"/></table:table-row>'
            '<table:table-row table:number-rows-repeated="3"><table:table-cell/></table:table-row>'
            '<table:table-row table:number-rows-repeated="2"><table:table-cell table:number-columns-repeated="2" '
            'office:value-type="date" office:date-value="1990-03-12"/></table:table-row>')
    got = cells(ods(tmp_path / "jenis.ods", [ods_document(rows)]), "ods")
    assert got == {(1, 0): "Judul", (1, 2): 5371051203900001, (5, 0): datetime(1990, 3, 12),
                   (5, 1): datetime(1990, 3, 12), (6, 0): datetime(1990, 3, 12), (6, 1): datetime(1990, 3, 12)}


def test_sheet_names_with_escaped_characters(tmp_path):
    document = ods_document("<table:table-row/>").replace(b'table:name="Data"', b'table:name="RT 1 &amp; 2"')
    from kupang.registry.importer.readers import open_source

    source = open_source(str(ods(tmp_path / "nama.ods", [document])), "ods")
    try:
        assert source.sheet_names() == ["RT 1 & 2"]
    finally:
        source.close()


def test_typed_values():
    assert typed_value("float", "12") == 12 and typed_value("float", "1.5") == 1.5
    assert typed_value("percentage", "0.25") == 0.25 and typed_value("boolean", "true") is True
    assert typed_value("date", "1990-03-12T10:00:00") == datetime(1990, 3, 12, 10)
    assert duration_time("PT10H10M10S") == time(10, 10, 10)
    assert duration_time("PT27H17M54S") == timedelta(hours=27, minutes=17, seconds=54)
    assert duration_time("nonsense") is None
