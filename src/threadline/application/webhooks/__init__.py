"""Webhooks: subscriptions managed by admins, and the deliverer that hands the log to receivers."""
