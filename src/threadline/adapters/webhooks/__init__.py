"""Webhook adapters: the receivers' addresses (DNS) and the HTTP attempt (httpx)."""
