"""Subscription messages (issue 13), first increment: message templates.

A tenant keeps a **public template library** (:class:`~.models.PublicTemplate`, seeded lazily
from ``library.py``); a mini program picks 1–5 keywords of one of them, in order, as one of its
**My Templates** (:class:`~.models.MyTemplate`) with its own public template id. Subscribing,
sending, delivery and quotas come in a later increment.
"""
