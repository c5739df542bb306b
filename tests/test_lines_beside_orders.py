"""Lines and their orders read as two streams, batches cut anywhere: each line gets its own
order's values, orders without lines are passed over, and a missing order is an error."""

import random

import pytest

from service.store.position_lines import ORDER_KEY, beside_their_orders


def batches_of(rows: list[dict], sizes) -> list[dict]:
    """Rows cut into batches of columns (tuples, as the cursor gives them)."""
    batches, start = [], 0
    for size in sizes:
        chunk = rows[start : start + size]
        start += size
        if chunk:
            batches.append({key: tuple(row[key] for row in chunk) for key in chunk[0]})
    return batches


def cuts(rng: random.Random, total: int) -> list[int]:
    sizes = []
    while sum(sizes) < total:
        sizes.append(rng.choice([1, 2, 3, 7, 50]))
    return sizes


@pytest.mark.parametrize("seed", range(30))
def test_each_line_gets_its_orders_values(seed):
    rng = random.Random(seed)
    # Order ids out of numeric order (the sheet's order is by date), some without lines.
    order_ids = rng.sample(range(1, 10_000), rng.randint(1, 120))
    orders = [{ORDER_KEY: i, "code": f"C{i}", "paid0": i % 3} for i in order_ids]
    lines = [
        {ORDER_KEY: i, "positionid": n}
        for i in order_ids
        for n in range(1, rng.choice([0, 0, 1, 2, 5]) + 1)
    ]
    merged = list(
        beside_their_orders(
            iter(batches_of(lines, cuts(rng, len(lines)))),
            iter(batches_of(orders, cuts(rng, len(orders)))),
            ["code", "paid0"],
        )
    )
    rows = [
        dict(zip(batch, values, strict=True))
        for batch in merged
        for values in zip(*batch.values(), strict=True)
    ]
    assert rows == [
        {
            "positionid": line["positionid"],
            "code": f"C{line[ORDER_KEY]}",
            "paid0": line[ORDER_KEY] % 3,
        }
        for line in lines
    ]


def test_a_line_whose_order_was_not_read_is_an_error():
    lines = iter([{ORDER_KEY: (1, 2), "positionid": (1, 1)}])
    orders = iter([{ORDER_KEY: (1,), "code": ("A",)}])
    with pytest.raises(LookupError, match="order 2"):
        list(beside_their_orders(lines, orders, ["code"]))
