"""A reportlab canvas whose pages leave memory in batches: every ``batch`` pages the canvas
is saved and its pages merged into the output file (``merge``), then a fresh canvas goes
on. reportlab alone keeps every page of a document until it is saved."""

import gc
from io import BytesIO
from pathlib import Path

from reportlab import rl_config
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

from . import fonts
from .merge import PageMerger

BATCH = 250
# Page streams compressed, but not also ASCII85-encoded (a quarter larger for nothing).
rl_config.useA85 = 0


class PagedDocument:
    def __init__(self, path: Path, title: str, pagesize=A4, batch: int = BATCH) -> None:
        fonts.register()
        self.pagesize = pagesize
        self.title = title
        self.batch = batch
        self._file = open(path, "wb")
        self._merger = PageMerger(self._file, title)
        self._in_batch = 0
        self.canvas = self._new_canvas()

    def _new_canvas(self) -> Canvas:
        self._buffer = BytesIO()
        canvas = Canvas(
            self._buffer,
            pagesize=self.pagesize,
            pageCompression=1,
            initialFontName=fonts.REGULAR,
        )
        canvas.setTitle(self.title)
        return canvas

    @property
    def page_number(self) -> int:
        """The number of the page being drawn, from 1."""
        return self._merger.page_count + self._in_batch + 1

    def show_page(self) -> None:
        self.canvas.showPage()
        self._in_batch += 1
        if self._in_batch >= self.batch:
            self._flush()

    def _flush(self) -> None:
        self.canvas.save()
        self._merger.add(self._buffer.getvalue())
        self._in_batch = 0
        self.canvas = self._buffer = None
        # The parsed batch and the saved canvas are cycles of objects: free them now, not
        # whenever the collector would get to them, so that batches do not pile up.
        gc.collect()
        self.canvas = self._new_canvas()

    def close(self) -> int:
        """Finish the file; returns the number of pages."""
        if self._in_batch:
            self._flush()
        self._merger.close()
        self._file.close()
        return self._merger.page_count

    def __enter__(self) -> "PagedDocument":
        return self

    def __exit__(self, kind, *_exc) -> None:
        if kind is None:
            self.close()
        else:
            self._file.close()
