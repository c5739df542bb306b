"""Embedded font subsets made once per process instead of once per document.

reportlab embeds, in every document, the subset of a TrueType font that the document uses:
it cuts the subset's font program out of the font file and compresses it. With its
``ttfAsciiReadable`` default, a subset always holds the printable ASCII characters and adds
the others in the order the text uses them, so most invoices of an export (each a document
of its own) embed the very same subset. Cutting and compressing it took a third of the time
an invoice took to render; here each distinct subset is cut and compressed once and its
bytes reused. The PDF objects are those reportlab's ``TTFontFace.addSubsetObjects`` makes.
"""

import zlib
from functools import lru_cache

from reportlab.pdfbase import pdfdoc
from reportlab.pdfbase.ttfonts import FF_NONSYMBOLIC, FF_SYMBOLIC, TTFont

# Distinct subsets kept per font: a few dozen in practice (names with letters beyond ASCII
# make their own); the bound keeps memory flat whatever the names (about 30 KB each).
REMEMBERED_SUBSETS = 256


class SubsetObjects:
    """A face's ``addSubsetObjects`` with the compressed font program of each subset
    remembered (see the module's docstring)."""

    def __init__(self, face) -> None:
        self.face = face
        self.program = lru_cache(maxsize=REMEMBERED_SUBSETS)(self._program)

    def _program(self, subset: tuple[int, ...]) -> tuple[int, bytes]:
        """The subset's font program: its length, and the program compressed."""
        program = self.face.makeSubset(list(subset))
        return len(program), zlib.compress(program)

    def __call__(self, doc, fontname: str, subset: list[int]):
        face = self.face
        length, compressed = self.program(tuple(subset))
        font_file = pdfdoc.PDFStream(content=compressed)
        font_file.dictionary["Length1"] = length
        # Set here, the filter is not applied again when the stream is written.
        font_file.dictionary["Filter"] = pdfdoc.PDFArray([pdfdoc.PDFName("FlateDecode")])
        font_file_ref = doc.Reference(font_file, f"fontFile:{face.filename}({fontname})")
        descriptor = pdfdoc.PDFDictionary(
            {
                "Type": "/FontDescriptor",
                "Ascent": face.ascent,
                "CapHeight": face.capHeight,
                "Descent": face.descent,
                "Flags": (face.flags & ~FF_NONSYMBOLIC) | FF_SYMBOLIC,
                "FontBBox": pdfdoc.PDFArray(face.bbox),
                "FontName": pdfdoc.PDFName(fontname),
                "ItalicAngle": face.italicAngle,
                "StemV": face.stemV,
                "FontFile2": font_file_ref,
                "MissingWidth": face.defaultWidth,
            }
        )
        return doc.Reference(descriptor, "fontDescriptor:" + fontname)


def subset_caching_font(name: str, path: str) -> TTFont:
    """A reportlab TrueType font whose subsets are cut and compressed once per process."""
    font = TTFont(name, path)
    font.face.addSubsetObjects = SubsetObjects(font.face)
    return font
