"""The zip writer behind workbooks: entries deflated in pieces by other processes, read back
by Python's zipfile, which checks every CRC-32 and size."""

import random
import zipfile
import zlib

import pytest

from service.exporters.zip_writer import PieceWriter, ZipWriter, crc32_combine


def test_combined_crcs_are_the_crc_of_the_joined_bytes():
    draw = random.Random(17)
    for _ in range(300):
        first = draw.randbytes(draw.choice([0, 1, 7, draw.randint(0, 5000)]))
        second = draw.randbytes(draw.choice([0, 1, 3, draw.randint(0, 5000)]))
        combined = crc32_combine(zlib.crc32(first), zlib.crc32(second), len(second))
        assert combined == zlib.crc32(first + second)


def text(draw: random.Random, length: int) -> bytes:
    return "".join(draw.choice("<row>ÄbC&9 \n") for _ in range(length)).encode()


@pytest.mark.parametrize("sizes", [[1], [0, 5], [70_000, 3, 0, 200_000], [5, 0]])
def test_an_entry_of_pieces_inflates_to_the_pieces_one_after_the_other(tmp_path, sizes):
    draw = random.Random(len(sizes))
    texts = [text(draw, size) for size in sizes]
    pieces = []
    for number, data in enumerate(texts):
        writer = PieceWriter(tmp_path / f"piece{number}")
        for start in range(0, len(data), 9_000):
            writer.write(data[start : start + 9_000])
        pieces.append(writer.close(last=number == len(texts) - 1))
    archive = ZipWriter(tmp_path / "a.zip")
    archive.write_bytes("before.xml", b"<a/>")
    archive.write_pieces("sheet.xml", pieces)
    with archive.open_entry("after.xml") as entry:
        entry.write(b"<b>")
        entry.write(b"</b>")
    archive.close()
    with zipfile.ZipFile(tmp_path / "a.zip") as read:
        assert read.testzip() is None
        assert read.namelist() == ["before.xml", "sheet.xml", "after.xml"]
        assert read.read("sheet.xml") == b"".join(texts)
        assert read.read("after.xml") == b"<b></b>"
        assert {info.date_time for info in read.infolist()} == {(1980, 1, 1, 0, 0, 0)}


def test_more_entries_than_a_plain_zip_counts_take_zip64_records(tmp_path):
    archive = ZipWriter(tmp_path / "many.zip")
    for number in range(70_000):
        archive.write_bytes(f"{number}.txt", b"x")
    archive.close()
    with zipfile.ZipFile(tmp_path / "many.zip") as read:
        names = read.namelist()
        assert len(names) == 70_000
        assert read.read("69999.txt") == b"x"
