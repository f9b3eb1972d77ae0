"""The views: the projection runner, the view tables and the projections that write them."""
