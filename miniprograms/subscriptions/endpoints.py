"""A host app's message endpoint (issue 13): where the delivery worker posts its users'
subscription messages.

**Signing.** Each delivery carries ``X-MPP-Timestamp`` (Unix seconds) and ``X-MPP-Signature:
sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">`` keyed with the endpoint's secret — the same
scheme as the workspace webhooks (``workspaces.webhook_transport.signature``), so a tenant
verifies both with one function. The secret is shown once (set-up, rotation) and never stored:
it is ``HMAC(HASH_PEPPER, salt)`` with a random salt kept on the row.
"""

from __future__ import annotations

from miniprograms.subscriptions.models import MessageEndpoint
from workspaces import keys

SECRET_PREFIX = "mmsec_"  # noqa: S105 - a prefix, not a secret


def message_endpoint_secret(endpoint: MessageEndpoint) -> str:
    """The endpoint's signing secret, derived from its salt and the server pepper."""
    return SECRET_PREFIX + keys.keyed_hash(f"message-endpoint-secret:{endpoint.secret_salt}")
