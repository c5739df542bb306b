"""A person's name from pretix's name parts, as pretix's ``build_name`` puts it together: the
parts the name's scheme (``_scheme``) shows in a name, in its order, joined by spaces; a few
schemes join otherwise. A salutation is never part of the name, a degree follows a comma."""

# Scheme → the parts its name is made of, in order, joined by a space.
SPACED = {
    "given_family": ("given_name", "family_name"),
    "title_given_family": ("title", "given_name", "family_name"),
    "given_middle_family": ("given_name", "middle_name", "family_name"),
    "title_given_middle_family": ("title", "given_name", "middle_name", "family_name"),
    "family_given": ("family_name", "given_name"),
    "salutation_given_family": ("given_name", "family_name"),
    "salutation_title_given_family": ("title", "given_name", "family_name"),
    "salutation_title_given_family_degree": ("title", "given_name", "family_name"),
}
FULL_NAME_SCHEMES = ("full", "calling_full", "full_transcription")


def _joined(parts: dict, keys, separator: str = " ") -> str:
    return separator.join(str(parts[k]) for k in keys if parts.get(k))


def build_name(parts: dict | None) -> str:
    """The name, or "" without parts. Parts without a scheme (or of one unknown here) are
    read as a full name, else as their values in order."""
    if not parts:
        return ""
    if "_legacy" in parts:
        return str(parts["_legacy"])
    scheme = parts.get("_scheme")
    if scheme in SPACED:
        name = _joined(parts, SPACED[scheme])
        if scheme.endswith("_degree") and parts.get("degree"):
            name += f", {parts['degree']}"
        return name.strip()
    if scheme == "family_nospace_given":
        return _joined(parts, ("family_name", "given_name"), "").strip()
    if scheme == "family_comma_given":
        return _joined(parts, ("family_name", "given_name"), ", ").strip()
    if scheme in FULL_NAME_SCHEMES or "full_name" in parts:
        return str(parts.get("full_name") or "").strip()
    return _joined(parts, [k for k in parts if not k.startswith("_")])
