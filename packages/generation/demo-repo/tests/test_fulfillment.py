from stockroom.fulfillment import allocate_order, pack_boxes, pick_list
from stockroom.models import Order, OrderLine


def test_partial_allocation_backorders_the_rest(ledger) -> None:
    order = Order("SO-4")
    order.add_line("TENT-03", 3)
    allocation = allocate_order(order, ledger)
    assert [(line.sku, line.quantity) for line in allocation.ready] == [("TENT-03", 2)]
    assert allocation.backordered_units() == 1


def test_pick_list_walks_aisles_in_shelf_order(catalog) -> None:
    rows = pick_list([OrderLine("KETTLE-02", 1), OrderLine("MUG-01", 2)], catalog)
    assert [row[0] for row in rows] == ["A-2", "A-10"]


def test_pack_boxes_respects_weight_limit(catalog) -> None:
    boxes = pack_boxes([OrderLine("TENT-03", 2), OrderLine("MUG-01", 3)], catalog, max_grams=3100)
    assert len(boxes) == 2
    assert sorted(len(box) for box in boxes) == [2, 3]
