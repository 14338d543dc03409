"""Live updates: the projector's messages for people following a thread (recorder), their way to
every API process (the fan-out port), and each process's subscribers (hub, subscription)."""
