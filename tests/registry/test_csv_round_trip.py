"""A CSV kupang exported (formula-like text guarded with an apostrophe) reads back as what was stored."""
from kupang.registry.importer.readers import CsvSource
from kupang.spreadsheet import SafeCsvWriter

CELLS = ["=1+1", "+6281234567890", "-", "@rumah", "'kutip biasa", "Jl. Timor Raya", "O'Neil", "''=2"]


def test_exported_guards_are_undone_and_other_apostrophes_kept(tmp_path):
    path = tmp_path / "ekspor.csv"
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        writer = SafeCsvWriter(fh)
        writer.writerow(["kolom"] * len(CELLS))
        writer.writerow(CELLS)
    written = path.read_text(encoding="utf-8-sig")
    assert "'=1+1" in written and "'+6281234567890" in written  # the export really guarded them
    rows = [values for _number, values in CsvSource(path).rows()]
    assert rows[1] == CELLS


def test_a_hand_typed_apostrophe_before_plain_text_stays(tmp_path):
    path = tmp_path / "tangan.csv"
    path.write_text("nama;catatan\n'Ana;'=SUM(A1)\n", encoding="utf-8")
    rows = [values for _number, values in CsvSource(path).rows()]
    assert rows[1] == ["'Ana", "=SUM(A1)"]
