"""How pretix's invoice exports word an invoice's fields: its type, the transmission type
and state, and the transmission details each type asks for."""

TRANSMISSION_TYPES = {
    "email": "Email",
    "peppol": "Peppol",
    "it_sdi": "Italian Exchange System (SdI)",
}
TRANSMISSION_STATES = {
    "pending": "pending transmission",
    "inflight": "currently being transmitted",
    "failed": "failed",
    "completed": "transmitted",
    "testmode_ignored": "not transmitted due to test mode",
    "unknown": "unknown",
}
# (type, key in the invoice's transmission info, label): one column each, in pretix's order.
TRANSMISSION_FIELDS = [
    ("email", "transmission_email_other", "Email invoice directly to accounting department"),
    ("email", "transmission_email_address", "Email address for invoice"),
    ("peppol", "transmission_peppol_participant_id", "Peppol participant ID"),
    ("it_sdi", "transmission_it_sdi_codice_fiscale", "Fiscal code"),
    ("it_sdi", "transmission_it_sdi_pec", "Address for certified electronic mail"),
    ("it_sdi", "transmission_it_sdi_recipient_code", "Recipient code"),
]
TRANSMISSION_COLUMNS = [
    f"{TRANSMISSION_TYPES[kind]}: {label}" for kind, _key, label in TRANSMISSION_FIELDS
]


def invoice_type(is_cancellation: bool) -> str:
    return "Cancellation" if is_cancellation else "Invoice"


def yes_no(value: bool) -> str:
    return "Yes" if value else "No"


def transmission_cells(info: dict | None) -> list:
    """The transmission detail columns of one invoice."""
    info = info or {}
    cells = []
    for _kind, key, _label in TRANSMISSION_FIELDS:
        value = info.get(key)
        cells.append(yes_no(value) if isinstance(value, bool) else (value or ""))
    return cells
