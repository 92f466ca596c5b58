"""Demand forecasting and reorder suggestions."""

from __future__ import annotations

import math
from typing import Dict, List, Sequence

from stockroom.ledger import StockLedger


def moving_average(values: Sequence[float], window: int) -> List[float]:
    """Trailing averages; the first ``window - 1`` points average what exists so far."""
    if window <= 0:
        raise ValueError("window must be positive")
    averages = []
    running = 0.0
    for index, value in enumerate(values):
        running += value
        if index >= window:
            running -= values[index - window]
        averages.append(running / min(index + 1, window))
    return averages


def exponential_smoothing(values: Sequence[float], alpha: float = 0.3) -> float:
    """Single exponential smoothing; returns the last smoothed level."""
    if not 0 < alpha <= 1:
        raise ValueError("alpha must be in (0, 1]")
    if not values:
        return 0.0
    level = float(values[0])
    for value in values[1:]:
        level = alpha * value + (1 - alpha) * level
    return level


def demand_deviation(values: Sequence[float]) -> float:
    """Sample standard deviation of daily demand (0 for fewer than two days)."""
    if len(values) < 2:
        return 0.0
    mean = sum(values) / len(values)
    squares = sum((value - mean) ** 2 for value in values)
    return math.sqrt(squares / (len(values) - 1))


def reorder_point(daily_demand: float, lead_time_days: int, safety_stock: int = 0) -> int:
    """Stock level at which a new purchase order should go out."""
    if lead_time_days < 0:
        raise ValueError("lead time cannot be negative")
    expected = daily_demand * lead_time_days
    return int(math.ceil(expected)) + safety_stock


def days_of_cover(available: int, daily_demand: float) -> float:
    """How many days the available units last at the given demand."""
    if daily_demand <= 0:
        return math.inf
    return available / daily_demand


def suggest_reorders(
    ledger: StockLedger,
    lead_time_days: Dict[str, int],
    history_days: int = 28,
    service_factor: float = 1.65,
) -> Dict[str, int]:
    """Units to order per SKU so stock covers lead time plus safety stock.

    Demand is the daily shipped quantity over the last ``history_days`` days that saw
    shipments, smoothed exponentially; safety stock scales with demand variability.
    """
    suggestions = {}
    for sku in ledger.skus():
        daily = list(ledger.shipped_per_day(sku).values())[-history_days:]
        demand = exponential_smoothing(daily)
        lead = lead_time_days.get(sku, 7)
        safety = int(math.ceil(service_factor * demand_deviation(daily) * math.sqrt(lead)))
        point = reorder_point(demand, lead, safety)
        shortfall = point - ledger.available(sku)
        if shortfall > 0:
            suggestions[sku] = shortfall
    return suggestions
