"""Analytics writes (issue 14): handing a validated batch of SDK events off to storage.

The web process never writes row by row: with ``REDIS_URL`` the batch goes to the Redis stream
as one entry (the drain writes it with ``COPY``, :mod:`analytics.stream`); in the embedded
default it is written at once, one batch insert (:func:`analytics.storage.batch_store`).
"""

from __future__ import annotations

from analytics import stream
from analytics.batch import Batch
from analytics.storage import Chunk, batch_store


def batch_hand_off(*, batch: Batch) -> None:
    """Queue (Redis) or store (embedded) the batch's valid rows. Raises
    :class:`analytics.stream.Backpressure` when the stream lags past its bound and
    :class:`analytics.stream.StreamUnavailable` when Redis does not answer."""
    if not batch.accepted:
        return
    if stream.is_enabled():
        stream.chunk_enqueue(Chunk.of(batch))
    else:
        batch_store(batch)
