"""The embedded default used by ``make run``: DEBUG on, SQLite, in-process tasks."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DEBUG", default=True)
