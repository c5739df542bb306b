"""A zip writer whose entries may arrive already deflated, in pieces.

Python's zipfile compresses every entry itself, in the process that writes the archive. A
workbook written in parallel has each process deflate its own rows: a piece is a raw deflate
stream that ends on a byte boundary (a sync flush), the last piece of an entry a finished
one, so that the pieces of an entry are joined by copying their bytes, and their CRC-32s are
combined arithmetically. Nothing is compressed twice, and no process reads a whole sheet.

Entries carry a fixed date (the same data makes the same bytes on any host at any time) and
zip64 sizes in their local headers; the central directory and its end use zip64 records only
where a value needs them, as zipfile does.
"""

import os
import struct
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from ..storage.base import StagedPart
from ..storage.local import append

COMPRESS_LEVEL = 1
# 1980-01-01 00:00 in MS-DOS's date and time fields.
DOS_DATE, DOS_TIME = (1 << 5) | 1, 0
ZIP64_VERSION = 45
UNIX = 3
FILE_MODE = 0o600 << 16
DEFLATED = 8
MAX_32 = 0xFFFFFFFF
MAX_16 = 0xFFFF
LOCAL_HEADER = struct.Struct("<IHHHHHIIIHH")
LOCAL_ZIP64 = struct.Struct("<HHQQ")
CENTRAL_HEADER = struct.Struct("<IHHHHHHIIIHHHHHII")
ZIP64_END = struct.Struct("<IQHHIIQQQQ")
ZIP64_LOCATOR = struct.Struct("<IIQI")
END = struct.Struct("<IHHHHIIH")
CRC_POLYNOMIAL = 0xEDB88320


@dataclass(frozen=True)
class Piece:
    """Deflated bytes in a file (or a part staged in the result storage, ``StagedPart``),
    with the CRC-32 and length of what they inflate to."""

    path: "Path | StagedPart"
    crc: int
    size: int

    @property
    def compressed(self) -> int:
        if isinstance(self.path, StagedPart):
            return self.path.size
        return os.path.getsize(self.path)


@dataclass
class _Entry:
    name: bytes
    offset: int
    crc: int = 0
    compressed: int = 0
    size: int = 0


