"""Order pricing in integer cents."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, List, Optional, Sequence, Tuple

from stockroom.catalog import Catalog
from stockroom.models import Order

# (minimum units on a line, discount in basis points)
DEFAULT_BULK_TIERS: Tuple[Tuple[int, int], ...] = ((10, 500), (50, 1000), (200, 1500))


def round_half_up(numerator: int, denominator: int) -> int:
    """Integer division that rounds halves away from zero, as invoices do."""
    if denominator <= 0:
        raise ValueError("denominator must be positive")
    quotient, remainder = divmod(abs(numerator), denominator)
    if remainder * 2 >= denominator:
        quotient += 1
    return quotient if numerator >= 0 else -quotient


def apply_discount(amount_cents: int, basis_points: int) -> int:
    """Take ``basis_points`` (1/100 of a percent) off an amount."""
    if not 0 <= basis_points <= 10_000:
        raise ValueError(f"discount out of range: {basis_points}")
    discount = round_half_up(amount_cents * basis_points, 10_000)
    return amount_cents - discount


def bulk_discount_rate(quantity: int, tiers: Sequence[Tuple[int, int]] = DEFAULT_BULK_TIERS) -> int:
    """The discount in basis points for a line of ``quantity`` units."""
    rate = 0
    for minimum, basis_points in sorted(tiers):
        if quantity >= minimum:
            rate = basis_points
    return rate


def tax_cents(net_cents: int, rate_percent: float) -> int:
    """Tax on a net amount, rounded half up to the cent."""
    if rate_percent < 0:
        raise ValueError("tax rate cannot be negative")
    hundredths = int(round(rate_percent * 100))
    return round_half_up(net_cents * hundredths, 10_000)


@dataclass(frozen=True)
class PriceRule:
    """A discount for products with a tag, optionally only above a quantity."""

    tag: str
    basis_points: int
    min_quantity: int = 1

    def applies_to(self, catalog: Catalog, sku: str, quantity: int) -> bool:
        """Whether this rule discounts ``quantity`` units of ``sku``."""
        if quantity < self.min_quantity:
            return False
        product = catalog.get(sku)
        return product.has_tag(self.tag)

    def best_of(self, others: Iterable["PriceRule"]) -> "PriceRule":
        """The rule with the largest discount among this one and ``others``."""
        best = self
        for rule in others:
            if rule.basis_points > best.basis_points:
                best = rule
        return best


@dataclass
class PricedLine:
    sku: str
    quantity: int
    gross_cents: int
    discount_basis_points: int
    net_cents: int


def price_order(
    order: Order,
    catalog: Catalog,
    rules: Optional[List[PriceRule]] = None,
    tax_rate_percent: float = 0.0,
) -> Tuple[List[PricedLine], int]:
    """Price every line and return the lines with the order total including tax.

    Each line gets the larger of its bulk discount and the best matching price rule;
    discounts never stack.
    """
    priced = []
    for line in order.lines:
        product = catalog.get(line.sku)
        gross = line.subtotal_cents(product.unit_price_cents)
        rate = bulk_discount_rate(line.quantity)
        matching = [rule for rule in rules or [] if rule.applies_to(catalog, line.sku, line.quantity)]
        if matching:
            rate = max(rate, matching[0].best_of(matching[1:]).basis_points)
        priced.append(PricedLine(line.sku, line.quantity, gross, rate, apply_discount(gross, rate)))
    net_total = sum(line.net_cents for line in priced)
    return priced, net_total + tax_cents(net_total, tax_rate_percent)
