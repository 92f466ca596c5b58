"""Turning reserved orders into picked and packed parcels."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Tuple

from stockroom.catalog import Catalog
from stockroom.ledger import StockLedger
from stockroom.models import Order, OrderLine

MAX_BOX_GRAMS = 20_000


@dataclass
class Allocation:
    """What part of an order can ship now and what has to wait."""

    order_id: str
    ready: List[OrderLine] = field(default_factory=list)
    backordered: List[OrderLine] = field(default_factory=list)

    def is_complete(self) -> bool:
        """True when nothing is backordered."""
        return not self.backordered

    def backordered_units(self) -> int:
        """Units that have to wait for stock."""
        total = 0
        for line in self.backordered:
            total += line.quantity
        return total


def allocate_order(order: Order, ledger: StockLedger) -> Allocation:
    """Split an order into lines that stock covers now and a backorder remainder."""
    allocation = Allocation(order_id=order.order_id)
    for line in order.lines:
        free = ledger.available(line.sku)
        if free >= line.quantity:
            allocation.ready.append(OrderLine(line.sku, line.quantity, line.unit_price_cents))
            continue
        if free > 0:
            allocation.ready.append(OrderLine(line.sku, free, line.unit_price_cents))
        allocation.backordered.append(OrderLine(line.sku, line.quantity - free, line.unit_price_cents))
    return allocation


def allocate_by_priority(orders: List[Order], ledger: StockLedger) -> Dict[str, Allocation]:
    """Allocate orders highest priority first, reserving stock as each one is served."""
    allocations: Dict[str, Allocation] = {}
    queue = sorted(orders, key=lambda order: (-order.priority, order.order_id))
    for order in queue:
        allocation = allocate_order(order, ledger)
        for line in allocation.ready:
            ledger.reserve(line.sku, line.quantity, reference=order.order_id)
        allocations[order.order_id] = allocation
    return allocations


def pick_list(lines: List[OrderLine], catalog: Catalog) -> List[Tuple[str, str, int]]:
    """(location, sku, quantity) rows in walking order through the warehouse."""
    rows = []
    for line in lines:
        product = catalog.get(line.sku)
        location = product.location or "UNSORTED"
        rows.append((location, product.sku, line.quantity))
    rows.sort(key=lambda row: (_aisle_key(row[0]), row[1]))
    return rows


def _aisle_key(location: str) -> Tuple[str, int]:
    """Sort "A-10" after "A-9": aisle letters, then the shelf as a number."""
    aisle, _, shelf = location.partition("-")
    try:
        return aisle, int(shelf)
    except ValueError:
        return aisle, 0


def pack_boxes(lines: List[OrderLine], catalog: Catalog, max_grams: int = MAX_BOX_GRAMS) -> List[List[str]]:
    """Pack units into boxes by weight, heaviest first (first-fit decreasing).

    Each box is a list of SKUs, one entry per unit. A unit heavier than a box gets a box
    of its own.
    """
    units = []
    for line in lines:
        weight = catalog.get(line.sku).weight_grams
        units.extend([(weight, line.sku)] * line.quantity)
    units.sort(key=lambda unit: (-unit[0], unit[1]))
    boxes: List[List[str]] = []
    loads: List[int] = []
    for weight, sku in units:
        for index, load in enumerate(loads):
            if load + weight <= max_grams:
                boxes[index].append(sku)
                loads[index] = load + weight
                break
        else:
            boxes.append([sku])
            loads.append(weight)
    return boxes


def shipping_cost_cents(boxes: List[List[str]], catalog: Catalog, per_box_cents: int = 495, per_kg_cents: int = 80) -> int:
    """A flat fee per box plus a charge for each started kilogram."""
    total = 0
    for box in boxes:
        grams = sum(catalog.get(sku).weight_grams for sku in box)
        kilograms = (grams + 999) // 1000
        total += per_box_cents + kilograms * per_kg_cents
    return total
