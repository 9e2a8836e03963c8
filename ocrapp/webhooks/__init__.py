"""Outgoing webhooks: events recorded with status changes, signed, sent and retried."""
