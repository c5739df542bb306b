"""itemdata and quotalist on the imported recording of a real pretix 2026.8 organizer
(``pretix_shop``): the header is the one pretix wrote (``pretix-2026.8-headers.md``), and every
cell of every row is derived here from the recording's JSON answers by pretix's rules."""

from datetime import UTC, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from .recorded_exports import csv_rows, header_of, recording, run_export

EVENTS = ["sampleconf", "workshopday"]


def localize(texts: dict | None, language: str) -> str:
    """pretix's ``LazyI18nString.localize``: the language, its base language, a regional
    variant of it, English, the first text there is."""
    if not texts:
        return ""
    base = language.split("-")[0]
    similar = [c for c in texts if (c == base or c.startswith(base + "-")) and c != language]
    for candidate in (texts.get(language), texts.get(base), *map(texts.get, similar)):
        if candidate:
            return candidate
    return texts.get("en") or next((t for t in texts.values() if t), "")


def first_amount(*amounts: str | None) -> str:
    """The first amount that is not zero, as pretix's ``a or b or ""`` on decimals."""
    return next((a for a in amounts if a and Decimal(a)), "")


def moment(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None


# itemdata ------------------------------------------------------------------------------------
def itemdata_header(languages: list[str]) -> list[str]:
    """pretix's header for the recording's English and German shop, with a name and a
    variation column per language of the event instead."""
    header = header_of("itemdata", "event level")
    first, last = header.index("Item name (en)"), header.index("Variation (de)")
    names = [f"Item name ({lang})" for lang in languages]
    variations = [f"Variation ({lang})" for lang in languages]
    return header[:first] + names + variations + header[last + 1 :]


def itemdata_expected(slug: str) -> list[list[str]]:
    settings = recording(f"events/{slug}/settings.json")
    languages, language = settings["locales"], settings["locale"]
    zone = ZoneInfo(recording(f"events/{slug}/event.json")["timezone"])
    categories = {c["id"]: c for c in recording(f"events/{slug}/categories.json")}
    rules = {r["id"]: r for r in recording(f"events/{slug}/taxrules.json")}
    properties = sorted(p["name"] for p in recording(f"events/{slug}/item_meta_properties.json"))
    channels = sorted(
        recording("organizer/saleschannels.json"),
        key=lambda c: (c["position"], c["type"], c["identifier"]),
    )

    def category(category_id) -> str:
        if category_id is None:
            return ""
        found = categories[category_id]
        name = found["internal_name"] or localize(found["name"], language)
        if found["is_addon"]:
            return f"{name} (Add-on category)"
        kinds = {"both": "Normal + cross-selling category", "only": "Cross-selling category"}
        mode = found.get("cross_selling_mode")
        return f"{name} ({kinds[mode]})" if mode else name

    def tax(rule_id) -> str:
        if rule_id is None:
            return ""
        rule = rules[rule_id]
        rate = rule["rate"].rstrip("0").rstrip(".")
        text = f"{'incl.' if rule['price_includes_tax'] else 'plus'} {rate}% "
        text += localize(rule["name"], language)
        if rule["eu_reverse_charge"]:
            text += " (reverse charge enabled)"
        return f"{rule['internal_name']} ({text})" if rule["internal_name"] else text

    def allows(product, channel) -> bool:
        return product["all_sales_channels"] or channel in product["limit_sales_channels"]

    def sold_on(*products) -> str:
        return ", ".join(
            localize(c["label"], language)
            for c in channels
            if all(allows(p, c["identifier"]) for p in products)
        )

    def when(value) -> str:
        return value.astimezone(zone).strftime("%Y-%m-%d %H:%M") if value else ""

    def yes(value) -> str:
        return "Yes" if value else ""

    def shop_order(item):
        found = categories.get(item["category"])
        rank = (found["position"], found["id"]) if found else (0, 0)
        return (found is None, rank, item["position"], item["id"])

    rows = []
    for item in sorted(recording(f"events/{slug}/items.json"), key=shop_order):
        variations = sorted(item["variations"], key=lambda v: (v["position"], v["id"]))
        for v in variations or [None]:
            both = [item, v] if v else [item]
            starts = [moment(p["available_from"]) for p in both if p["available_from"]]
            ends = [moment(p["available_until"]) for p in both if p["available_until"]]
            meta = dict(item["meta_data"]) | (v["meta_data"] if v else {})
            price = item["default_price"]
            if v and v["default_price"] is not None:
                price = v["default_price"]
            generate = item["generate_tickets"]
            rows.append(
                [
                    str(item["id"]),
                    str(v["id"]) if v else "",
                    category(item["category"]),
                    item["internal_name"] or "",
                    *(localize(item["name"], lang) for lang in languages),
                    *(localize(v["value"], lang) if v else "" for lang in languages),
                    yes(all(p["active"] for p in both)),
                    sold_on(*both),
                    price,
                    yes(item["free_price"]),
                    tax(item["tax_rule"]),
                    yes(item["admission"]),
                    yes(item["personalized"]),
                    "Default" if generate is None else yes(generate),
                    yes(item["allow_waitinglist"]),
                    when(max(starts) if starts else None),
                    when(min(ends) if ends else None),
                    yes(item["require_voucher"]),
                    yes(any(p["hide_without_voucher"] for p in both)),
                    yes(any(p["require_approval"] for p in both)),
                    yes(item["require_bundling"]),
                    yes(item["allow_cancel"]),
                    "" if item["min_per_order"] is None else str(item["min_per_order"]),
                    "" if item["max_per_order"] is None else str(item["max_per_order"]),
                    yes(item["checkin_attention"]),
                    item["checkin_text"] or "",
                    first_amount(v and v["original_price"], item["original_price"]),
                    yes(item["issue_giftcard"]),
                    yes(any(p["require_membership"] for p in both)),
                    yes(any(p["require_membership_hidden"] for p in both)),
                    *(meta.get(name, "") for name in properties),
                ]
            )
    return rows


@pytest.mark.parametrize("slug", EVENTS)
def test_itemdata_is_pretixs_cell_for_cell(slug, pretix_shop):
    name, data = run_export(pretix_shop, "itemdata", {"_format": "default"}, slug)
    assert name == f"{slug}_products.csv"
    header, *rows = csv_rows(data)
    languages = recording(f"events/{slug}/settings.json")["locales"]
    assert header == itemdata_header(languages)
    if slug == "sampleconf":
        assert header == header_of("itemdata", "event level")
    expected = itemdata_expected(slug)
    assert len(rows) == len(expected) == {"sampleconf": 4, "workshopday": 2}[slug]
    for number, (got, want) in enumerate(zip(rows, expected, strict=True), start=2):
        assert got == want, f"row {number}"


def test_itemdata_of_the_recording_shows_what_pretix_makes_of_it(pretix_shop):
    """What the rules above come to on the recording: German names fall back to English,
    the add-on category says so, the tax rule is described, tickets follow the event."""
    _, data = run_export(pretix_shop, "itemdata", {"_format": "default"}, "sampleconf")
    header, *rows = csv_rows(data)
    cells = [dict(zip(header, row, strict=True)) for row in rows]
    assert [(c["Product ID"], c["Variation ID"]) for c in cells] == [
        ("1", ""),
        ("2", "1"),
        ("2", "2"),
        ("3", ""),
    ]
    assert cells[1]["Item name (de)"] == "Workshop ticket"
    assert cells[1]["Variation (de)"] == "Beginner"
    assert cells[3]["Product category"] == "Extras (Add-on category)"
    assert {c["Sales tax"] for c in cells} == {"VAT 19 (incl. 19% VAT)"}
    assert {c["Generate tickets"] for c in cells} == {"Default"}
    assert {c["Sales channels"] for c in cells} == {"Online shop"}
    assert cells[2]["Default price"] == "150.00"


# quotalist -----------------------------------------------------------------------------------
class QuotaLinks:
    """Which quotas a position, voucher or waiting list entry counts for, as pretix's
    ``QuotaAvailability`` links them."""

    def __init__(self, quotas: list[dict], items: list[dict]) -> None:
        variation_item = {v["id"]: i["id"] for i in items for v in i["variations"]}
        self.of_item: dict[int, set[int]] = {}
        self.of_variation: dict[int, set[int]] = {}
        for quota in quotas:
            for item in quota["items"]:
                self.of_item.setdefault(item, set()).add(quota["id"])
            for variation in quota["variations"]:
                self.of_variation.setdefault(variation, set()).add(quota["id"])
                self.of_item.setdefault(variation_item[variation], set()).add(quota["id"])
        self.items = {item for q in quotas for item in q["items"]}
        self.variations = {variation for q in quotas for variation in q["variations"]}
        self.items_of_variations = {variation_item[v] for v in self.variations}

    def of(self, item: int | None, variation: int | None) -> set[int]:
        if variation:
            return self.of_variation.get(variation, set())
        return self.of_item.get(item, set())

    def counted(self, item: int, variation: int | None) -> bool:
        return variation in self.variations if variation else item in self.items


def quota_counts(slug: str) -> dict[int, dict]:
    quotas = recording(f"events/{slug}/quotas.json")
    links = QuotaLinks(quotas, recording(f"events/{slug}/items.json"))
    counts = {
        q["id"]: {"quota": q, "paid": 0, "pending": 0, "vouchers": 0, "waiting": 0, "exited": 0}
        for q in quotas
    }
    for order in recording(f"events/{slug}/orders_include_canceled.json"):
        if order["status"] not in ("p", "n"):
            continue
        for position in order["positions"]:
            item, variation = position["item"], position["variation"]
            if position["canceled"] or not links.counted(item, variation):
                continue
            for quota_id in links.of(item, variation):
                counts[quota_id]["paid" if order["status"] == "p" else "pending"] += 1
    now = datetime.now(UTC)
    for voucher in recording(f"events/{slug}/vouchers.json"):
        valid = voucher["valid_until"] is None or moment(voucher["valid_until"]) >= now
        if not voucher["block_quota"] or not valid:
            continue
        item, variation, quota = voucher["item"], voucher["variation"], voucher["quota"]
        looked_at = (
            (variation is None and item in links.items | links.items_of_variations)
            or variation in links.variations
            or quota in counts
        )
        if not looked_at:
            continue
        quota_ids = links.of(item, variation) if (item or variation) else {quota}
        for quota_id in quota_ids:
            counts[quota_id]["vouchers"] += max(voucher["max_usages"] - voucher["redeemed"], 0)
    settings = recording(f"events/{slug}/settings.json")
    assert settings["waiting_list_auto_disable"] is None, "the waiting list is never disabled"
    for entry in recording(f"events/{slug}/waitinglistentries.json"):
        item, variation = entry["item"], entry["variation"]
        if entry["voucher"] is None and links.counted(item, variation):
            for quota_id in links.of(item, variation):
                counts[quota_id]["waiting"] += 1
    return counts


def available(counts: dict) -> int | None:
    quota = counts["quota"]
    if quota["closed"]:
        return 0
    if quota["size"] is None:
        return None
    taken = counts["paid"] + counts["pending"] - counts["exited"]
    return max(quota["size"] - taken - counts["vouchers"] - counts["waiting"], 0)


@pytest.mark.parametrize("slug", EVENTS)
def test_quotalist_is_pretixs_cell_for_cell(slug, pretix_shop):
    """pretix's own availability answers agree with the counts derived here, but for the
    waiting list: the API answers ``waiting_list`` with the pending orders' count (pretix's
    ``api/views/item.py``), while the quota list counts the entries still waiting for a
    voucher, per quota of their product or variation."""
    name, data = run_export(pretix_shop, "quotalist", {"_format": "default"}, slug)
    assert name == f"{slug}_quotas.csv"
    header, *rows = csv_rows(data)
    assert header == header_of("quotalist", "event level")
    counts = quota_counts(slug)
    answers = recording(f"events/{slug}/quota_availability.json")
    expected = []
    for found in sorted(counts.values(), key=lambda c: (c["quota"]["name"], c["quota"]["id"])):
        quota, left = found["quota"], available(found)
        answer = answers[str(quota["id"])]
        assert (found["paid"], found["pending"], found["vouchers"], found["exited"]) == (
            answer["paid_orders"],
            answer["pending_orders"],
            answer["blocking_vouchers"],
            answer["exited_orders"],
        )
        assert left == answer["available_number"]
        assert answer["waiting_list"] == answer["pending_orders"]
        expected.append(
            [
                quota["name"],
                "Infinite" if quota["size"] is None else str(quota["size"]),
                str(found["paid"]),
                str(found["pending"]),
                str(found["vouchers"]),
                "0",
                str(found["waiting"]),
                str(found["exited"]),
                "Infinite" if left is None else str(left),
            ]
        )
    assert rows == expected


def test_quotalist_counts_the_recorded_waiting_list_per_quota(pretix_shop):
    """sampleconf's 11 entries without a voucher: 4 for the regular ticket (only in "All
    tickets"), 7 for workshop variations, which both quotas list."""
    _, data = run_export(pretix_shop, "quotalist", {"_format": "default"}, "sampleconf")
    _, *rows = csv_rows(data)
    assert [(r[0], r[6]) for r in rows] == [("All tickets", "11"), ("Workshop seats", "7")]
