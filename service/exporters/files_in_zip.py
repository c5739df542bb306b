"""Names of ZIP members made from data: no directories, no characters archivers refuse,
and no name twice (``a.pdf``, then ``a (2).pdf``)."""

import re

UNSAFE = re.compile(r'[\x00-\x1f/\\:*?"<>|]+')


def member_name(wanted: str, taken: set[str]) -> str:
    name = UNSAFE.sub("_", wanted).strip(" .") or "file"
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    candidate, number = name, 2
    while candidate.lower() in taken:
        candidate = f"{stem} ({number}){dot}{ext}"
        number += 1
    taken.add(candidate.lower())
    return candidate
