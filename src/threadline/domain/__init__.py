"""The comment domain: commands, events, rules and errors. Pure: no I/O here."""
