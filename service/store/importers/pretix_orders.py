"""An event's orders for ``import-pretix``: orders with their invoice address, positions
with answers, fees, payments and refunds; and vouchers and seats, which positions name.
Orders are found by code, payments and refunds by their number within the order."""

from sqlalchemy import select

from ..models import (
    GiftCard,
    Item,
    ItemVariation,
    Order,
    OrderFee,
    OrderPayment,
    OrderPosition,
    OrderRefund,
    Question,
    QuestionAnswer,
    QuestionOption,
    Quota,
    Seat,
    TaxRule,
    Voucher,
    answer_options,
)
from .pretix_catalog import objects
from .pretix_context import Context, EventState
from .pretix_fetch import FetchedEvent
from .pretix_values import Obj

ORDER_STATUSES = ("n", "p", "e", "c")
PAYMENT_STATES = ("created", "pending", "confirmed", "canceled", "failed", "refunded")
REFUND_STATES = ("created", "transit", "external", "done", "failed", "canceled")
INVOICE_ADDRESS = (
    "company",
    "name",
    "street",
    "zipcode",
    "city",
    "country",
    "state",
    "vat_id",
    "internal_reference",
    "beneficiary",
)


def assign_ids(ctx: Context, events: list[FetchedEvent]) -> None:
    ids = ctx.ids
    ids.assign(Voucher, [o.int("id") for e in events for o in objects(e, "vouchers", "voucher")])
    positions, fees, seats = [], [], []
    for event in events:
        for o in objects(event, "orders", "order", "code"):
            for p in o.children("positions"):
                positions.append(p.int("id"))
                if p.has("seat"):
                    seats.append(p.child("seat").int("id"))
            fees.extend(f.int("id") for f in o.children("fees"))
    ids.assign(OrderPosition, positions)
    ids.assign(OrderFee, fees)
    ids.assign(Seat, seats)


def write_vouchers(ctx: Context, event: FetchedEvent, state: EventState) -> None:
    rows = []
    quotas = set(ctx.ids.of(Quota))
    for o in objects(event, "vouchers", "voucher"):
        item = o.int("item", optional=True)
        if item is not None and item not in state.items:
            o.refuse("item", f"unknown product {item}")
        variation = _variation(o, state, item)
        rows.append(
            {
                "id": ctx.ids.of(Voucher)[o.int("id")],
                "event_id": state.id,
                "code": o.str("code", limit=255),
                "created": o.datetime("created", optional=True),
                "max_usages": o.int("max_usages", optional=True) or 1,
                "min_usages": o.int("min_usages", optional=True) or 1,
                "redeemed": o.int("redeemed", optional=True) or 0,
                "valid_until": o.datetime("valid_until", optional=True),
                "block_quota": o.bool("block_quota", optional=True),
                "allow_ignore_quota": o.bool("allow_ignore_quota", optional=True),
                "price_mode": o.str("price_mode", optional=True, limit=100) or "none",
                "value": o.decimal("value", optional=True),
                "item_id": ctx.ids.of(Item).get(item),
                "variation_id": ctx.ids.of(ItemVariation).get(variation),
                "quota_id": ctx.ref(o, "quota", Quota, "quota", quotas),
                "seat_id": None,
                "tag": o.str("tag", blank=True, limit=255),
                "comment": o.str("comment", blank=True),
                "show_hidden_items": o.bool("show_hidden_items", optional=True, default=True),
                "all_addons_included": o.bool("all_addons_included", optional=True),
                "all_bundles_included": o.bool("all_bundles_included", optional=True),
                "budget": o.decimal("budget", optional=True),
                "budget_used": o.decimal("budget_used", optional=True) or 0,
            }
        )
    ctx.writer.upsert(Voucher, rows)


def _variation(o: Obj, state: EventState, item: int | None, key: str = "variation"):
    variation = o.int(key, optional=True)
    if variation is not None and state.variations.get(variation) != item:
        o.refuse(key, f"unknown variation {variation} of product {item}")
    return variation


