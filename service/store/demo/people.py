"""The people of the demo shop: buyers' and attendees' names and email addresses, invoice
addresses and phone numbers, made for many orders at once from a numpy generator.

Names and addresses go beyond ASCII (and a company name has quotes), as a real shop's do.
"""

from typing import NamedTuple

import numpy as np

FIRST_NAMES = (
    ("Anna", "anna"),
    ("Jürgen", "juergen"),
    ("José", "jose"),
    ("Łukasz", "lukasz"),
    ("Zoë", "zoe"),
    ("Søren", "soeren"),
    ("Ayşe", "ayse"),
    ("Chloé", "chloe"),
    ("Björn", "bjoern"),
    ("Noémie", "noemie"),
    ("Oğuz", "oguz"),
    ("Émile", "emile"),
    ("Małgorzata", "malgorzata"),
    ("Íñigo", "inigo"),
    ("François", "francois"),
    ("Hélène", "helene"),
    ("Ðorđe", "djordje"),
    ("Ingrid", "ingrid"),
    ("Mateo", "mateo"),
    ("Olga", "olga"),
    ("Fatima", "fatima"),
    ("Priya", "priya"),
    ("Thomas", "thomas"),
    ("Sarah", "sarah"),
    ("Kenji", "kenji"),
)
LAST_NAMES = (
    ("Müller", "mueller"),
    ("García", "garcia"),
    ("Øster", "oester"),
    ("Nowak", "nowak"),
    ("Schmidt", "schmidt"),
    ("Dubois", "dubois"),
    ("Yılmaz", "yilmaz"),
    ("Doğan", "dogan"),
    ("Šimůnek", "simunek"),
    ("Ström", "stroem"),
    ("Kowalczyk", "kowalczyk"),
    ("O'Brien", "obrien"),
    ("Nguyễn", "nguyen"),
    ("Fernández", "fernandez"),
    ("Lefèvre", "lefevre"),
    ("Jensen", "jensen"),
    ("Weiß", "weiss"),
    ("Smith", "smith"),
    ("van der Berg", "vanderberg"),
    ("Łęcka", "lecka"),
)
FULL_NAMES = (
    ("李娜", "li.na"),
    ("王伟", "wang.wei"),
    ("田中 花子", "hanako.tanaka"),
    ("김민준", "minjun.kim"),
)
EMAIL_DOMAINS = ("example.com", "example.org", "example.net", "mail.example.de", "example.fr")


class Place(NamedTuple):
    country: str
    city: str
    zipcode: str
    street: str
    number_first: bool
    state: str
    calling_code: str


PLACES = (
    Place("DE", "Berlin", "10115", "Invalidenstraße", False, "", "49"),
    Place("DE", "München", "80331", "Marienplatz", False, "", "49"),
    Place("DE", "Köln", "50667", "Hohe Straße", False, "", "49"),
    Place("AT", "Wien", "1010", "Kärntner Straße", False, "", "43"),
    Place("CH", "Zürich", "8001", "Bahnhofstrasse", False, "", "41"),
    Place("FR", "Paris", "75001", "rue de Rivoli", True, "", "33"),
    Place("FR", "Lyon", "69002", "rue de la République", True, "", "33"),
    Place("ES", "Madrid", "28013", "Calle Mayor", False, "", "34"),
    Place("PL", "Kraków", "31-001", "ulica Floriańska", False, "", "48"),
    Place("DK", "København K", "1160", "Strøget", False, "", "45"),
    Place("TR", "İstanbul", "34430", "İstiklal Caddesi", False, "", "90"),
    Place("NL", "Amsterdam", "1012 JS", "Damrak", False, "", "31"),
    Place("GB", "London", "NW1 6XE", "Baker Street", True, "", "44"),
    Place("US", "New York", "10001", "Fifth Avenue", True, "NY", "1"),
    Place("CN", "北京", "100000", "长安街", False, "", "86"),
)
VAT_ID_FORMATS = {
    "DE": ("DE", 9),
    "AT": ("ATU", 8),
    "FR": ("FR", 11),
    "ES": ("ESB", 8),
    "PL": ("PL", 10),
    "DK": ("DK", 8),
    "NL": ("NL", 9),
}
COMPANIES = (
    "Müller & Söhne GmbH",
    "Øresund Tech ApS",
    "Société Générale d'Événements SARL",
    "García y Asociados S.L.",
    "Kraków Software Sp. z o.o.",
    "DOĞAN Yazılım A.Ş.",
    "Initech Inc.",
    "Globex Corporation",
    "Acme, Inc.",
    'Umbrella "Research" Ltd.',
    "北京科技有限公司",
)
STREET_SUFFIXES = ("c/o Accounting", "Hinterhaus, 3. OG", "Bâtiment B")
COMMENTS = (
    "Please send the invoice to our accounting department.",
    'Invoice reference: "PO-2027-118"; cost centre 4711',
    "Wheelchair access needed.\nThank you!",
    "Rechnung bitte mit Bestellnummer, danke.",
    "Merci de m'envoyer une facture détaillée.",
)


