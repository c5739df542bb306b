"""Rendering printable documents with reportlab (chosen by measurement, see the README):
the font, page batches merged into one file as they are drawn, tables, QR codes and label
sheets. Exporters draw; nothing here knows about orders."""
