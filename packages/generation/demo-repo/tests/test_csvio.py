import io

from stockroom.csvio import format_money, load_catalog, parse_price_cents, write_stock_report
from stockroom.ledger import StockLedger


def test_parse_and_format_money() -> None:
    assert parse_price_cents("€12,5") == 1250
    assert parse_price_cents("3") == 300
    assert format_money(-1205) == "-€12.05"


def test_stock_report_round_trip() -> None:
    catalog = load_catalog("sku,name,price,weight\nmug 01,Mug,12.50,310\n")
    ledger = StockLedger()
    ledger.receive("MUG-01", 3)
    out = io.StringIO()
    assert write_stock_report(catalog, ledger, out) == 1
    assert out.getvalue().splitlines()[1] == "MUG-01,Mug,3,3,€37.50"
