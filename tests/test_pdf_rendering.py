"""The PDF helpers on their own: names in any European script print and read back, QR codes
scan, and a long document is merged batch by batch into one valid file."""

import resource
import shutil
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader

from service.exporters.pdf import fonts, merge, qr
from service.exporters.pdf.paged import PagedDocument
from service.exporters.pdf.table import Column, Row, print_table

NAMES = ["Zoë Ødegård", "Łukasz Żółć", "Ελένη Παπαδοπούλου", "Дмитрий Иванов"]


def test_unicode_names_print_with_the_embedded_font(tmp_path):
    path = tmp_path / "names.pdf"
    with PagedDocument(path, "Names") as doc:
        rows = (Row([name, f"A{i}"]) for i, name in enumerate(NAMES))
        print_table(doc, "Names", ["Łukasz's list"], [Column("Name"), Column("Code")], rows)
    reader = PdfReader(path)
    text = reader.pages[0].extract_text()
    for name in [*NAMES, "Łukasz's list"]:
        assert name in text
    fonts_used = {
        str(font["/BaseFont"]) for font in reader.pages[0]["/Resources"]["/Font"].values()
    }
    assert all("DejaVuSans" in name for name in fonts_used)
    embedded = reader.pages[0]["/Resources"]["/Font"]
    for font in embedded.values():
        descriptor = (
            font.get_object().get("/FontDescriptor")
            or font["/DescendantFonts"][0]["/FontDescriptor"]
        )
        assert "/FontFile2" in descriptor


def test_cut_text_ends_with_an_ellipsis():
    fonts.register()
    cut = fonts.fit("Zoë Ødegård " * 10, 60, 8)
    assert cut.endswith("…") and fonts.width(cut, 8) <= 60


@pytest.mark.skipif(not shutil.which("zbarimg"), reason="zbarimg (zbar-tools) is missing")
def test_qr_codes_scan(tmp_path):
    path = tmp_path / "qr.pdf"
    secrets = ["31b60d9b4ab28669a98205ee0394fdf0", "x" * 64]
    with PagedDocument(path, "QR", batch=1) as doc:
        for secret in secrets:
            qr.draw(doc.canvas, secret, 100, 400, 150)
            doc.show_page()
    subprocess.run(["pdftoppm", "-r", "72", "-png", str(path), str(tmp_path / "p")], check=True)
    pictures = sorted(str(p) for p in tmp_path.glob("p-*.png"))
    out = subprocess.run(["zbarimg", "-q", "--raw", *pictures], capture_output=True, text=True)
    assert out.stdout.split() == secrets


def _pages(path: Path, count: int, batch: int) -> int:
    with PagedDocument(path, "Many", batch=batch) as doc:
        for number in range(count):
            doc.canvas.setFont(fonts.REGULAR, 12)
            doc.canvas.drawString(50, 700, f"Seite {number + 1} · Zoë")
            doc.show_page()
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def test_batches_merge_into_one_document_in_order(tmp_path, monkeypatch):
    # Pages hang from tree nodes of 4 here (1,000 in use): 6 nodes, the last of 3 pages.
    monkeypatch.setattr(merge, "KIDS_PER_NODE", 4)
    path = tmp_path / "many.pdf"
    _pages(path, 23, batch=5)
    reader = PdfReader(path)
    assert len(reader.pages) == 23
    root = reader.trailer["/Root"]["/Pages"]
    assert root["/Count"] == 23
    assert [node["/Count"] for node in root["/Kids"]] == [4, 4, 4, 4, 4, 3]
    assert [p.extract_text().strip() for p in reader.pages] == [
        f"Seite {n} · Zoë" for n in range(1, 24)
    ]
    if shutil.which("pdftoppm"):
        # poppler opens every page of the merged file.
        out = subprocess.run(
            ["pdftoppm", "-r", "10", "-png", str(path), str(tmp_path / "m")],
            capture_output=True,
            text=True,
        )
        assert out.returncode == 0 and "Error" not in out.stderr
        assert len(list(tmp_path.glob("m-*.png"))) == 23
