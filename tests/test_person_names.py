"""Names from pretix's name parts, as pretix's ``build_name`` (``helpers/names.py``) joins
them with each scheme's ``concatenation``."""

import pytest

from service.exporters.person_names import build_name


@pytest.mark.parametrize(
    ("parts", "name"),
    [
        ({"_scheme": "full", "full_name": "Anna Schulz"}, "Anna Schulz"),
        ({"_scheme": "given_family", "given_name": "Anna", "family_name": "Schulz"}, "Anna Schulz"),
        ({"_scheme": "given_family", "family_name": "Schulz"}, "Schulz"),
        (
            {"_scheme": "title_given_family", "title": "Dr", "given_name": "A", "family_name": "B"},
            "Dr A B",
        ),
        (
            {"_scheme": "family_given", "given_name": "Hanako", "family_name": "Yamada"},
            "Yamada Hanako",
        ),
        ({"_scheme": "family_nospace_given", "given_name": "文", "family_name": "孫"}, "孫文"),
        (
            {"_scheme": "family_comma_given", "given_name": "Anna", "family_name": "Schulz"},
            "Schulz, Anna",
        ),
        ({"_scheme": "family_comma_given", "given_name": "Anna"}, "Anna"),
        (
            {
                "_scheme": "salutation_given_family",
                "salutation": "Mr",
                "given_name": "Ben",
                "family_name": "Ott",
            },
            "Ben Ott",
        ),
        (
            {
                "_scheme": "salutation_title_given_family_degree",
                "salutation": "Ms",
                "title": "Prof.",
                "given_name": "Eva",
                "family_name": "Roth",
                "degree": "PhD",
            },
            "Prof. Eva Roth, PhD",
        ),
        (
            {"_scheme": "calling_full", "calling_name": "Bob", "full_name": "Robert Ott"},
            "Robert Ott",
        ),
        ({"_legacy": "Old Name"}, "Old Name"),
        ({}, ""),
        (None, ""),
    ],
)
def test_build_name_joins_parts_as_pretix_does(parts, name):
    assert build_name(parts) == name
