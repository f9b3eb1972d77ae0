"""Standard Webhooks signatures: `webhook-id`, `webhook-timestamp` (the attempt's time, in seconds) and
`webhook-signature` (`v1,<base64 HMAC-SHA256 of "id.timestamp.body">`, one per secret, space-separated, while a
rotated secret is in its grace period). The `standardwebhooks` package signs, so receivers verify with the same."""

from __future__ import annotations

from datetime import datetime, timezone
from math import floor

from standardwebhooks import Webhook


def signed_headers(message_id: str, at: datetime, body: str, secrets: list[str]) -> dict[str, str]:
    at = at.astimezone(timezone.utc)
    return {
        "content-type": "application/json",
        "webhook-id": message_id,
        "webhook-timestamp": str(floor(at.timestamp())),
        "webhook-signature": " ".join(Webhook(secret).sign(message_id, at, body) for secret in secrets),
    }
