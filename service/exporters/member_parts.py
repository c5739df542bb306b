"""Archive members handed from the processes that make them to the one that zips them: each
process writes its members to a part file, one frame (name, bytes) after the other; the
zipping process reads them back in order, one member at a time, so memory stays flat."""

import struct
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

# The name's length in bytes (UTF-8), then the member's.
FRAME = struct.Struct(">IQ")


def write_member(handle: BinaryIO, name: str, data: bytes) -> None:
    encoded = name.encode()
    handle.write(FRAME.pack(len(encoded), len(data)))
    handle.write(encoded)
    handle.write(data)


def read_members(path: Path) -> Iterator[tuple[str, bytes]]:
    with open(path, "rb") as handle:
        while header := handle.read(FRAME.size):
            name_length, data_length = FRAME.unpack(header)
            name = handle.read(name_length).decode()
            yield name, handle.read(data_length)
