"""One module per command handler."""