# Every name a person can have: the full names, then each first name with each last name.
NAMES = tuple(name for name, _ in FULL_NAMES) + tuple(
    f"{first} {last}" for first, _ in FIRST_NAMES for last, _ in LAST_NAMES
)
MAILBOXES = tuple(local for _, local in FULL_NAMES) + tuple(
    f"{first}.{last}" for _, first in FIRST_NAMES for _, last in LAST_NAMES
)
SUFFIXES = ("",) + tuple(str(n) for n in range(1, 100))


class People(NamedTuple):
    """Persons drawn at once: ``name`` indexes ``NAMES``; the email address is made only
    for the rows that show it (``emails``)."""

    name: np.ndarray
    suffix: np.ndarray
    domain: np.ndarray

    def emails(self, rows: np.ndarray | None = None) -> list[str]:
        name, suffix, domain = self if rows is None else (a[rows] for a in self)
        mailboxes = np.asarray(MAILBOXES, dtype=object)[name].tolist()
        suffixes = np.asarray(SUFFIXES, dtype=object)[suffix].tolist()
        domains = np.asarray(EMAIL_DOMAINS, dtype=object)[domain].tolist()
        return list(map("{}{}@{}".format, mailboxes, suffixes, domains))


def people(rng: np.random.Generator, count: int) -> People:
    """6% have a full name in another script, the others a first and a last name; 30% have
    a number in their address."""
    full = rng.random(count) < 0.06
    combined = (
        len(FULL_NAMES)
        + rng.integers(0, len(FIRST_NAMES), count) * len(LAST_NAMES)
        + rng.integers(0, len(LAST_NAMES), count)
    )
    name = np.where(full, rng.integers(0, len(FULL_NAMES), count), combined)
    suffix = np.where(rng.random(count) < 0.3, rng.integers(1, 100, count), 0)
    return People(name, suffix, rng.integers(0, len(EMAIL_DOMAINS), count))


def invoice_addresses(rng: np.random.Generator, names: np.ndarray) -> dict[str, list]:
    """Half of the buyers give an invoice address (40% of them a company, most companies
    a VAT id); ``place`` is where each buyer lives, address or not."""
    count = len(names)
    place = rng.integers(0, len(PLACES), count)
    given = rng.random(count) >= 0.5
    company = given & (rng.random(count) < 0.4)
    company_name = rng.integers(0, len(COMPANIES), count)
    number = rng.integers(1, 121, count)
    suffix = rng.random(count) < 0.1
    street_suffix = rng.integers(0, len(STREET_SUFFIXES), count)
    with_vat_id = company & (rng.random(count) < 0.6)
    vat_digits = rng.integers(0, 10, (count, 11))
    columns = {
        "invoice_company": [""] * count,
        "invoice_name": [""] * count,
        "invoice_street": [""] * count,
        "invoice_zipcode": [""] * count,
        "invoice_city": [""] * count,
        "invoice_country": [""] * count,
        "invoice_state": [""] * count,
        "invoice_vat_id": [""] * count,
    }
    for row in np.flatnonzero(given).tolist():
        where = PLACES[place[row]]
        at = int(number[row])
        street = f"{at} {where.street}" if where.number_first else f"{where.street} {at}"
        if suffix[row]:
            street += "\n" + STREET_SUFFIXES[street_suffix[row]]
        columns["invoice_name"][row] = NAMES[names[row]]
        columns["invoice_street"][row] = street
        columns["invoice_zipcode"][row] = where.zipcode
        columns["invoice_city"][row] = where.city
        columns["invoice_country"][row] = where.country
        columns["invoice_state"][row] = where.state
        if company[row]:
            columns["invoice_company"][row] = COMPANIES[company_name[row]]
        if with_vat_id[row] and where.country in VAT_ID_FORMATS:
            prefix, digits = VAT_ID_FORMATS[where.country]
            columns["invoice_vat_id"][row] = prefix + "".join(map(str, vat_digits[row, :digits]))
    columns["place"] = place
    return columns


def phones(rng: np.random.Generator, place: np.ndarray, rows: np.ndarray) -> list[str | None]:
    """A phone number in the buyer's country for ``rows``, none for the others."""
    found: list[str | None] = [None] * len(place)
    area = rng.integers(20, 1000, len(place))
    line = rng.integers(100000, 10000000, len(place))
    for row in np.flatnonzero(rows).tolist():
        found[row] = f"+{PLACES[place[row]].calling_code} {area[row]} {line[row]}"
    return found
