"""Texts that pretix's exports show instead of the store's codes: sales channels and
payment providers by name, tax rules and product categories described, the check-in lists a
position was let in on, and the buyer's page links."""

from collections.abc import Sequence
from decimal import Decimal

from .base_types import format_rate

# pretix's built-in channel; the store keeps no names for others, so they show their code.
SALES_CHANNEL_NAMES = {"web": "Online shop"}


# The names pretix gives its own payment providers; others show their code.
PAYMENT_PROVIDER_NAMES = {
    "banktransfer": "Bank transfer",
    "giftcard": "Gift card",
    "manual": "Manual payment",
    "stripe": "Credit card via Stripe",
    "paypal": "PayPal",
    "free": "Free of charge",
    "boxoffice": "Box office",
}


def sales_channel_name(code: str) -> str:
    return SALES_CHANNEL_NAMES.get(code, code)


def payment_provider_name(code: str) -> str:
    return PAYMENT_PROVIDER_NAMES.get(code, code)


def describe_tax_rule(
    internal_name: str | None,
    name: str,
    rate: Decimal,
    price_includes_tax: bool,
    reverse_charge: bool = False,
) -> str:
    """As pretix's ``TaxRule.__str__``: "VAT 19 (incl. 19% VAT)", or without an internal
    name just "incl. 19% VAT"; "plus" where prices are net; "(reverse charge enabled)" after
    the rate where the rule applies EU reverse charge."""
    text = f"{'incl.' if price_includes_tax else 'plus'} {format_rate(rate)}% {name}"
    if reverse_charge:
        text += " (reverse charge enabled)"
    return f"{internal_name} ({text})" if internal_name else text


# What pretix calls a category that is not a normal one, after its name.
CATEGORY_KINDS = {
    "both": "Normal + cross-selling category",
    "only": "Cross-selling category",
}


def describe_category(name: str, internal_name: str | None, is_addon: bool, mode: str | None):
    """As pretix's ``ItemCategory.__str__``: the internal name, else the name, followed by
    the kind of category unless it is a normal one: "Extras (Add-on category)"."""
    shown = internal_name or name
    kind = "Add-on category" if is_addon else CATEGORY_KINDS.get(mode, mode)
    return f"{shown} ({kind})" if kind else shown


def tax_rule_texts(rules) -> dict[int, str]:
    """Rule id → description, from rows of (id, internal_name, name, rate, includes tax,
    reverse charge)."""
    return {rule[0]: describe_tax_rule(*rule[1:]) for rule in rules}


class CheckedInLists:
    """pretix's "Check-in lists" cell of a position: the names of the lists it was let in on
    (successful entry scans), each once, sorted, comma-joined; from the comma-joined ids
    the store gives per position, memoised: few positions differ in their lists."""

    def __init__(self, names: dict[int, str]) -> None:
        self.names = names
        self.texts: dict[str | None, str] = {None: ""}

    def __call__(self, ids: str | None) -> str:
        text = self.texts.get(ids)
        if text is None:
            found = {self.names.get(int(i), "") for i in ids.split(",")}
            text = ", ".join(sorted(found))
            self.texts[ids] = text
        return text

    def column(self, ids: Sequence[str | None]) -> list[str]:
        """The cells of a column of comma-joined ids: looked up in C where each is known."""
        texts = self.texts
        try:
            return list(map(texts.__getitem__, ids))
        except KeyError:
            return list(map(self, ids))


class ShopLinks:
    """The buyer's order page and a position's ticket page, as pretix builds them; empty
    without a shop URL or a secret."""

    def __init__(self, shop_url: str, organizer: str, events) -> None:
        self.bases = {e.id: f"{shop_url}/{organizer}/{e.slug}" for e in events}
        self.enabled = bool(shop_url)

    def order(self, event_id: int, code: str, secret: str | None) -> str:
        if not (self.enabled and secret):
            return ""
        return f"{self.bases[event_id]}/order/{code}/{secret}/"

    def position(self, event_id: int, code: str, positionid: int, web_secret: str | None) -> str:
        if not (self.enabled and web_secret):
            return ""
        return f"{self.bases[event_id]}/ticket/{code}/{positionid}/{web_secret}/"

    def order_column(self, event_ids: Sequence[int], codes, secrets) -> list[str]:
        """``order`` for each row of a batch."""
        template = self._template(event_ids, secrets, "/order/{}/{}/")
        if template is None:
            return list(map(self.order, event_ids, codes, secrets))
        return list(map(template.format, codes, secrets))

    def position_column(self, event_ids: Sequence[int], codes, positionids, secrets) -> list[str]:
        """``position`` for each row of a batch."""
        template = self._template(event_ids, secrets, "/ticket/{}/{}/{}/")
        if template is None:
            return list(map(self.position, event_ids, codes, positionids, secrets))
        return list(map(template.format, codes, positionids, secrets))

    def _template(self, event_ids: Sequence[int], secrets: Sequence, path: str) -> str | None:
        """A ``str.format`` template for a batch of one event's rows that all have a secret
        (filled in C); None for any other batch, made row by row."""
        if not (self.enabled and event_ids) or event_ids.count(event_ids[0]) != len(event_ids):
            return None
        if None in secrets or "" in secrets:
            return None
        base = self.bases[event_ids[0]].replace("{", "{{").replace("}", "}}")
        return base + path
