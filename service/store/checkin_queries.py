"""Which positions a check-in list admits, shared by the exporters that list them (the
check-in list and its valid codes), so that both agree with pretix's ``CheckinList``."""

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session, aliased

from .catalog_queries import SortKey
from .models import CheckinList, Order, OrderPosition, checkin_list_items
from .text_order import bytewise

# The ticket an add-on belongs to: its attendee's name stands in for the add-on's.
Parent = aliased(OrderPosition)


def admitted(checkin_list: CheckinList) -> list:
    """Conditions on ``Order`` and ``OrderPosition`` for the positions the list admits: not
    canceled; of paid orders, of pending ones if the list includes pending orders (otherwise
    only of pending orders valid while pending); of the list's products unless it covers all
    products."""
    if checkin_list.include_pending:
        status = Order.status.in_(["p", "n"])
    else:
        status = or_(Order.status == "p", and_(Order.status == "n", Order.valid_if_pending))
    conditions = [
        Order.event_id == checkin_list.event_id,
        OrderPosition.canceled.is_(False),
        status,
    ]
    if not checkin_list.all_products:
        conditions.append(
            OrderPosition.item_id.in_(
                select(checkin_list_items.c.item_id).where(
                    checkin_list_items.c.list_id == checkin_list.id
                )
            )
        )
    return conditions


def lists_of_event(session, event_id: int) -> list:
    """The event's check-in lists as (id, name), in id order: the choices of the ``list``
    parameter and the names the exports print."""
    return session.execute(
        select(CheckinList.id, CheckinList.name)
        .where(CheckinList.event_id == event_id)
        .order_by(CheckinList.id)
    ).all()


def position_order(session: Session, sort: str) -> list[SortKey]:
    """pretix's orders of a check-in list's positions (``Parent`` joined as the add-on's
    ticket): by order code and position, by order date newest first, or (``name``, also
    the only order of the valid codes list) by the attendee's name, else the parent
    ticket's attendee, else the invoice name, else the order code, empty texts skipped;
    ties by position id."""
    if sort == "code":
        return [
            SortKey(bytewise(session, Order.code)),
            SortKey(OrderPosition.positionid),
            SortKey(OrderPosition.id),
        ]
    if sort == "order_datetime":
        return [SortKey(Order.datetime, descending=True), SortKey(OrderPosition.id)]
    name = func.coalesce(
        func.nullif(OrderPosition.attendee_name, ""),
        func.nullif(Parent.attendee_name, ""),
        func.nullif(Order.invoice_name, ""),
        Order.code,
    )
    return [SortKey(bytewise(session, name)), SortKey(OrderPosition.id)]
