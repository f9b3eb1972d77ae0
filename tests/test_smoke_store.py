from domain.order import Order


def test_an_order_placed_on_a_real_store_reloads_from_its_events(app, clock):
    result = app.place_order("health", "post-babaoshan-01", "blood pressure check",
                             {"name": "Wang", "phone": "13900000000", "address": "1 Lane"}, "district-app",
                             actor="channel:district-app")
    order = app.load(Order, result.id)
    assert (order.status, order.site_id, order.placed_at) == ("placed", "post-babaoshan-01", clock.now())
    assert len(app.sites) == 187
