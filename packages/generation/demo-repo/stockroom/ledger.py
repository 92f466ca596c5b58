"""An append-only stock ledger.

Every change is an entry; on-hand and reserved counts are derived from the entries, which
keeps an audit trail and lets reports replay history up to any point.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Dict, List, Optional

from stockroom.errors import OutOfStockError, UnknownProductError
from stockroom.models import Order, require_positive_quantity

RECEIVE = "receive"
RESERVE = "reserve"
RELEASE = "release"
SHIP = "ship"
ADJUST = "adjust"


@dataclass(frozen=True)
class LedgerEntry:
    """One movement of stock."""

    sku: str
    kind: str
    quantity: int
    reference: str
    at: datetime


class StockLedger:
    """Tracks on-hand and reserved units per SKU."""

    def __init__(self) -> None:
        self._entries: List[LedgerEntry] = []
        self._on_hand: Dict[str, int] = defaultdict(int)
        self._reserved: Dict[str, int] = defaultdict(int)

    def _record(self, sku: str, kind: str, quantity: int, reference: str, at: Optional[datetime]) -> LedgerEntry:
        entry = LedgerEntry(
            sku=sku,
            kind=kind,
            quantity=quantity,
            reference=reference,
            at=at or datetime.now(timezone.utc),
        )
        self._entries.append(entry)
        return entry

    def _require_known(self, sku: str) -> None:
        if sku not in self._on_hand:
            raise UnknownProductError(sku)

    def receive(self, sku: str, quantity: int, reference: str = "", at: Optional[datetime] = None) -> LedgerEntry:
        """Book units arriving from a supplier."""
        require_positive_quantity(quantity)
        self._on_hand[sku] += quantity
        self._reserved.setdefault(sku, 0)
        return self._record(sku, RECEIVE, quantity, reference, at)

    def available(self, sku: str) -> int:
        """Units on hand that are not reserved for an order."""
        self._require_known(sku)
        free = self._on_hand[sku] - self._reserved[sku]
        return max(free, 0)

    def on_hand(self, sku: str) -> int:
        """Units physically in the warehouse."""
        self._require_known(sku)
        return self._on_hand[sku]

    def reserve(self, sku: str, quantity: int, reference: str = "", at: Optional[datetime] = None) -> LedgerEntry:
        """Hold units for an order so nobody else can take them."""
        require_positive_quantity(quantity)
        free = self.available(sku)
        if quantity > free:
            raise OutOfStockError(sku, quantity, free)
        self._reserved[sku] += quantity
        return self._record(sku, RESERVE, quantity, reference, at)

    def release(self, sku: str, quantity: int, reference: str = "", at: Optional[datetime] = None) -> LedgerEntry:
        """Give reserved units back, e.g. when an order is cancelled."""
        require_positive_quantity(quantity)
        self._require_known(sku)
        held = self._reserved[sku]
        if quantity > held:
            raise ValueError(f"{sku}: releasing {quantity} but only {held} reserved")
        self._reserved[sku] = held - quantity
        return self._record(sku, RELEASE, quantity, reference, at)

    def ship(self, sku: str, quantity: int, reference: str = "", at: Optional[datetime] = None) -> LedgerEntry:
        """Send reserved units out; they leave both the reserved and on-hand counts."""
        require_positive_quantity(quantity)
        self._require_known(sku)
        if quantity > self._reserved[sku]:
            raise OutOfStockError(sku, quantity, self._reserved[sku])
        self._reserved[sku] -= quantity
        self._on_hand[sku] -= quantity
        return self._record(sku, SHIP, quantity, reference, at)

    def adjust(self, sku: str, counted: int, reference: str = "stock count") -> Optional[LedgerEntry]:
        """Set on-hand to a physical count; returns ``None`` when nothing changed."""
        self._require_known(sku)
        if counted < self._reserved[sku]:
            raise ValueError(f"{sku}: count {counted} is below the {self._reserved[sku]} reserved units")
        difference = counted - self._on_hand[sku]
        if difference == 0:
            return None
        self._on_hand[sku] = counted
        return self._record(sku, ADJUST, difference, reference, None)

    def reserve_order(self, order: Order) -> List[LedgerEntry]:
        """Reserve every line of an order, or nothing if any line is short."""
        for line in order.lines:
            free = self.available(line.sku)
            if line.quantity > free:
                raise OutOfStockError(line.sku, line.quantity, free)
        entries = []
        for line in order.lines:
            entries.append(self.reserve(line.sku, line.quantity, reference=order.order_id))
        return entries

    def history(self, sku: Optional[str] = None, kind: Optional[str] = None) -> List[LedgerEntry]:
        """Entries oldest first, optionally for one SKU and/or one kind."""
        selected = []
        for entry in self._entries:
            if sku is not None and entry.sku != sku:
                continue
            if kind is not None and entry.kind != kind:
                continue
            selected.append(entry)
        return selected

    def shipped_per_day(self, sku: str) -> Dict[str, int]:
        """Units shipped per calendar day (ISO date keys), for forecasting."""
        totals: Dict[str, int] = defaultdict(int)
        for entry in self.history(sku=sku, kind=SHIP):
            day = entry.at.date().isoformat()
            totals[day] += entry.quantity
        return dict(sorted(totals.items()))

    def skus(self) -> List[str]:
        """Every SKU the ledger has seen, sorted."""
        return sorted(self._on_hand)
