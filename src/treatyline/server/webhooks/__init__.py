"""Webhooks: the depositary's notifications POSTed to the address each party registers,
signed with the depositary's Ed25519 key as Standard Webhooks signs asymmetrically, and
delivered at least once from a cursor kept in the ledger's database (see docs/server.md,
"Notifications")."""

from .delivery import DeliveryOptions, WebhookWorker, delivering_webhooks, retry_delay
from .signing import public_key_text, webhook_headers, webhook_signature
from .store import Attempt, Subscription, SubscriptionStore, check_webhook_url

__all__ = ["Attempt", "DeliveryOptions", "Subscription", "SubscriptionStore", "WebhookWorker",
           "check_webhook_url", "delivering_webhooks", "public_key_text", "retry_delay",
           "webhook_headers", "webhook_signature"]
