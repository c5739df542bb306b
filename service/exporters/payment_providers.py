"""pretix's payment providers as its exporters name and offer them: the verbose names, the
choices of a ``payment_provider`` parameter (every provider at organizer level, the event's
own at event level), which providers an event has, and the matching IDs accounting matches
statements with."""

from .pretix_texts import PAYMENT_PROVIDER_NAMES

_STRIPE_METHODS = {
    "stripe_affirm": "Affirm",
    "stripe_alipay": "Alipay",
    "stripe_bancontact": "Bancontact",
    "stripe_eps": "EPS",
    "stripe_giropay": "giropay",
    "stripe_ideal": "iDEAL",
    "stripe_klarna": "Klarna",
    "stripe_mobilepay": "MobilePay",
    "stripe_multibanco": "Multibanco",
    "stripe_pay_by_bank": "Pay by bank",
    "stripe_paypal": "PayPal",
    "stripe_promptpay": "PromptPay",
    "stripe_przelewy24": "Przelewy24",
    "stripe_revolut_pay": "Revolut Pay",
    "stripe_sepa_debit": "SEPA Debit",
    "stripe_sofort": "SOFORT",
    "stripe_swish": "Swish",
    "stripe_twint": "TWINT",
    "stripe_wechatpay": "WeChat Pay",
    "stripe_wero": "Wero",
}
NAMES = {
    **PAYMENT_PROVIDER_NAMES,
    "offsetting": "Offsetting",
    "paypal_apm": "PayPal APM",
    **{code: f"{method} via Stripe" for code, method in _STRIPE_METHODS.items()},
}

# Every provider pretix 2026.8 ships, in the order it registers them: the organizer-level
# choices, where no event's plugins narrow them.
ALL_PROVIDERS = [
    "free",
    "boxoffice",
    "offsetting",
    "manual",
    "giftcard",
    "banktransfer",
    "paypal",
    "paypal_apm",
    "stripe",
    "stripe_giropay",
    "stripe_ideal",
    "stripe_alipay",
    "stripe_bancontact",
    "stripe_sofort",
    "stripe_eps",
    "stripe_multibanco",
    "stripe_pay_by_bank",
    "stripe_przelewy24",
    "stripe_promptpay",
    "stripe_revolut_pay",
    "stripe_wechatpay",
    "stripe_sepa_debit",
    "stripe_affirm",
    "stripe_klarna",
    "stripe_paypal",
    "stripe_swish",
    "stripe_twint",
    "stripe_mobilepay",
    "stripe_wero",
]
# Providers that come with a plugin; the others every event has.
_PLUGIN_OF = {
    "manual": "pretix.plugins.manualpayment",
    "banktransfer": "pretix.plugins.banktransfer",
    "paypal": "pretix.plugins.paypal2",
    "paypal_apm": "pretix.plugins.paypal2",
    "stripe": "pretix.plugins.stripe",
    **{code: "pretix.plugins.stripe" for code in _STRIPE_METHODS},
}
# pretix lists an event's providers by name, the gift card (lowest priority) last.
_LAST = {"giftcard"}


def name(code: str) -> str:
    return NAMES.get(code, code)


def organizer_choices() -> list[str]:
    return ["", *ALL_PROVIDERS]


def event_choices(plugins: list | None) -> list[str]:
    """The providers an event with these plugins offers, as pretix lists them."""
    enabled = set(plugins or ())
    offered = [p for p in ALL_PROVIDERS if _PLUGIN_OF.get(p) in (None, *enabled)]
    offered.sort(key=lambda p: (p in _LAST, name(p).lower()))
    return ["", *offered]


def choices_for(scope) -> list[str]:
    """A ``payment_provider`` parameter's choices at the scope's level."""
    if scope.is_multievent:
        return organizer_choices()
    return event_choices(getattr(scope.event, "plugins", None))


def listed_names(codes) -> str:
    """pretix's "Payment providers" cell: the distinct providers by code, "free" left out."""
    return ", ".join(name(code) for code in sorted(set(codes)) if code and code != "free")


def active_in(code: str, plugins: list | None) -> bool:
    """Whether an event with these plugins has the provider: pretix renders nothing for a
    payment whose provider it does not have (a plugin's, when the plugin is off). Where the
    store does not know the event's plugins, every provider counts as there."""
    if plugins is None:
        return True
    if code not in ALL_PROVIDERS:
        return False
    plugin = _PLUGIN_OF.get(code)
    return plugin is None or plugin in plugins


def matching_id(provider: str, details: dict | None) -> str:
    """What a provider gives accounting to match a payment with (pretix's ``matching_id``):
    the charge id for Stripe, the capture (or else the order) id for PayPal; nothing for the
    others, bank transfers included."""
    details = details or {}
    if provider.startswith("stripe"):
        return details.get("id") or ""
    if provider in ("paypal", "paypal_apm"):
        # pretix's API: ``sale_id`` the capture, ``payment_id`` a legacy payment's own id,
        # ``cart_id`` a current payment's order id.
        return details.get("sale_id") or details.get("payment_id") or details.get("cart_id") or ""
    return ""


def refund_matching_id(provider: str, details: dict | None) -> str:
    """pretix's ``refund_matching_id``: Stripe's refund id; nothing for the others."""
    if provider.startswith("stripe"):
        return (details or {}).get("id") or ""
    return ""
