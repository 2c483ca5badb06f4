"""Settings for the server bench/console.py starts: production's, unchanged, plus one header.

``X-Bench-Queries`` counts the SQL statements the request ran (a database execute wrapper
around the whole response), so the benchmark prints query counts beside the times without
``DEBUG``. Production's settings need ``SECRET_KEY``, ``ALLOWED_HOSTS`` and ``EMAIL_URL``: the
script sets throwaway ones and sends ``X-Forwarded-Proto: https`` as the load balancer would.
"""

from console.settings.production import *  # noqa: F403
from console.settings.production import MIDDLEWARE

MIDDLEWARE = ["bench.settings_console.query_count_header", *MIDDLEWARE]


def query_count_header(get_response):
    """Add ``X-Bench-Queries: <n>`` to every response (the statements run while answering)."""
    from django.db import connection

    def middleware(request):
        count = 0

        def counter(execute, sql, params, many, context):
            nonlocal count
            count += 1
            return execute(sql, params, many, context)

        with connection.execute_wrapper(counter):
            response = get_response(request)
        response["X-Bench-Queries"] = str(count)
        return response

    return middleware
