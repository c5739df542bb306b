"""Which PDF library renders our documents: reportlab against fpdf2, on the two shapes that
matter (a 5,000-row check-in list, a file of 1,000 tickets with QR codes), each in a fresh
process so that its peak RSS is its own.

    .venv/bin/python -m bench.pdf_libraries

Both draw the same thing with the same DejaVu font, embedded and subset, and the same QR
modules (from ``qrcode``) as filled squares; only the library differs.
"""

import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
NAMES = ["Zoë Ødegård", "Łukasz Wiśniewski", "Ana Núñez", "Jürgen Groß", "Chloé Lefèvre"]


def rows(count: int):
    for i in range(count):
        yield (f"{NAMES[i % 5]} {i}", "Conference ticket – Early bird", f"A{i:05d}", "☐")


def qr_modules(text: str):
    import qrcode

    code = qrcode.QRCode(
        border=0, error_correction=qrcode.constants.ERROR_CORRECT_M, mask_pattern=0
    )
    code.add_data(text)
    return code.get_matrix()


def qr_runs(text: str):
    """(row, first column, length) of each horizontal run of dark modules, and the size."""
    matrix = qr_modules(text)
    runs = []
    for r, line in enumerate(matrix):
        c = 0
        while c < len(line):
            if line[c]:
                start = c
                while c < len(line) and line[c]:
                    c += 1
                runs.append((r, start, c - start))
            else:
                c += 1
    return runs, len(matrix)


def reportlab_list(path: Path, count: int) -> None:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen.canvas import Canvas

    pdfmetrics.registerFont(TTFont("DejaVu", FONT))
    canvas = Canvas(str(path), pagesize=(595, 842))
    y = 800
    for row in rows(count):
        if y < 40:
            canvas.showPage()
            y = 800
        canvas.setFont("DejaVu", 9)
        for x, text in zip((40, 220, 420, 520), row, strict=True):
            canvas.drawString(x, y, text)
        canvas.line(40, y - 4, 555, y - 4)
        y -= 16
    canvas.save()


def reportlab_tickets(path: Path, count: int) -> None:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen.canvas import Canvas

    pdfmetrics.registerFont(TTFont("DejaVu", FONT))
    canvas = Canvas(str(path), pagesize=(595, 842))
    for i, row in enumerate(rows(count)):
        canvas.setFont("DejaVu", 16)
        canvas.drawString(40, 780, "Sample Conference 2026")
        canvas.setFont("DejaVu", 12)
        canvas.drawString(40, 750, row[0])
        canvas.drawString(40, 730, row[1])
        runs, size = qr_runs(f"secret{i:020d}")
        cell = 150 / size
        path = canvas.beginPath()
        for r, c, n in runs:
            path.rect(400 + c * cell, 780 - r * cell, n * cell, cell)
        canvas.drawPath(path, stroke=0, fill=1)
        canvas.showPage()
    canvas.save()


def fpdf_list(path: Path, count: int) -> None:
    from fpdf import FPDF

    pdf = FPDF(unit="pt", format="A4")
    pdf.add_font("DejaVu", fname=FONT)
    pdf.set_auto_page_break(False)
    pdf.add_page()
    y = 42
    for row in rows(count):
        if y > 800:
            pdf.add_page()
            y = 42
        pdf.set_font("DejaVu", size=9)
        for x, text in zip((40, 220, 420, 520), row, strict=True):
            pdf.text(x, y, text)
        pdf.line(40, y + 4, 555, y + 4)
        y += 16
    pdf.output(str(path))


def fpdf_tickets(path: Path, count: int) -> None:
    from fpdf import FPDF

    pdf = FPDF(unit="pt", format="A4")
    pdf.add_font("DejaVu", fname=FONT)
    pdf.set_auto_page_break(False)
    for i, row in enumerate(rows(count)):
        pdf.add_page()
        pdf.set_font("DejaVu", size=16)
        pdf.text(40, 62, "Sample Conference 2026")
        pdf.set_font("DejaVu", size=12)
        pdf.text(40, 92, row[0])
        pdf.text(40, 112, row[1])
        runs, size = qr_runs(f"secret{i:020d}")
        cell = 150 / size
        pdf.set_fill_color(0)
        for r, c, n in runs:
            pdf.rect(400 + c * cell, 62 + r * cell, n * cell, cell, style="F")
    pdf.output(str(path))


CASES = {
    ("reportlab", "checkin list, 5,000 rows"): (reportlab_list, 5000),
    ("reportlab", "tickets, 1,000"): (reportlab_tickets, 1000),
    ("fpdf2", "checkin list, 5,000 rows"): (fpdf_list, 5000),
    ("fpdf2", "tickets, 1,000"): (fpdf_tickets, 1000),
}


def run_one(library: str, case: str) -> dict:
    """In this process: render one case, report seconds, peak RSS and file size."""
    function, count = CASES[(library, case)]
    import qrcode  # noqa: F401 (imported before the clock starts, for both alike)

    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "out.pdf"
        start, cpu = time.perf_counter(), time.process_time()
        function(path, count)
        seconds = time.perf_counter() - start
        cpu = time.process_time() - cpu
        size = path.stat().st_size
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "library": library,
        "case": case,
        "seconds": round(seconds, 2),
        "cpu_seconds": round(cpu, 2),
        "peak_rss_mb": round(peak / 1024, 1),
        "rss_growth_mb": round((peak - before) / 1024, 1),
        "file_kb": size // 1024,
    }


def main() -> None:
    if len(sys.argv) == 3:
        print(json.dumps(run_one(sys.argv[1], sys.argv[2])))
        return
    head = ("library", "case", "seconds", "CPU s", "peak RSS MB", "file KB")
    print(f"{head[0]:<10} {head[1]:<26} {head[2]:>8} {head[3]:>6} {head[4]:>12} {head[5]:>8}")
    for library, case in CASES:
        out = subprocess.run(
            [sys.executable, "-m", "bench.pdf_libraries", library, case],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        r = json.loads(out)
        print(
            f"{library:<10} {case:<26} {r['seconds']:>8} {r['cpu_seconds']:>6} "
            f"{r['peak_rss_mb']:>12} {r['file_kb']:>8}"
        )


if __name__ == "__main__":
    main()
