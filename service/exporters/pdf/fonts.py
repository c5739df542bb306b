"""DejaVu Sans, from Debian's fonts-dejavu-core: its glyphs cover Latin, Greek and Cyrillic
in full, so every attendee's name prints ("Zoë Ødegård", "Łukasz"). reportlab embeds the
subset each document uses."""

import os
from functools import cache
from pathlib import Path

from reportlab.pdfbase import pdfmetrics

from ..base_types import ExportError
from .subsets import subset_caching_font

REGULAR = "DejaVuSans"
BOLD = "DejaVuSans-Bold"
# PDF_FONT_DIR points elsewhere where the font lives in another place.
SEARCH = ["/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/dejavu", "/usr/local/share/fonts"]
MISSING = (
    "The font DejaVu Sans is not installed (Debian: apt-get install fonts-dejavu-core, "
    "or set PDF_FONT_DIR to a directory holding DejaVuSans.ttf)."
)


def _font_dir() -> Path:
    candidates = [os.environ.get("PDF_FONT_DIR"), *SEARCH]
    for folder in filter(None, candidates):
        if (Path(folder) / "DejaVuSans.ttf").is_file():
            return Path(folder)
    raise ExportError(MISSING)


@cache
def register() -> None:
    """Make the fonts known to reportlab, once per process."""
    folder = _font_dir()
    pdfmetrics.registerFont(subset_caching_font(REGULAR, str(folder / "DejaVuSans.ttf")))
    pdfmetrics.registerFont(subset_caching_font(BOLD, str(folder / "DejaVuSans-Bold.ttf")))


def width(text: str, size: float, bold: bool = False) -> float:
    return pdfmetrics.stringWidth(text, BOLD if bold else REGULAR, size)


def fit(text: str, room: float, size: float, bold: bool = False) -> str:
    """``text`` cut to ``room`` points, with "…" where it was cut."""
    if width(text, size, bold) <= room:
        return text
    low, high = 0, len(text)
    while low < high:
        middle = (low + high + 1) // 2
        if width(text[:middle] + "…", size, bold) <= room:
            low = middle
        else:
            high = middle - 1
    return text[:low] + "…"
