"""Webhook signature verification.

Pass the raw request body exactly as received; a parsed and re-serialized body
never verifies.
"""

import hashlib
import hmac
import json
import time

DEFAULT_TOLERANCE = 300


class SignatureVerificationError(Exception):
    """The delivery's Shiplane-Signature header did not verify."""


def compute_signature(secret, timestamp, payload):
    """Hex HMAC-SHA256 of ``"{timestamp}.{payload}"`` keyed with the endpoint secret."""
    signed = str(timestamp).encode() + b"." + payload
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def verify_signature(payload, header, secret, tolerance=DEFAULT_TOLERANCE):
    """Verifies a delivery and returns the parsed event.

    Args:
        payload: the raw body, as bytes.
        header: the ``Shiplane-Signature`` header value.
        secret: the endpoint's signing secret (``whsec_...``), not your API key.
        tolerance: maximum age of the delivery in seconds (added in 2.1).
    """
    if isinstance(payload, str):
        payload = payload.encode()
    if not header:
        raise SignatureVerificationError("missing Shiplane-Signature header")
    parts = dict()
    signatures = []
    for item in header.split(","):
        key, _, value = item.strip().partition("=")
        if key == "v1":
            signatures.append(value)
        else:
            parts[key] = value
    try:
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        raise SignatureVerificationError("no valid t= timestamp in header")
    if abs(time.time() - timestamp) > tolerance:
        raise SignatureVerificationError(f"timestamp outside the {tolerance}s tolerance (check your clock)")
    expected = compute_signature(secret, timestamp, payload)
    if not any(hmac.compare_digest(expected, s) for s in signatures):
        raise SignatureVerificationError("no matching v1 signature (wrong secret, or body re-serialized?)")
    return json.loads(payload)
