"""Threadline: threaded comments for any product, built on CQRS and event sourcing."""

__version__ = "0.1.0"
