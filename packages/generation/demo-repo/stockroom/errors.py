"""Exceptions raised by stockroom."""

from __future__ import annotations


class StockroomError(Exception):
    """Base class for every error this library raises on purpose."""


class UnknownProductError(StockroomError, KeyError):
    """A SKU was used that the catalog or ledger has never seen."""

    def __init__(self, sku: str) -> None:
        super().__init__(sku)
        self.sku = sku

    def __str__(self) -> str:
        return f"unknown product: {self.sku!r}"


class OutOfStockError(StockroomError):
    """A reservation or shipment asked for more units than are available."""

    def __init__(self, sku: str, requested: int, available: int) -> None:
        message = f"{sku}: requested {requested}, only {available} available"
        super().__init__(message)
        self.sku = sku
        self.requested = requested
        self.available = available

    @property
    def shortfall(self) -> int:
        """How many units are missing to satisfy the request."""
        missing = self.requested - self.available
        return max(missing, 0)


class InvalidQuantityError(StockroomError, ValueError):
    """A quantity was zero, negative or not a whole number."""
