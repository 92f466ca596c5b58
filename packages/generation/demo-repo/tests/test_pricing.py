from stockroom.models import Order
from stockroom.pricing import PriceRule, apply_discount, bulk_discount_rate, price_order, round_half_up


def test_round_half_up() -> None:
    assert round_half_up(5, 2) == 3
    assert round_half_up(-5, 2) == -3
    assert round_half_up(4, 3) == 1


def test_bulk_tiers() -> None:
    assert bulk_discount_rate(9) == 0
    assert bulk_discount_rate(10) == 500
    assert bulk_discount_rate(250) == 1500


def test_price_order_takes_the_larger_discount(catalog) -> None:
    order = Order("SO-3")
    order.add_line("KETTLE-02", 2)
    lines, total = price_order(order, catalog, rules=[PriceRule("outdoor", 2000)], tax_rate_percent=10)
    assert lines[0].discount_basis_points == 2000
    assert lines[0].net_cents == apply_discount(7980, 2000)
    assert total == 6384 + 638
