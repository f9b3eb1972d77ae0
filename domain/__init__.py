"""The civicflow domain: aggregates, their events and their rules. No I/O, no clock reads."""
