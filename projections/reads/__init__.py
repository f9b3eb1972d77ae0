"""Queries over the views, and the adapters behind the application's ports (candidates, due orders)."""
