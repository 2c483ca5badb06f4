"""``mpp``: the MPP command-line tool. Talks only to the public REST API (``/api/v1/``)."""

__version__ = "0.1.0"
