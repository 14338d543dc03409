"""Use cases: command handlers, query handlers, the projector, and the ports they need."""
