"""The column-at-once forms of the sheets' texts give each row's text as made row by row."""

from types import SimpleNamespace

import pytest

from service.exporters.base_types import Memo
from service.exporters.orderlist import ProviderText
from service.exporters.pretix_texts import CheckedInLists, ShopLinks

EVENTS = [SimpleNamespace(id=1, slug="fest"), SimpleNamespace(id=2, slug="{x}")]


@pytest.mark.parametrize("shop", ["https://shop.example", "https://{odd}.example/%s", ""])
@pytest.mark.parametrize(
    "event_ids,secrets",
    [
        ([1, 1, 1], ["s1", "s2", "s3"]),
        ([2, 2], ["s1", "s2"]),
        ([1, 2, 1], ["s1", "s2", "s3"]),
        ([1, 1, 1], ["s1", None, ""]),
        ([], []),
    ],
)
def test_link_columns_are_the_links_of_each_row(shop, event_ids, secrets):
    links = ShopLinks(shop, "org", EVENTS)
    codes = [f"C{n}" for n in range(len(event_ids))]
    positionids = list(range(1, len(event_ids) + 1))
    assert links.order_column(event_ids, codes, secrets) == [
        links.order(*row) for row in zip(event_ids, codes, secrets, strict=True)
    ]
    assert links.position_column(event_ids, codes, positionids, secrets) == [
        links.position(*row) for row in zip(event_ids, codes, positionids, secrets, strict=True)
    ]


def test_a_link_column_names_the_shop_the_event_and_the_order():
    links = ShopLinks("https://shop.example", "org", EVENTS)
    assert links.position_column((1,), ("ABC12",), (3,), ("sec",)) == [
        "https://shop.example/org/fest/ticket/ABC12/3/sec/"
    ]


def test_checked_in_lists_of_a_column_are_each_rows_lists():
    lists = CheckedInLists({1: "Main entrance", 2: "Backstage"})
    ids = [None, "2,1", "1", "1,1", None, "3"]
    assert lists.column(ids) == ["", "Backstage, Main entrance", "Main entrance"] + [
        "Main entrance",
        "",
        "",
    ]


def test_memo_makes_each_distinct_key_once():
    made = []
    memo = Memo(lambda key: made.append(key) or str(key))
    assert memo.column(["a", "b", "a"]) == ["a", "b", "a"]
    assert memo.column([1, 1], [2, 3]) == ["(1, 2)", "(1, 3)"]
    assert made == ["a", "b", (1, 2), (1, 3)]


@pytest.mark.parametrize("providers", [["stripe"], ["banktransfer", "paypal"]])
def test_provider_texts_of_a_column_name_the_providers_that_took_payments(providers):
    text = ProviderText(providers)
    counts = [[1, 0, 2]] + [[0, 1, 1]] * (len(providers) - 1)
    cells = text.column(counts, 3)
    names = {"stripe": "Credit card via Stripe", "banktransfer": "Bank transfer"}
    names["paypal"] = "PayPal"
    expected = [
        ", ".join(names[p] for p, c in zip(providers, row, strict=True) if c)
        for row in zip(*counts, strict=True)
    ]
    assert cells == expected
