"""stockroom: stock keeping and order fulfilment for a single warehouse."""

from stockroom.errors import OutOfStockError, StockroomError, UnknownProductError
from stockroom.models import Order, OrderLine, Product

__all__ = [
    "Order",
    "OrderLine",
    "OutOfStockError",
    "Product",
    "StockroomError",
    "UnknownProductError",
]

__version__ = "0.3.1"
