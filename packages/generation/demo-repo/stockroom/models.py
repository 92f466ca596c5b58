"""Plain data types shared by every module."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Optional

from stockroom.errors import InvalidQuantityError


def require_positive_quantity(quantity: int) -> int:
    """Return ``quantity`` if it is a whole number above zero, else raise."""
    if isinstance(quantity, bool) or not isinstance(quantity, int):
        raise InvalidQuantityError(f"quantity must be an integer, got {quantity!r}")
    if quantity <= 0:
        raise InvalidQuantityError(f"quantity must be positive, got {quantity}")
    return quantity


@dataclass(frozen=True)
class Product:
    """A sellable item. Prices are in cents, weights in grams."""

    sku: str
    name: str
    unit_price_cents: int
    weight_grams: int = 0
    location: str = ""
    tags: tuple = ()

    def validate(self) -> None:
        """Raise ``ValueError`` when a field holds an impossible value."""
        if not self.sku or self.sku != self.sku.strip():
            raise ValueError(f"bad sku: {self.sku!r}")
        if self.unit_price_cents < 0:
            raise ValueError(f"{self.sku}: negative price")
        if self.weight_grams < 0:
            raise ValueError(f"{self.sku}: negative weight")

    def has_tag(self, tag: str) -> bool:
        """Case-insensitive tag lookup."""
        wanted = tag.strip().lower()
        for existing in self.tags:
            if existing.lower() == wanted:
                return True
        return False


@dataclass
class OrderLine:
    """One SKU on an order with the quantity asked for."""

    sku: str
    quantity: int
    unit_price_cents: Optional[int] = None

    def subtotal_cents(self, fallback_price_cents: int = 0) -> int:
        """Quantity times the line's own price, or the catalog price when it has none."""
        price = self.unit_price_cents
        if price is None:
            price = fallback_price_cents
        return price * self.quantity


@dataclass
class Order:
    """A customer order: lines keyed by SKU, in the order they were added."""

    order_id: str
    lines: List[OrderLine] = field(default_factory=list)
    priority: int = 0
    notes: Dict[str, str] = field(default_factory=dict)

    def add_line(self, sku: str, quantity: int, unit_price_cents: Optional[int] = None) -> OrderLine:
        """Add units of a SKU, merging with an existing line for the same SKU."""
        require_positive_quantity(quantity)
        existing = self.find_line(sku)
        if existing is not None:
            existing.quantity += quantity
            return existing
        line = OrderLine(sku=sku, quantity=quantity, unit_price_cents=unit_price_cents)
        self.lines.append(line)
        return line

    def remove_line(self, sku: str) -> bool:
        """Drop the line for ``sku``; return whether there was one."""
        for index, line in enumerate(self.lines):
            if line.sku == sku:
                del self.lines[index]
                return True
        return False

    def find_line(self, sku: str) -> Optional[OrderLine]:
        """The line for ``sku``, or ``None``."""
        for line in self.lines:
            if line.sku == sku:
                return line
        return None

    def total_quantity(self) -> int:
        """Units across all lines."""
        total = 0
        for line in self.lines:
            total += line.quantity
        return total

    def is_empty(self) -> bool:
        """True when the order has no units at all."""
        return self.total_quantity() == 0
