"""The Standard Webhooks headers of one attempt: the event's id (the same on every retry, so a
receiver drops duplicates by it), the attempt's time, and one signature per signing secret (two
during a rotation's grace period, space-separated, as the specification allows)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from standardwebhooks import Webhook

USER_AGENT = "Threadline-Webhooks/1"


def signed_headers(
    event_id: str, body: bytes, secrets: Sequence[str], moment: datetime | None = None
) -> dict[str, str]:
    moment = moment or datetime.now(UTC)
    text = body.decode()
    signature = " ".join(Webhook(secret).sign(event_id, moment, text) for secret in secrets)
    return {
        "content-type": "application/json",
        "user-agent": USER_AGENT,
        "webhook-id": event_id,
        "webhook-timestamp": str(int(moment.timestamp())),
        "webhook-signature": signature,
    }
