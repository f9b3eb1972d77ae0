"""Outbound adapters: whatever talks to systems outside civicflow (webhook delivery and signing are the first
to come). Each implements a port of application/ports.py and is wired in interfaces/bootstrap.py."""
