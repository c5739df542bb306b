"""One PDF written page by page from many small ones: each batch of pages is parsed, its
objects renumbered and written out, and forgotten, so that a document of 100,000 pages
needs no more memory than one batch. Only the page tree, a list of object numbers and
offsets, grows with the page count.

The page tree has two levels: the pages hang from nodes of up to ``KIDS_PER_NODE`` pages,
and those from the root. One flat list of every page is valid PDF too, but readers guard
against huge arrays (pypdf refuses more than 100,000 elements), and a tree lets a viewer
find a page without reading them all."""

from io import BytesIO
from typing import BinaryIO

from pypdf import PdfReader
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    IndirectObject,
    NameObject,
    NumberObject,
    TextStringObject,
)

KIDS_PER_NODE = 1000


class PageMerger:
    def __init__(self, out: BinaryIO, title: str = "") -> None:
        self.out = out
        self.offsets: list[int] = [0]
        self.page_numbers: list[int] = []
        # The page tree's nodes, each taking the next KIDS_PER_NODE pages.
        self.nodes: list[int] = []
        self.title = title
        out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
        self.pages_number = self._reserve()

    @property
    def page_count(self) -> int:
        return len(self.page_numbers)

    def _reserve(self) -> int:
        self.offsets.append(0)
        return len(self.offsets) - 1

    def _write(self, number: int, obj) -> None:
        self.offsets[number] = self.out.tell()
        self.out.write(f"{number} 0 obj\n".encode())
        obj.write_to_stream(self.out)
        self.out.write(b"\nendobj\n")

    def add(self, pdf: bytes) -> None:
        """Append every page of ``pdf`` with what it uses (fonts, images)."""
        reader = PdfReader(BytesIO(pdf))
        numbers: dict[int, int] = {}
        pending: list[tuple[int, IndirectObject]] = []

        def renumber(value):
            if isinstance(value, IndirectObject):
                if value.idnum not in numbers:
                    numbers[value.idnum] = self._reserve()
                    pending.append((numbers[value.idnum], value))
                return IndirectObject(numbers[value.idnum], 0, None)
            # dict's and list's own access: pypdf's would resolve the references.
            if isinstance(value, DictionaryObject):
                for key, item in list(dict.items(value)):
                    dict.__setitem__(value, key, renumber(item))
            elif isinstance(value, ArrayObject):
                for index, item in enumerate(list.__iter__(value)):
                    list.__setitem__(value, index, renumber(item))
            return value

        for page in reader.pages:
            page_ref = page.indirect_reference
            number = self._reserve()
            numbers[page_ref.idnum] = number
            dict.pop(page, NameObject("/Parent"), None)
            renumber(page)
            page[NameObject("/Parent")] = IndirectObject(self._node_of_next_page(), 0, None)
            self._write(number, page)
            self.page_numbers.append(number)
        while pending:
            number, ref = pending.pop()
            self._write(number, renumber(ref.get_object()))

    def _node_of_next_page(self) -> int:
        """The object number of the tree node the next page hangs from."""
        if self.page_count % KIDS_PER_NODE == 0:
            self.nodes.append(self._reserve())
        return self.nodes[-1]

    def _write_pages(self, number: int, parent: int | None, kids: list[int]) -> None:
        node = {
            NameObject("/Type"): NameObject("/Pages"),
            NameObject("/Kids"): ArrayObject(IndirectObject(n, 0, None) for n in kids),
            NameObject("/Count"): NumberObject(
                len(kids) if parent is not None else self.page_count
            ),
        }
        if parent is not None:
            node[NameObject("/Parent")] = IndirectObject(parent, 0, None)
        self._write(number, DictionaryObject(node))

    def close(self) -> None:
        """The page tree, catalogue, cross-reference table and trailer."""
        for index, node in enumerate(self.nodes):
            kids = self.page_numbers[index * KIDS_PER_NODE : (index + 1) * KIDS_PER_NODE]
            self._write_pages(node, self.pages_number, kids)
        self._write_pages(self.pages_number, None, self.nodes)
        catalog = self._reserve()
        self._write(
            catalog,
            DictionaryObject(
                {
                    NameObject("/Type"): NameObject("/Catalog"),
                    NameObject("/Pages"): IndirectObject(self.pages_number, 0, None),
                }
            ),
        )
        info = self._reserve()
        self._write(
            info,
            DictionaryObject(
                {
                    NameObject("/Title"): TextStringObject(self.title),
                    NameObject("/Producer"): TextStringObject("ticket-export-service"),
                }
            ),
        )
        start = self.out.tell()
        self.out.write(f"xref\n0 {len(self.offsets)}\n0000000000 65535 f \n".encode())
        for offset in self.offsets[1:]:
            self.out.write(f"{offset:010d} 00000 n \n".encode())
        self.out.write(
            f"trailer\n<< /Size {len(self.offsets)} /Root {catalog} 0 R /Info {info} 0 R >>\n"
            f"startxref\n{start}\n%%EOF\n".encode()
        )
