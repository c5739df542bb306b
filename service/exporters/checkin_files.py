"""File names of the check-in exports, which pretix names after the check-in list."""

import re

UNSAFE = re.compile(r"[^\w .-]", re.ASCII)


def safe_for_filename(text: str) -> str:
    """Letters, digits, spaces, dots, dashes and underscores kept; anything else becomes
    ``_``: "Main entrance" stays as it is."""
    return UNSAFE.sub("_", text)


def list_file_stem(list_name: str) -> str:
    return f"checkin_{safe_for_filename(list_name)}"
