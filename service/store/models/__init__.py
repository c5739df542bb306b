"""The ticket shop data that is exported, and the teams and tokens that may export it.

Modelled on pretix's REST API, one module per domain:

- ``organizers``: organizers, events, sales channels, meta properties, devices, gates,
  teams and API tokens;
- ``catalog``: tax rules, categories, products with variations, add-ons, bundles and meta
  data, questions with options, quotas, seats;
- ``orders``: orders (invoice address folded in), positions, answers, fees, payments,
  refunds;
- ``invoices``, ``vouchers``, ``giftcards``, ``customers`` (and memberships), ``media``
  (reusable media), ``waitinglist``, ``checkins`` (lists and every scan) and
  ``transactions`` (pretix's order history);
- ``imports``: which row each imported object became.

Everything is re-exported here: ``from service.store.models import Order``.
"""

from .base import Base, Json, Money, Rate
from .catalog import (
    Item,
    ItemAddOn,
    ItemBundle,
    ItemCategory,
    ItemMetaProperty,
    ItemVariation,
    Question,
    QuestionOption,
    Quota,
    Seat,
    TaxRule,
    question_items,
    quota_items,
    quota_variations,
)
from .checkins import Checkin, CheckinList, checkin_list_gates, checkin_list_items
from .customers import Customer, Membership, MembershipType
from .giftcards import GiftCard, GiftCardTransaction
from .imports import ImportedId
from .invoices import Invoice, InvoiceLine
from .media import ReusableMedium, reusable_medium_positions
from .orders import (
    Order,
    OrderFee,
    OrderPayment,
    OrderPosition,
    OrderRefund,
    QuestionAnswer,
    answer_options,
)
from .organizers import (
    PERMISSIONS,
    Device,
    Event,
    EventMetaProperty,
    Gate,
    Organizer,
    SalesChannel,
    Team,
    TeamAPIToken,
    team_events,
)
from .transactions import Transaction
from .vouchers import Voucher
from .waitinglist import WaitingListEntry

__all__ = [
    "PERMISSIONS",
    "Base",
    "Checkin",
    "CheckinList",
    "Customer",
    "Device",
    "Event",
    "EventMetaProperty",
    "Gate",
    "GiftCard",
    "GiftCardTransaction",
    "ImportedId",
    "Invoice",
    "InvoiceLine",
    "Item",
    "ItemAddOn",
    "ItemBundle",
    "ItemCategory",
    "ItemMetaProperty",
    "ItemVariation",
    "Json",
    "Membership",
    "MembershipType",
    "Money",
    "Order",
    "OrderFee",
    "OrderPayment",
    "OrderPosition",
    "OrderRefund",
    "Organizer",
    "Question",
    "QuestionAnswer",
    "QuestionOption",
    "Quota",
    "Rate",
    "ReusableMedium",
    "SalesChannel",
    "Seat",
    "TaxRule",
    "Team",
    "TeamAPIToken",
    "Transaction",
    "Voucher",
    "WaitingListEntry",
    "answer_options",
    "checkin_list_gates",
    "checkin_list_items",
    "question_items",
    "quota_items",
    "quota_variations",
    "reusable_medium_positions",
    "team_events",
]