def write_orders(ctx: Context, event: FetchedEvent, state: EventState) -> None:
    found = objects(event, "orders", "order", "code")
    existing = dict(
        ctx.session.execute(select(Order.code, Order.id).where(Order.event_id == state.id)).all()
    )
    for o in found:
        code = o.str("code", limit=16)
        if code in state.orders:
            o.refuse("code", "listed twice")
        state.orders[code] = existing.get(code) or ctx.ids.fresh(Order)
    orders = [_order(ctx, o, state) for o in found]
    ctx.writer.upsert(Order, orders, insert_only={"email_known_to_work": False})
    _seats(ctx, found, state)
    positions, parents, answers, links, fees = [], [], [], [], []
    for o in found:
        order_id = state.orders[o.data["code"]]
        own = {p.int("id") for p in o.children("positions")}
        for p in o.children("positions"):
            state.positions[p.int("id")] = order_id
        for p in o.children("positions"):
            row = _position(ctx, p, order_id, state)
            positions.append(row)
            parent = p.int("addon_to", optional=True)
            if parent is not None:
                if parent not in own:
                    p.refuse("addon_to", f"not a position of the order: {parent}")
                parents.append({"id": row["id"], "addon_to_id": ctx.ids.of(OrderPosition)[parent]})
            _answers(ctx, p, row["id"], state, answers, links)
        fees.extend(_fee(ctx, f, order_id, state) for f in o.children("fees"))
    ctx.writer.upsert(OrderPosition, positions, insert_only={"web_secret": ""})
    ctx.writer.update(OrderPosition, parents)
    position_ids = [row["id"] for row in positions]
    old_answers = _answers_of(ctx, position_ids)
    ctx.writer.replace(answer_options, "answer_id", old_answers, [])
    ctx.writer.replace(QuestionAnswer.__table__, "position_id", position_ids, answers)
    ctx.writer.replace(answer_options, "answer_id", [], links)
    ctx.writer.upsert(OrderFee, fees)
    _payments(ctx, found, state)


def _order(ctx: Context, o: Obj, state: EventState) -> dict:
    customer = o.str("customer", optional=True)
    if customer is not None and customer not in ctx.customers:
        o.refuse("customer", f"unknown customer {customer!r}")
    row = {
        "id": state.orders[o.data["code"]],
        "event_id": state.id,
        "code": o.data["code"],
        "status": o.choice("status", ORDER_STATUSES),
        "email": o.str("email", optional=True, limit=254),
        "phone": o.str("phone", optional=True, limit=64),
        "locale": o.str("locale", optional=True, limit=32) or "en",
        "datetime": o.datetime("datetime"),
        "expires": o.datetime("expires", optional=True),
        "total": o.decimal("total"),
        "comment": o.str("comment", blank=True),
        "custom_followup_at": o.date("custom_followup_at", optional=True),
        "checkin_attention": o.bool("checkin_attention", optional=True),
        "checkin_text": o.str("checkin_text", optional=True),
        "require_approval": o.bool("require_approval", optional=True),
        "testmode": o.bool("testmode", optional=True),
        "sales_channel": o.str("sales_channel", optional=True, limit=64) or "web",
        "customer_identifier": customer,
        "customer_id": ctx.customers.get(customer) if customer else None,
        "secret": o.str("secret", blank=True, limit=32),
        "cancellation_date": o.datetime("cancellation_date", optional=True),
        "last_modified": o.datetime("last_modified", optional=True),
        "valid_if_pending": o.bool("valid_if_pending", optional=True),
        "tax_rounding_mode": o.str("tax_rounding_mode", optional=True, limit=32) or "line",
        "meta_data": o.json("api_meta") or None,
    }
    if "email_known_to_work" in o.data:
        row["email_known_to_work"] = o.bool("email_known_to_work")
    row.update(_invoice_address(o))
    return row


def _invoice_address(o: Obj) -> dict:
    if not o.has("invoice_address"):
        row = {f"invoice_{key}": "" for key in INVOICE_ADDRESS}
        row.update(
            invoice_custom_field="",
            invoice_address_modified=None,
            invoice_is_business=False,
            invoice_name_parts=None,
            invoice_vat_id_validated=False,
            invoice_transmission_type="email",
            invoice_transmission_info=None,
        )
        return row
    a = o.child("invoice_address")
    limits = {"zipcode": 30, "country": 2}
    row = {
        f"invoice_{key}": a.str(key, blank=True, limit=limits.get(key, 255))
        if key not in ("street", "internal_reference", "beneficiary")
        else a.str(key, blank=True)
        for key in INVOICE_ADDRESS
    }
    row.update(
        invoice_custom_field=a.str("custom_field", blank=True, limit=255),
        invoice_address_modified=a.datetime("last_modified", optional=True)
        or o.datetime("datetime"),
        invoice_is_business=a.bool("is_business", optional=True),
        invoice_name_parts=a.json("name_parts"),
        invoice_vat_id_validated=a.bool("vat_id_validated", optional=True),
        invoice_transmission_type=a.str("transmission_type", optional=True, limit=100) or "email",
        invoice_transmission_info=a.json("transmission_info"),
    )
    return row