class PieceWriter:
    """Deflates what is written into a piece file; ``close(last=...)`` says whether it ends
    its entry."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.handle = open(path, "wb")
        self.compressor = zlib.compressobj(COMPRESS_LEVEL, zlib.DEFLATED, -15)
        self.crc = 0
        self.size = 0

    def write(self, data: bytes) -> None:
        self.crc = zlib.crc32(data, self.crc)
        self.size += len(data)
        self.handle.write(self.compressor.compress(data))

    def close(self, last: bool) -> Piece:
        self.handle.write(self.compressor.flush(zlib.Z_FINISH if last else zlib.Z_SYNC_FLUSH))
        self.handle.close()
        return Piece(self.path, self.crc, self.size)


class FileSink:
    """An archive written to a file; pieces are copied into it inside the kernel."""

    def __init__(self, path) -> None:
        self.handle = open(path, "wb")

    def write(self, data: bytes) -> None:
        self.handle.write(data)

    def copy(self, piece: Piece) -> None:
        self.handle.flush()  # the copy writes to the file descriptor itself
        append(piece.path, self.handle)

    def tell(self) -> int:
        return self.handle.tell()

    def rewrite(self, offset: int, data: bytes) -> None:
        end = self.handle.tell()
        self.handle.seek(offset)
        self.handle.write(data)
        self.handle.seek(end)

    def close(self) -> None:
        self.handle.close()


class SegmentSink:
    """An archive as the segments it is made of, in order: its own bytes, and the pieces
    staged in the result storage, for the storage to put together (``publish_composed``)
    without the pieces passing through this process."""

    def __init__(self) -> None:
        self.segments: list = []
        self.offset = 0

    def write(self, data: bytes) -> None:
        if self.segments and isinstance(self.segments[-1], bytes):
            self.segments[-1] += data
        else:
            self.segments.append(bytes(data))
        self.offset += len(data)

    def copy(self, piece: Piece) -> None:
        self.segments.append(piece.path)
        self.offset += piece.compressed

    def tell(self) -> int:
        return self.offset

    def close(self) -> None:
        pass


class ZipWriter:
    """Entries one after the other (``write_bytes``, ``open_entry``, ``write_pieces``), then
    ``close`` writes the central directory. Into a file at a path, or into a sink
    (``SegmentSink``), which takes every entry but ``open_entry``'s."""

    def __init__(self, target) -> None:
        self.sink = target if isinstance(target, SegmentSink) else FileSink(target)
        self.entries: list[_Entry] = []

    def write_bytes(self, name: str, data: bytes) -> None:
        compressor = zlib.compressobj(COMPRESS_LEVEL, zlib.DEFLATED, -15)
        deflated = compressor.compress(data) + compressor.flush()
        entry = self._entry(name, zlib.crc32(data), len(data), len(deflated))
        self.sink.write(deflated)
        self.entries.append(entry)

    def open_entry(self, name: str) -> "_EntryStream":
        """A file-like entry that deflates what is written to it (into a file only: its
        header is completed afterwards)."""
        entry = _Entry(name.encode("ascii"), self.sink.tell())
        self.sink.write(self._local_header(entry))
        return _EntryStream(self, entry)

    def write_pieces(self, name: str, pieces: Iterable[Piece]) -> None:
        """An entry made of deflated pieces, copied as they are (see the module's docstring)."""
        pieces = list(pieces)
        crc = 0
        for piece in pieces:
            crc = crc32_combine(crc, piece.crc, piece.size)
        size = sum(piece.size for piece in pieces)
        entry = self._entry(name, crc, size, sum(piece.compressed for piece in pieces))
        for piece in pieces:
            self.sink.copy(piece)
        self.entries.append(entry)

    def _entry(self, name: str, crc: int, size: int, compressed: int) -> _Entry:
        """An entry whose CRC and sizes are known, its local header written."""
        entry = _Entry(name.encode("ascii"), self.sink.tell(), crc, compressed, size)
        self.sink.write(self._local_header(entry))
        return entry

    def _end(self, entry: _Entry) -> None:
        """Fill in the local header's CRC and sizes, now known."""
        end = self.sink.tell()
        entry.compressed = end - entry.offset - LOCAL_HEADER.size - len(entry.name)
        entry.compressed -= LOCAL_ZIP64.size
        self.sink.rewrite(entry.offset, self._local_header(entry))
        self.entries.append(entry)

    @staticmethod
    def _local_header(entry: _Entry) -> bytes:
        fields = (0x04034B50, ZIP64_VERSION, 0, DEFLATED, DOS_TIME, DOS_DATE, entry.crc)
        header = LOCAL_HEADER.pack(*fields, MAX_32, MAX_32, len(entry.name), LOCAL_ZIP64.size)
        return header + entry.name + LOCAL_ZIP64.pack(1, 16, entry.size, entry.compressed)

    def close(self) -> None:
        start = self.sink.tell()
        for entry in self.entries:
            self.sink.write(self._central_header(entry))
        size = self.sink.tell() - start
        count = len(self.entries)
        if count > MAX_16 or size > MAX_32 or start > MAX_32:
            zip64_end = self.sink.tell()
            self.sink.write(
                ZIP64_END.pack(
                    0x06064B50,
                    ZIP64_END.size - 12,
                    ZIP64_VERSION,
                    ZIP64_VERSION,
                    0,
                    0,
                    count,
                    count,
                    size,
                    start,
                )
            )
            self.sink.write(ZIP64_LOCATOR.pack(0x07064B50, 0, zip64_end, 1))
        self.sink.write(
            END.pack(
                0x06054B50,
                0,
                0,
                min(count, MAX_16),
                min(count, MAX_16),
                min(size, MAX_32),
                min(start, MAX_32),
                0,
            )
        )
        self.sink.close()

    @staticmethod
    def _central_header(entry: _Entry) -> bytes:
        """zip64 extra fields only for the values that need them, in the order the format
        gives: size, compressed size, offset."""
        extra = [value for value in (entry.size, entry.compressed) if value > MAX_32]
        if entry.offset > MAX_32:
            extra.append(entry.offset)
        zip64 = struct.pack(f"<HH{len(extra)}Q", 1, 8 * len(extra), *extra) if extra else b""
        header = CENTRAL_HEADER.pack(
            0x02014B50,
            ZIP64_VERSION | UNIX << 8,
            ZIP64_VERSION,
            0,
            DEFLATED,
            DOS_TIME,
            DOS_DATE,
            entry.crc,
            min(entry.compressed, MAX_32),
            min(entry.size, MAX_32),
            len(entry.name),
            len(zip64),
            0,
            0,
            0,
            FILE_MODE,
            min(entry.offset, MAX_32),
        )
        return header + entry.name + zip64


class _EntryStream:
    def __init__(self, writer: ZipWriter, entry: _Entry) -> None:
        self.writer = writer
        self.entry = entry
        self.compressor = zlib.compressobj(COMPRESS_LEVEL, zlib.DEFLATED, -15)

    def write(self, data: bytes) -> None:
        self.entry.crc = zlib.crc32(data, self.entry.crc)
        self.entry.size += len(data)
        self.writer.sink.write(self.compressor.compress(data))

    def __enter__(self) -> "_EntryStream":
        return self

    def __exit__(self, *exc) -> None:
        self.writer.sink.write(self.compressor.flush())
        self.writer._end(self.entry)


def crc32_combine(first: int, second: int, second_length: int) -> int:
    """The CRC-32 of two byte strings one after the other, from the CRC-32 of each and the
    second's length (zlib's crc32_combine, which Python's zlib does not offer): the first
    CRC is advanced over ``second_length`` zero bytes by squaring an operator matrix over
    GF(2), then the second is added."""
    if second_length <= 0:
        return first
    # The operator for one zero bit, then for two and four.
    odd = [CRC_POLYNOMIAL] + [1 << n for n in range(31)]
    even = _gf2_square(odd)
    odd = _gf2_square(even)
    while True:
        # Each round applies the operator for the next bit of the length, if it is set.
        even = _gf2_square(odd)
        if second_length & 1:
            first = _gf2_times(even, first)
        second_length >>= 1
        if not second_length:
            break
        odd = _gf2_square(even)
        if second_length & 1:
            first = _gf2_times(odd, first)
        second_length >>= 1
        if not second_length:
            break
    return first ^ second


def _gf2_times(matrix: list[int], vector: int) -> int:
    total = 0
    row = 0
    while vector:
        if vector & 1:
            total ^= matrix[row]
        vector >>= 1
        row += 1
    return total


def _gf2_square(matrix: list[int]) -> list[int]:
    return [_gf2_times(matrix, matrix[n]) for n in range(32)]
