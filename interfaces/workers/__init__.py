"""The loops that run beside the API: projections catching up, supervision applying the deadlines, webhook delivery.
loops.py: a pass and `keep_running`; wakeup.py: the pause (LISTEN/NOTIFY on PostgreSQL, an interval elsewhere);
running.py: one loop in its own process; processes.py: their parent; heartbeats.py and status.py: what /readyz
reports. `civicflow workers` runs them (and `civicflow serve` on SQLite, beside gunicorn)."""