def _seats(ctx: Context, found: list[Obj], state: EventState) -> None:
    rows = {}
    for o in found:
        for p in o.children("positions"):
            if not p.has("seat"):
                continue
            s = p.child("seat")
            local = ctx.ids.of(Seat)[s.int("id")]
            rows[local] = {
                "id": local,
                "event_id": state.id,
                "seat_guid": s.str("seat_guid", limit=190),
                "name": s.str("name", blank=True, limit=190),
                "zone_name": s.str("zone_name", blank=True, limit=190),
                "row_name": s.str("row_name", blank=True, limit=190),
                "row_label": s.str("row_label", optional=True, limit=190),
                "seat_number": s.str("seat_number", blank=True, limit=190),
                "seat_label": s.str("seat_label", optional=True, limit=190),
            }
    ctx.writer.upsert(Seat, list(rows.values()))


def _position(ctx: Context, p: Obj, order_id: int, state: EventState) -> dict:
    ids = ctx.ids
    item = p.int("item")
    if item not in state.items:
        p.refuse("item", f"unknown product {item}")
    variation = _variation(p, state, item)
    rule = p.int("tax_rule", optional=True)
    if rule is not None and rule not in state.tax_rules:
        p.refuse("tax_rule", f"unknown tax rule {rule}")
    voucher = p.int("voucher", optional=True)
    if voucher is not None and voucher not in ids.of(Voucher):
        p.refuse("voucher", f"unknown voucher {voucher}")
    blocked = p.raw("blocked")
    if isinstance(blocked, list):
        blocked = ",".join(map(str, blocked)) or None
    elif blocked is not None and not isinstance(blocked, str):
        p.refuse("blocked", "expected a list of reasons")
    return {
        "id": ids.of(OrderPosition)[p.int("id")],
        "order_id": order_id,
        "positionid": p.int("positionid"),
        "item_id": ids.of(Item)[item],
        "variation_id": ids.of(ItemVariation).get(variation),
        "price": p.decimal("price"),
        "tax_rate": p.decimal("tax_rate", optional=True) or 0,
        "tax_value": p.decimal("tax_value", optional=True) or 0,
        "tax_name": state.tax_rules.get(rule, "")[:100],
        "tax_rule_id": ids.of(TaxRule).get(rule),
        "attendee_name": p.str("attendee_name", optional=True, limit=255),
        "attendee_name_parts": p.json("attendee_name_parts") or None,
        "attendee_email": p.str("attendee_email", optional=True, limit=254),
        "company": p.str("company", optional=True, limit=255),
        "street": p.str("street", optional=True),
        "zipcode": p.str("zipcode", optional=True, limit=30),
        "city": p.str("city", optional=True, limit=255),
        "country": p.str("country", optional=True, limit=2),
        "state": p.str("state", optional=True, limit=255),
        "secret": p.str("secret", limit=64),
        "pseudonymization_id": p.str("pseudonymization_id", blank=True, limit=16),
        "addon_to_id": None,
        "valid_from": p.datetime("valid_from", optional=True),
        "valid_until": p.datetime("valid_until", optional=True),
        "blocked": blocked,
        "canceled": p.bool("canceled", optional=True),
        "voucher_id": ids.of(Voucher).get(voucher),
        "voucher_budget_use": p.decimal("voucher_budget_use", optional=True),
        "seat_id": ids.of(Seat)[p.child("seat").int("id")] if p.has("seat") else None,
        "discount_id": p.int("discount", optional=True),
        "tax_code": p.str("tax_code", optional=True, limit=190),
    }


def _answers(ctx, p: Obj, position_id: int, state: EventState, out: list, links: list) -> None:
    for a in p.children("answers"):
        question = a.int("question")
        if question not in state.questions:
            a.refuse("question", f"unknown question {question}")
        answer_id = ctx.ids.fresh(QuestionAnswer)
        text = a.str("answer", blank=True)
        out.append(
            {
                "id": answer_id,
                "position_id": position_id,
                "question_id": ctx.ids.of(Question)[question],
                "answer": text,
                "file": text if state.questions[question] == "F" and text else None,
            }
        )
        for n, option in enumerate(a.ints("options")):
            if state.options.get(option) != question:
                a.refuse(f"options[{n}]", f"unknown option {option} of question {question}")
            links.append({"answer_id": answer_id, "option_id": ctx.ids.of(QuestionOption)[option]})


