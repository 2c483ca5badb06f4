# MPP — the set-up contract. On a fresh machine with Python 3.11+ and make:
#   make run     create .venv, install, migrate, load demo data, serve http://127.0.0.1:8000
#   make test    the whole suite (pytest); make lint / fmt / check; make worker / beat
# Settings come from the environment (see .env.example); without any, the embedded default
# runs: SQLite under var/, tasks in-process, files under var/media.

SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.mpp-requirements.stamp
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=
MANAGE := $(BIN)/python manage.py

.PHONY: help install run migrate seed test lint fmt typecheck check check-migrations check-deploy \
	worker beat bench bench-resolve bench-console bench-ingest bench-rollup bench-send clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-18s %s\n", $$1, $$2}'

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "MPP needs Python 3.11 or newer ($(PYTHON) is $$($(PYTHON) --version 2>&1))."; exit 1; }
	$(PYTHON) -m venv $(VENV)

# Re-install only when a requirements file changed since the last install.
$(STAMP): requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/python -m pip install --disable-pip-version-check -q -r requirements-dev.txt
	@touch $(STAMP)

install: $(STAMP) ## create .venv and install requirements-dev.txt (when they changed)

var:
	@mkdir -p var/static var/media

migrate: $(STAMP) var ## apply database migrations
	$(MANAGE) migrate --noinput

seed: migrate ## load the demo data set (idempotent) and print the demo logins
	$(MANAGE) seed_demo

run: seed ## migrate, seed and serve http://127.0.0.1:8000 (SQLite, no Redis needed)
	$(MANAGE) runserver $(HOST):$(PORT)

# Two pytest-xdist workers (the machines have 2 cores): each has its own test database and its
# own Redis databases (console/settings/test.py). TEST_WORKERS=0 runs in one process.
TEST_WORKERS ?= 2
test: $(STAMP) var ## run the whole test suite (PYTEST_ARGS="-k name" to narrow it)
	$(BIN)/pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

lint: $(STAMP) ## ruff check + ruff format --check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# STYLE.md §8: services, selectors and the access rules are type-checked with django-stubs.
# … and the kernel modules every app shares (outbox, text rule, client IP, API and page plumbing).
TYPED := console/html.py workspaces/services workspaces/selectors.py workspaces/selectors_approvals.py \
	workspaces/models/approvals.py workspaces/authz workspaces/keys.py \
	workspaces/images.py workspaces/transitions.py workspaces/extensions.py \
	workspaces/auditlog.py workspaces/endpoints.py workspaces/mixins.py \
	workspaces/selectors_webhooks.py workspaces/models/webhooks.py workspaces/webhook_transport.py \
	workspaces/tasks.py \
	miniprograms/services miniprograms/selectors.py miniprograms/access.py \
	miniprograms/validators.py miniprograms/profile.py miniprograms/languages.py \
	miniprograms/mixins.py miniprograms/endpoints.py miniprograms/development \
	miniprograms/domains/services.py miniprograms/domains/selectors.py \
	miniprograms/domains/runtime.py miniprograms/domains/rules.py miniprograms/domains/validators.py \
	miniprograms/jsapis/services.py miniprograms/jsapis/selectors.py miniprograms/jsapis/runtime.py \
	miniprograms/envvars/services.py miniprograms/envvars/selectors.py miniprograms/envvars/runtime.py \
	miniprograms/envvars/validators.py miniprograms/secrets/services.py \
	miniprograms/secrets/selectors.py miniprograms/secrets/oauth.py miniprograms/secrets/throttle.py \
	miniprograms/subscriptions/services.py miniprograms/subscriptions/selectors.py \
	miniprograms/subscriptions/runtime.py miniprograms/subscriptions/sending.py \
	miniprograms/subscriptions/delivery.py miniprograms/subscriptions/errors.py \
	miniprograms/subscriptions/endpoints.py miniprograms/subscriptions/selectors_messages.py \
	releases/services releases/release releases/review releases/selectors.py releases/tasks.py releases/package \
	releases/grayscale/targeting.py releases/grayscale/preview.py \
	releases/grayscale/services releases/grayscale/selectors.py releases/grayscale/admission.py \
	releases/grayscale/tasks.py releases/runtime \
	console/outbox.py console/text.py console/apifields.py console/clientip.py console/wsgienv.py console/limits.py console/paging.py \
	console/files.py console/forms.py console/throttles.py console/formats.py console/api.py \
	analytics/services.py analytics/batch.py analytics/storage.py analytics/stream.py \
	analytics/partitions.py analytics/tasks.py analytics/views_sdk.py analytics/schema.py \
	analytics/guardrails/services.py analytics/guardrails/evaluate.py releases/grayscale/extensions.py \
	analytics/reports.py analytics/export.py analytics/charts.py miniprograms/subscriptions/fastsend.py \
	analytics/alerts/services.py analytics/alerts/selectors.py analytics/alerts/rules.py \
	analytics/alerts/evaluate.py analytics/alerts/notify.py analytics/alerts/tasks.py \
	analytics/alerts/setup.py analytics/rollups.py analytics/realtime.py analytics/logs.py

