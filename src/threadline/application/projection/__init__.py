"""The projector: turns the event log into the read model, exactly once per event."""
