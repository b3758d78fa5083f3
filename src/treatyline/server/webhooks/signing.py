"""Webhook signatures as the Standard Webhooks specification makes them with an asymmetric
key (https://www.standardwebhooks.com, "Signature scheme"): the Ed25519 signature of
`{webhook-id}.{webhook-timestamp}.{body}`, sent as `v1a,<base64 signature>` in the
`webhook-signature` header; the public key is published as `whpk_<base64 raw key>`.

The signer is the depositary's key: a receiver that trusts the ledger's genesis entry
checks a webhook with the key that entry names, and needs no shared secret."""

from __future__ import annotations

import base64
from collections.abc import Callable

__all__ = ["SIGNATURE_VERSION", "public_key_text", "webhook_headers", "webhook_signature"]

SIGNATURE_VERSION = "v1a"


def signed_content(webhook_id: str, timestamp: int, body: bytes) -> bytes:
    """What is signed. The id and timestamp may hold no '.' (the spec's warning: the
    parts would run into one another)."""
    if "." in webhook_id or not webhook_id:
        raise ValueError(f"a webhook id is non-empty and has no '.': {webhook_id!r}")
    return f"{webhook_id}.{timestamp}.".encode("ascii") + body


def webhook_signature(sign: Callable[[bytes], bytes], webhook_id: str, timestamp: int,
                      body: bytes) -> str:
    """The `webhook-signature` header's value; `sign` makes an Ed25519 signature."""
    signature = sign(signed_content(webhook_id, timestamp, body))
    return f"{SIGNATURE_VERSION},{base64.b64encode(signature).decode('ascii')}"


def webhook_headers(sign: Callable[[bytes], bytes], webhook_id: str, timestamp: int,
                    body: bytes) -> dict[str, str]:
    """The three Standard Webhooks headers, and the body's Content-Type."""
    return {"webhook-id": webhook_id, "webhook-timestamp": str(timestamp),
            "webhook-signature": webhook_signature(sign, webhook_id, timestamp, body),
            "content-type": "application/json"}


def public_key_text(raw_public_key: bytes) -> str:
    """The public key as Standard Webhooks shows it to receivers: `whpk_` and base64."""
    return "whpk_" + base64.b64encode(raw_public_key).decode("ascii")
