import pytest

from stockroom.errors import OutOfStockError, UnknownProductError
from stockroom.ledger import RESERVE, StockLedger
from stockroom.models import Order


def test_reserve_and_ship_move_counts(ledger: StockLedger) -> None:
    ledger.reserve("MUG-01", 10, reference="SO-1")
    assert ledger.available("MUG-01") == 30
    ledger.ship("MUG-01", 4, reference="SO-1")
    assert ledger.on_hand("MUG-01") == 36
    assert ledger.available("MUG-01") == 30


def test_reserve_more_than_available_fails(ledger: StockLedger) -> None:
    with pytest.raises(OutOfStockError) as caught:
        ledger.reserve("TENT-03", 5)
    assert caught.value.shortfall == 3


def test_reserve_order_is_all_or_nothing(ledger: StockLedger) -> None:
    order = Order("SO-2")
    order.add_line("MUG-01", 2)
    order.add_line("TENT-03", 3)
    with pytest.raises(OutOfStockError):
        ledger.reserve_order(order)
    assert ledger.history(kind=RESERVE) == []


def test_unknown_sku() -> None:
    with pytest.raises(UnknownProductError):
        StockLedger().available("NOPE")
