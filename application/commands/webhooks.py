"""Webhook subscriptions (DESIGN §16): subscribe, rotate the secret, delete, disable; and who may see which.

The secret (`whsec_<base64>`, Standard Webhooks) is kept sealed with AES-GCM under a key of the subscription's own
in the key store (apart from the events), so the delivery worker can sign with it while the event store holds
ciphertext only; deleting a subscription destroys that key. The secret is shown from the subscription at the
version a command produced, so an idempotent retry answers with the same secret as the first response.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Iterator
from datetime import datetime, timedelta
from uuid import UUID, uuid4

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from eventsourcing.utils import get_topic

from application.base import CivicFlowBase
from application.errors import NotFound
from application.idempotency import command
from application.policy.principal import Principal
from domain.webhook import WebhookSubscription

SECRET_PREFIX = "whsec_"
SEALED_PREFIX = "wh1:"
NONCE_BYTES = 12
ROTATION_GRACE = timedelta(hours=24)  # the old secret still signs (beside the new one) for this long
SUBSCRIBED_TOPICS = (get_topic(WebhookSubscription.Subscribed),)


def key_id_for(subscription_id: UUID) -> str:
    return f"webhook:{subscription_id.hex}"


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(os.urandom(24)).decode()


class WebhookCommands(CivicFlowBase):
    @command
    def subscribe_webhook(self, principal: Principal, url: str, event_types: list[str], *,
                          actor: str) -> list[WebhookSubscription]:
        """`url` is checked by the caller (an interface: it resolves names); the policy binds it to the principal."""
        subscription_id, at = uuid4(), self.clock.now()
        return [WebhookSubscription.subscribe(
            subscription_id, url=url, event_types=event_types, role=principal.role, site_id=principal.site_id,
            channel=principal.channel, sealed_secret=self._seal(subscription_id, new_secret(), at),
            actor=actor, at=at)]

    @command
    def rotate_webhook_secret(self, principal: Principal, subscription_id: UUID, *, actor: str,
                              expected_version: int | None = None) -> list[WebhookSubscription]:
        subscription, at = self._owned(principal, subscription_id, expected_version), self.clock.now()
        subscription.rotate_secret(self._seal(subscription.id, new_secret(), at), previous_until=at + ROTATION_GRACE,
                                   actor=actor, at=at)
        return [subscription]

    def remove_webhook(self, principal: Principal, subscription_id: UUID, *,
                       expected_version: int | None = None) -> WebhookSubscription:
        subscription = self._owned(principal, subscription_id, expected_version)
        subscription.remove(actor=principal.actor, at=self.clock.now())
        self.commit([subscription])
        self.residents.keys.destroy(key_id_for(subscription.id))  # after the commit: its secrets become unreadable
        return subscription

    def disable_webhook(self, subscription_id: UUID, reason: str, *, actor: str) -> None:
        """The receiver said 410 Gone: deliver nothing more (the delivery worker calls this)."""
        subscription = self.find(WebhookSubscription, subscription_id)
        if subscription is not None and subscription.active:
            subscription.disable(reason, actor=actor, at=self.clock.now())
            self.commit([subscription])

    # --- reading ----------------------------------------------------------------------------------

    def webhook(self, principal: Principal, subscription_id: UUID) -> WebhookSubscription:
        """A subscription the principal owns (another's, a deleted or a missing one answers alike)."""
        return self._owned(principal, subscription_id, None)

    def webhooks_visible(self, principal: Principal) -> list[WebhookSubscription]:
        found = (self.find(WebhookSubscription, i) for i in dict.fromkeys(self._subscription_ids()))
        return [s for s in found if s is not None and not s.removed and owns(principal, s)]

    def webhook_secret(self, subscription: WebhookSubscription) -> str:
        """The subscription's current secret in clear, to show to its owner right after subscribing or rotating."""
        key = self.residents.keys.key(key_id_for(subscription.id))
        if key is None:
            raise NotFound("webhook subscription", subscription.id)
        return _open(key, subscription.id, subscription.sealed_secret)

    def webhook_signing_secrets(self, subscription_id: UUID, sealed: str, previous: str | None,
                                previous_until: datetime | None, now: datetime) -> list[str]:
        """The secrets to sign with now: the current one, and the previous one during its grace period."""
        key = self.residents.keys.key(key_id_for(subscription_id))
        if key is None:
            return []
        in_grace = previous is not None and previous_until is not None and now < previous_until
        return [_open(key, subscription_id, value) for value in ([sealed, previous] if in_grace else [sealed])
                if value is not None]

    def _owned(self, principal: Principal, subscription_id: UUID,
               expected_version: int | None) -> WebhookSubscription:
        def check(subscription: WebhookSubscription) -> None:
            if subscription.removed or not owns(principal, subscription):
                raise NotFound("webhook subscription", subscription_id)
        return self.load(WebhookSubscription, subscription_id, expected_version, check=check)

    def _seal(self, subscription_id: UUID, secret: str, at: datetime) -> str:
        key = self.residents.keys.key_for(key_id_for(subscription_id), at)
        nonce = os.urandom(NONCE_BYTES)
        sealed = AESGCM(key).encrypt(nonce, secret.encode(), subscription_id.bytes)
        return SEALED_PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode()

    def _subscription_ids(self) -> Iterator[UUID]:
        start = 1
        while page := self.recorder.select_notifications(start, 500, topics=SUBSCRIBED_TOPICS):
            yield from (n.originator_id for n in page)
            start = page[-1].id + 1


def owns(principal: Principal, subscription: WebhookSubscription) -> bool:
    """Admins own every subscription; a channel or dispatcher those made under the same binding."""
    if principal.role == "admin":
        return True
    return (principal.role, principal.site_id, principal.channel) == \
        (subscription.role, subscription.site_id, subscription.channel)


def _open(key: bytes, subscription_id: UUID, sealed: str) -> str:
    raw = base64.urlsafe_b64decode(sealed.removeprefix(SEALED_PREFIX))
    return AESGCM(key).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], subscription_id.bytes).decode()
