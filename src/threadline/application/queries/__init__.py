"""Query handlers: SQL over read-model tables (through ports), cached as prepared bytes."""
