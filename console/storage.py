"""The S3 storage of ``S3_BUCKET`` (console/settings/base.py): django-storages' ``S3Storage``
with transfers that keep little in memory.

boto3 uploads a file larger than 8 MB in 8 MB parts and by default reads up to ten parts ahead
into memory: storing a 95 MB package added about 100 MB to the web process for the length of
the upload (measured with ``bench/upload.py --s3``). Here at most ``PARTS_IN_MEMORY`` parts are
read ahead and sent at once, for uploads and downloads alike.
"""

from __future__ import annotations

from typing import Any

from boto3.s3.transfer import TransferConfig
from storages.backends.s3 import S3Storage as BaseS3Storage

PART_SIZE = 8 * 1024 * 1024
PARTS_IN_MEMORY = 2


def transfer_config() -> TransferConfig:
    config = TransferConfig(
        multipart_threshold=PART_SIZE,
        multipart_chunksize=PART_SIZE,
        max_concurrency=PARTS_IN_MEMORY,
    )
    config.max_in_memory_upload_chunks = PARTS_IN_MEMORY  # not a boto3 argument; s3transfer's
    return config


class S3Storage(BaseS3Storage):
    """django-storages' S3 storage; without a ``transfer_config`` option it uses
    :func:`transfer_config`."""

    def __init__(self, **settings: Any) -> None:
        if settings.get("transfer_config") is None:
            settings["transfer_config"] = transfer_config()
        super().__init__(**settings)