typecheck: $(STAMP) var ## mypy (django-stubs) on services, selectors and authz
	$(BIN)/mypy $(TYPED)

fmt: $(STAMP) ## fix what ruff can fix and format the code
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

check: check-migrations check-deploy ## missing migrations and Django's deployment checklist

check-migrations: $(STAMP) var
	$(MANAGE) makemigrations --check --dry-run

# Production settings refuse to load without a real key, host list and SMTP URL: give throwaway
# ones (nothing connects to the mail server during the check).
check-deploy: $(STAMP) var
	DJANGO_SETTINGS_MODULE=console.settings.production \
	SECRET_KEY="$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(64))')" \
	ALLOWED_HOSTS=mpp.example.com \
	EMAIL_URL=smtp+tls://mail.example.com:587 \
	RUNTIME_SIGNING_KEY="$$($(BIN)/python -c 'import base64, os; print(base64.b64encode(os.urandom(32)).decode())')" \
		$(MANAGE) check --deploy --fail-level WARNING

worker: $(STAMP) var ## a Celery worker (needs REDIS_URL; without it tasks run in-process)
	@[ -n "$$REDIS_URL" ] || echo "note: REDIS_URL is not set; the web process runs tasks itself."
	$(BIN)/celery -A console worker -Q default,notifications,packages --loglevel=INFO

beat: $(STAMP) var ## the Celery beat scheduler (one per deployment)
	$(BIN)/celery -A console beat --loglevel=INFO --schedule var/celerybeat-schedule

bench: $(STAMP) var ## the package benchmarks (bench/README.md): scan + build, and upload
	$(BIN)/python bench/scan.py
	$(BIN)/python bench/upload.py

bench-resolve: $(STAMP) var ## the runtime API under wrk against a bare WSGI app (needs wrk)
	$(BIN)/python bench/resolve.py

bench-console: $(STAMP) var ## the console's pages at 10,000 mini programs against the demo data
	$(BIN)/python bench/console.py

# PostgreSQL and Redis databases of the benchmark's own: both are EMPTIED (bench/README.md).
INGEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/mpp_bench
INGEST_REDIS_URL ?= redis://127.0.0.1:6379/9
bench-ingest: $(STAMP) var ## SDK events end to end (HTTP → stream → COPY) against a raw COPY
	$(BIN)/python bench/ingest.py --database-url $(INGEST_DATABASE_URL) --redis-url $(INGEST_REDIS_URL)

# The rollup's benchmark: a PostgreSQL database of its own, EMPTIED (bench/rollup.py).
ROLLUP_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/mpp_bench
bench-rollup: $(STAMP) var ## T+1 rollup of 10M events of a day against one hand-written GROUP BY
	$(BIN)/python bench/rollup.py --database-url $(ROLLUP_DATABASE_URL)

# The same kind of databases for the sends' benchmark: both are EMPTIED (bench/README.md).
SEND_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/mpp_bench
SEND_REDIS_URL ?= redis://127.0.0.1:6379/9
bench-send: $(STAMP) var ## subscription messages: sends/s and delivery, against a bare app (needs wrk)
	$(BIN)/python bench/send.py --database-url $(SEND_DATABASE_URL) --redis-url $(SEND_REDIS_URL)

clean: ## remove caches and var/ (the SQLite database, media and screenshots)
	rm -rf var .pytest_cache .ruff_cache
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -exec rm -rf {} +
