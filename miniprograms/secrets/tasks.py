"""Celery entry points of the AppSecret/OAuth feature (listed in ``CELERY_IMPORTS``)."""

from __future__ import annotations

import logging

from celery import shared_task

from miniprograms.secrets.oauth import oauth_purge_expired

logger = logging.getLogger(__name__)


@shared_task(name="miniprograms.oauth_purge")
def oauth_purge() -> int:
    """Hourly: forget authCodes and accessTokens that expired over a day ago."""
    deleted = oauth_purge_expired()
    if deleted:
        logger.info("oauth_purge: deleted %d expired codes and tokens", deleted)
    return deleted
