"""Which positions a check-in list admits, shared by the exporters that list them (the
check-in list and its valid codes), so that both agree with pretix's ``CheckinList``."""

from sqlalchemy import and_, or_, select

from .models import CheckinList, Order, OrderPosition, checkin_list_items


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
