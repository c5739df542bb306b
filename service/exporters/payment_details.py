"""The "Payment details" cell of pretix's payment list: each provider's short rendering of a
payment (``payment_control_render_short``) or refund (``refund_control_render_short``), as
pretix 2026.8's providers write it.

pretix renders from a payment's private ``info``; the store keeps what pretix's API shows of
it (``details``), so what the API leaves out renders as pretix renders a payment without it:
a card payment via Stripe as "Credit card", a bank transfer without payer, IBAN or BIC as "".
"""

# What a provider's rendering falls back to: its public name (pretix's ``public_name``).
PUBLIC_NAMES = {
    "free": "Free of charge",
    "boxoffice": "Box office",
    "offsetting": "Offsetting",
    "manual": "Manual payment",
    "giftcard": "Gift card",
    "stripe": "Credit card",
    "stripe_affirm": "Affirm",
    "stripe_alipay": "Alipay",
    "stripe_klarna": "Klarna",
    "stripe_mobilepay": "MobilePay",
    "stripe_multibanco": "Multibanco",
    "stripe_pay_by_bank": "Pay by bank",
    "stripe_paypal": "PayPal",
    "stripe_promptpay": "PromptPay",
    "stripe_revolut_pay": "Revolut Pay",
    "stripe_sepa_debit": "SEPA Debit",
    "stripe_sofort": "SOFORT (instant bank transfer)",
    "stripe_swish": "Swish",
    "stripe_twint": "TWINT",
    "stripe_wechatpay": "WeChat Pay",
    "stripe_wero": "WERO",
}
# Stripe methods that name the payer's bank, "?" where the payment does not say it.
BANK_NAMING = {
    "stripe_bancontact",
    "stripe_eps",
    "stripe_giropay",
    "stripe_ideal",
    "stripe_przelewy24",
}


def _gift_card_secret(details: dict) -> str | None:
    """The card's secret: pretix keeps it with the payment, its API names the card."""
    card = details.get("gift_card")
    return details.get("gift_card_secret") or (
        card.get("secret") if isinstance(card, dict) else None
    )


def _bank_transfer(details: dict) -> str:
    """Payer, IBAN and BIC of a matched transfer, those known, joined by " / "."""
    return " / ".join(str(details[key]) for key in ("payer", "iban", "bic") if details.get(key))


def _paypal(details: dict) -> str:
    """pretix's PayPal rendering: "order id / payer email" for PayPal's current API, the
    payer's email for legacy payments. pretix's API gives a current payment's capture as
    both ``payment_id`` and ``sale_id``; a legacy payment's ``payment_id`` is its own."""
    email = details.get("payer_email") or ""
    if not any(details.values()) or details.get("payment_id") != details.get("sale_id"):
        return email
    return f"{details.get('cart_id') or ''} / {email}"


def payment_details(provider: str, details: dict | None) -> str:
    """A payment's "Payment details" cell."""
    details = details or {}
    if provider == "banktransfer":
        return _bank_transfer(details)
    if provider == "giftcard":
        return _gift_card_secret(details) or PUBLIC_NAMES["giftcard"]
    if provider in ("paypal", "paypal_apm"):
        return _paypal(details)
    if provider in BANK_NAMING:
        return "Bank account at ?"
    return PUBLIC_NAMES.get(provider, "")


def refund_details(provider: str, details: dict | None) -> str:
    """A refund's "Payment details" cell: only gift cards render refunds."""
    if provider != "giftcard":
        return ""
    details = details or {}
    return _gift_card_secret(details) or details.get("gift_card_code") or PUBLIC_NAMES["giftcard"]
