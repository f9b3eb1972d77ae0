"""The Flask web interface: a thin layer over the application."""

from interfaces.web.app import create_app

__all__ = ["create_app"]
