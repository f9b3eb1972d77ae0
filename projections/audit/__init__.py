"""The audit trail: hash chain, signed checkpoints, verification, export and replay."""
