"""Adapters: SQL stores, caches, buses, auth and rendering behind the application's ports."""
