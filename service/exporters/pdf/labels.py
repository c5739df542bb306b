"""Sheets of badges: pretix's ``rendering`` choices as the size of one badge and how many
fit on a sheet (columns, rows), centred on the sheet. "one" is a page of the badge's own
size (pretix's default badge, A6 landscape)."""

from dataclasses import dataclass

MM = 72 / 25.4
A4 = (210, 297)
LETTER = (215.9, 279.4)


@dataclass(frozen=True)
class Sheet:
    page: tuple[float, float]  # mm
    badge: tuple[float, float]  # mm
    columns: int
    rows: int

    @property
    def per_page(self) -> int:
        return self.columns * self.rows

    def page_points(self) -> tuple[float, float]:
        return self.page[0] * MM, self.page[1] * MM

    def slot(self, index: int) -> tuple[float, float, float, float]:
        """(x, y, width, height) in points of the ``index``-th badge on a sheet, row by row
        from the top left."""
        width, height = self.badge
        left = (self.page[0] - self.columns * width) / 2
        top = (self.page[1] - self.rows * height) / 2
        column, row = index % self.columns, index // self.columns
        x = left + column * width
        y = self.page[1] - top - (row + 1) * height
        return x * MM, y * MM, width * MM, height * MM


def _grid(badge, columns, rows, page=A4) -> Sheet:
    return Sheet(page, badge, columns, rows)


SHEETS = {
    "one": Sheet((148, 105), (148, 105), 1, 1),
    "a4_a6l": _grid((148, 105), 2, 2, (297, 210)),
    "a4_a6p": _grid((105, 148), 2, 2),
    "a4_a7l": _grid((105, 74), 2, 4),
    "a4_a7p": _grid((74, 105), 4, 2, (297, 210)),
    "avery_63x29": _grid((63.5, 29.6), 3, 9),
    "avery_4inx3in": _grid((101.6, 76.2), 2, 3, LETTER),
    "avery_80x50": _grid((80, 50), 2, 5),
    "durable_54x90": _grid((90, 54), 2, 5),
    "durable_40x75": _grid((75, 40), 2, 6),
    "durable_60x90": _grid((90, 60), 2, 4),
    "durable_fix_40x75": _grid((75, 40), 2, 6),
    "herma_50x80": _grid((80, 50), 2, 5),
    "herma_40x40": _grid((40, 40), 4, 6),
    "herma_88.9x33.87": _grid((88.9, 33.87), 2, 8),
    "herma_90x60": _grid((90, 60), 2, 4),
    "lyreco_70x36": _grid((70, 36), 3, 8),
}
LABELS = {
    "one": "One badge per page",
    "a4_a6l": "4 landscape A6 pages on one A4 page",
    "a4_a6p": "4 portrait A6 pages on one A4 page",
    "a4_a7l": "8 landscape A7 pages on one A4 page",
    "a4_a7p": "8 portrait A7 pages on one A4 page",
    "avery_63x29": "Avery 63.5 x 29.6 mm labels",
    "avery_4inx3in": "Avery 4 x 3 in labels",
    "avery_80x50": "Avery 80 x 50 mm labels",
    "durable_54x90": "Durable 54 x 90 mm badges",
    "durable_40x75": "Durable 40 x 75 mm badges",
    "durable_60x90": "Durable 60 x 90 mm badges",
    "durable_fix_40x75": "Durable fix 40 x 75 mm badges",
    "herma_50x80": "Herma 50 x 80 mm labels",
    "herma_40x40": "Herma 40 x 40 mm labels",
    "herma_88.9x33.87": "Herma 88.9 x 33.87 mm labels",
    "herma_90x60": "Herma 90 x 60 mm labels",
    "lyreco_70x36": "Lyreco 70 x 36 mm labels",
}
