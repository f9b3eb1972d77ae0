"""The civicflow application layer: one method per command, over eventsourcing's native event store."""
