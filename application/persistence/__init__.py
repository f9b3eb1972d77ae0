"""Where and how events are stored: the store's settings, the SQLite writer lock, the clock."""
