"""Local store, outbox and sync (Qt-free)."""
