"""Logging filters of the shell (``LOGGING`` in settings): no app imports, Django only."""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied


class ExpectedRefusalFilter(logging.Filter):
    """A 403 is the permission model doing its job (a Developer opening the audit log), not an
    incident: ``django.request`` would log it at WARNING with the ``PermissionDenied``'s full
    traceback. This makes it one line at INFO, the refusal's reason appended ("This needs the
    capability …"); other records pass unchanged. Attached to the ``django.request`` logger, it
    drops the line when that logger does not log INFO (``LOG_LEVEL=WARNING``)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "status_code", None) != 403:
            return True
        exc = record.exc_info[1] if record.exc_info else None
        if exc is not None and not isinstance(exc, PermissionDenied):
            return True  # a 403 from something else: leave it as Django wrote it
        reason = str(exc) if exc is not None else ""
        if reason:
            record.msg = f"{record.msg} (%s)"
            record.args = (*(record.args or ()), reason)  # type: ignore[misc]
        record.levelno, record.levelname = logging.INFO, logging.getLevelName(logging.INFO)
        record.exc_info, record.exc_text = None, None
        return logging.getLogger(record.name).isEnabledFor(logging.INFO)