def _answers_of(ctx: Context, position_ids: list[int]) -> list[int]:
    found = []
    for start in range(0, len(position_ids), 500):
        chunk = position_ids[start : start + 500]
        found.extend(
            ctx.session.scalars(
                select(QuestionAnswer.id).where(QuestionAnswer.position_id.in_(chunk))
            )
        )
    return found


def _fee(ctx: Context, f: Obj, order_id: int, state: EventState) -> dict:
    rule = f.int("tax_rule", optional=True)
    if rule is not None and rule not in state.tax_rules:
        f.refuse("tax_rule", f"unknown tax rule {rule}")
    return {
        "id": ctx.ids.of(OrderFee)[f.int("id")],
        "order_id": order_id,
        "fee_type": f.str("fee_type", limit=100),
        "description": f.str("description", blank=True, limit=190),
        "value": f.decimal("value"),
        "tax_rate": f.decimal("tax_rate", optional=True) or 0,
        "tax_value": f.decimal("tax_value", optional=True) or 0,
        "tax_name": state.tax_rules.get(rule, "")[:100],
        "tax_rule_id": ctx.ids.of(TaxRule).get(rule),
        "canceled": f.bool("canceled", optional=True),
        "internal_type": f.str("internal_type", blank=True, limit=255),
        "tax_code": f.str("tax_code", optional=True, limit=190),
    }


def _payments(ctx: Context, found: list[Obj], state: EventState) -> None:
    order_ids = list(state.orders.values())
    for model, known in ((OrderPayment, state.payments), (OrderRefund, state.refunds)):
        for start in range(0, len(order_ids), 500):
            chunk = order_ids[start : start + 500]
            for order, local, row_id in ctx.session.execute(
                select(model.order_id, model.local_id, model.id).where(model.order_id.in_(chunk))
            ):
                known[(order, local)] = row_id
    payments, refunds = [], []
    for o in found:
        order_id = state.orders[o.data["code"]]
        numbers = {}
        for p in o.children("payments"):
            local = p.int("local_id")
            key = (order_id, local)
            if key not in state.payments:
                state.payments[key] = ctx.ids.fresh(OrderPayment)
            numbers[local] = state.payments[key]
            payments.append(
                {
                    "id": state.payments[key],
                    "order_id": order_id,
                    "local_id": local,
                    "state": p.choice("state", PAYMENT_STATES),
                    "amount": p.decimal("amount"),
                    "provider": p.str("provider", limit=100),
                    "created": p.datetime("created"),
                    "payment_date": p.datetime("payment_date", optional=True),
                    "details": p.json("details") or None,
                    "giftcard_id": _giftcard(ctx, p),
                }
            )
        for r in o.children("refunds"):
            local = r.int("local_id")
            key = (order_id, local)
            if key not in state.refunds:
                state.refunds[key] = ctx.ids.fresh(OrderRefund)
            payment = r.int("payment", optional=True)
            if payment is not None and payment not in numbers:
                r.refuse("payment", f"unknown payment {payment} of the order")
            refunds.append(
                {
                    "id": state.refunds[key],
                    "order_id": order_id,
                    "payment_id": numbers.get(payment),
                    "local_id": local,
                    "state": r.choice("state", REFUND_STATES),
                    "source": r.str("source", optional=True, limit=20) or "admin",
                    "amount": r.decimal("amount"),
                    "provider": r.str("provider", limit=100),
                    "created": r.datetime("created"),
                    "execution_date": r.datetime("execution_date", optional=True),
                    "comment": r.str("comment", optional=True),
                    "details": r.json("details") or None,
                    "giftcard_id": _giftcard(ctx, r),
                }
            )
    ctx.writer.upsert(OrderPayment, payments)
    ctx.writer.upsert(OrderRefund, refunds)


def _giftcard(ctx: Context, p: Obj) -> int | None:
    """The card a gift card payment or refund used (``details.gift_card.id``)."""
    details = p.raw("details")
    card = details.get("gift_card") if isinstance(details, dict) else None
    if not isinstance(card, dict) or card.get("organizer") not in (None, ctx.organizer_slug):
        return None
    holder = Obj(p.endpoint, p.name, card)
    remote = holder.int("id", optional=True)
    if remote is None:
        return None
    local = ctx.ids.of(GiftCard).get(remote) or ctx.ids.known.get(("giftcards", remote))
    if local is None:
        holder.refuse("id", f"unknown gift card {remote} in details.gift_card")
    return local
