import pytest

from stockroom.catalog import Catalog
from stockroom.ledger import StockLedger
from stockroom.models import Product


@pytest.fixture
def catalog() -> Catalog:
    return Catalog(
        [
            Product("MUG-01", "Enamel mug", 1250, weight_grams=310, location="A-2", tags=("kitchen",)),
            Product("KETTLE-02", "Camping kettle", 3990, weight_grams=850, location="A-10", tags=("kitchen", "outdoor")),
            Product("TENT-03", "Two-person tent", 18900, weight_grams=2400, location="C-1", tags=("outdoor",)),
        ]
    )


@pytest.fixture
def ledger() -> StockLedger:
    stock = StockLedger()
    stock.receive("MUG-01", 40, reference="PO-1")
    stock.receive("KETTLE-02", 5, reference="PO-1")
    stock.receive("TENT-03", 2, reference="PO-2")
    return stock
