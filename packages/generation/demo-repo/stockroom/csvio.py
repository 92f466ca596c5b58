"""CSV import of catalogs and export of stock reports."""

from __future__ import annotations

import csv
import io
from typing import Iterable, List, TextIO

from stockroom.catalog import Catalog, normalize_sku
from stockroom.ledger import StockLedger
from stockroom.models import Product

REQUIRED_COLUMNS = ("sku", "name", "price")


def parse_price_cents(text: str) -> int:
    """Parse "12.50", "12,50" or "€12.5" into cents."""
    cleaned = text.strip().replace("€", "").replace("$", "").replace(" ", "")
    cleaned = cleaned.replace(",", ".")
    if not cleaned:
        raise ValueError("empty price")
    whole, _, fraction = cleaned.partition(".")
    fraction = (fraction + "00")[:2]
    return int(whole or "0") * 100 + int(fraction)


def format_money(cents: int, symbol: str = "€") -> str:
    """Render cents as "€12.50" (negative amounts as "-€12.50")."""
    sign = "-" if cents < 0 else ""
    whole, fraction = divmod(abs(cents), 100)
    return f"{sign}{symbol}{whole}.{fraction:02d}"


def read_products(stream: TextIO) -> List[Product]:
    """Products from CSV with columns sku, name, price and optional weight, location, tags."""
    reader = csv.DictReader(stream)
    missing = [column for column in REQUIRED_COLUMNS if column not in (reader.fieldnames or [])]
    if missing:
        raise ValueError(f"missing columns: {', '.join(missing)}")
    products = []
    for row_number, row in enumerate(reader, start=2):
        try:
            price = parse_price_cents(row["price"])
        except ValueError as error:
            raise ValueError(f"row {row_number}: {error}") from None
        tags = tuple(tag.strip() for tag in (row.get("tags") or "").split(";") if tag.strip())
        products.append(
            Product(
                sku=normalize_sku(row["sku"]),
                name=row["name"].strip(),
                unit_price_cents=price,
                weight_grams=int(row.get("weight") or 0),
                location=(row.get("location") or "").strip(),
                tags=tags,
            )
        )
    return products


def load_catalog(text: str) -> Catalog:
    """A catalog from CSV text; later rows replace earlier ones with the same SKU."""
    catalog = Catalog()
    for product in read_products(io.StringIO(text)):
        catalog.add(product, replace=True)
    return catalog


def stock_report_rows(catalog: Catalog, ledger: StockLedger) -> Iterable[List[str]]:
    """Rows of sku, name, on hand, available and stock value for every catalog product."""
    for product in catalog:
        try:
            on_hand = ledger.on_hand(product.sku)
            available = ledger.available(product.sku)
        except KeyError:
            on_hand = available = 0
        value = on_hand * product.unit_price_cents
        yield [product.sku, product.name, str(on_hand), str(available), format_money(value)]


def write_stock_report(catalog: Catalog, ledger: StockLedger, stream: TextIO) -> int:
    """Write the stock report as CSV and return the number of product rows."""
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(["sku", "name", "on_hand", "available", "value"])
    count = 0
    for row in stock_report_rows(catalog, ledger):
        writer.writerow(row)
        count += 1
    return count
