# CivicDesk: `make run` starts the local stack, `make test` runs the whole suite.
# Both create .venv and install from pyproject.toml when it changed; otherwise they skip it.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
AWS_PORT ?= 4566
SMTP_PORT ?= 2525
DATA_DIR ?= .local-data
TIME_FACTOR ?= 1

.PHONY: run test lint typecheck unit fuzz synth deploy diff deploy-check bench bench-town clean system-deps mail-reprocess vendor-leaflet

$(STAMP): pyproject.toml requirements.txt
	@command -v $(PYTHON) >/dev/null || { echo "$(PYTHON) is required (Python 3.11)"; exit 1; }
	@$(MAKE) --no-print-directory system-deps
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@# pip is not upgraded on purpose: the venv's bundled pip is known good here.
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $(STAMP)

# From Debian when missing: Node.js runs the CDK (jsii) for synth and its test; Chromium is the
# browser the portal tests drive through Playwright (never a browser download of its own).
SYSTEM_PACKAGES := node:nodejs chromium:chromium
system-deps:
	@missing=""; for pair in $(SYSTEM_PACKAGES); do \
		command -v $${pair%%:*} >/dev/null || missing="$$missing $${pair##*:}"; done; \
	[ -z "$$missing" ] && exit 0; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "installing from Debian:$$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	else echo "please install these Debian packages:$$missing"; exit 1; fi

run: $(STAMP)
	$(BIN)/civicdesk run --host $(HOST) --port $(PORT) --aws-port $(AWS_PORT) --smtp-port $(SMTP_PORT) --data-dir $(DATA_DIR) --time-factor $(TIME_FACTOR)

lint: $(STAMP)
	$(BIN)/ruff check --output-format concise .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy app.py chalicelib functions infrastructure bench

# Both cores (or all a CI runner has); one worker takes a whole file, so a file's fixtures
# (a synthesized stack, a local stack) are built once.
test: lint typecheck
	$(BIN)/pytest -n auto --dist loadfile

unit: $(STAMP)
	$(BIN)/pytest tests/unit tests/contract

# The schema-driven fuzzing deeper than `make test` runs it (12 cases a route there).
FUZZ_EXAMPLES ?= 300
fuzz: $(STAMP)
	CIVICDESK_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/pytest tests/integration/test_api_fuzz.py

# A real account: `make deploy STAGE=prod PORTAL_URL=https://requests.town.gov
# MAIL_FROM=requests@town.gov ALARM_EMAIL=oncall@town.gov PROFILE=small` (README, Deploying).
# The prerequisites are checked and explained first; nothing is deployed when one is missing.
STAGE ?= dev
PROFILE ?= small
# The town's own name for the portal and API (optional); with a Route 53 zone the certificate
# validates itself and the name points at the portal.
DOMAIN ?=
HOSTED_ZONE_ID ?=
HOSTED_ZONE_NAME ?=
PORTAL_URL ?= $(if $(DOMAIN),https://$(DOMAIN),https://requests.town.example)
MAIL_FROM ?= requests@town.example
ALARM_EMAIL ?=
# The town's Amazon Connect instance: its IVR flow is deployed into it (optional).
CONNECT_INSTANCE_ARN ?=
CDK_CLI ?= npx --yes aws-cdk@2.1148.1
CDK_SETTINGS = -c stage=$(STAGE) -c profile=$(PROFILE) -c portal_url=$(PORTAL_URL) -c mail_from=$(MAIL_FROM) \
	$(if $(CONNECT_INSTANCE_ARN),-c connect_instance_arn=$(CONNECT_INSTANCE_ARN)) \
	$(if $(DOMAIN),-c domain=$(DOMAIN)) \
	$(if $(HOSTED_ZONE_ID),-c hosted_zone_id=$(HOSTED_ZONE_ID) -c hosted_zone_name=$(HOSTED_ZONE_NAME))
export JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION = 1

deploy-check: $(STAMP)
	$(BIN)/python -m infrastructure.deploy_check --stage $(STAGE) --profile $(PROFILE) \
		--portal-url $(PORTAL_URL) --mail-from $(MAIL_FROM) --alarm-email "$(ALARM_EMAIL)"

# The edge's firewall first (a stack of its own in us-east-1, where CloudFront's web ACLs
# live); the main stack reads its ARN when it is synthesized for the account.
deploy: deploy-check
	cd infrastructure && $(CDK_CLI) deploy civicdesk-$(STAGE)-edge $(CDK_SETTINGS) \
		--require-approval broadening
	cd infrastructure && $(CDK_CLI) deploy civicdesk-$(STAGE) $(CDK_SETTINGS) \
		--parameters AlarmEmail="$(ALARM_EMAIL)" --require-approval broadening

diff: deploy-check
	cd infrastructure && $(CDK_CLI) diff civicdesk-$(STAGE)-edge civicdesk-$(STAGE) $(CDK_SETTINGS)

synth: $(STAMP)
	cd infrastructure && JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION=1 ../$(BIN)/python app.py
	@echo "CloudFormation template written to infrastructure/cdk.out/"

bench: $(STAMP)
	$(BIN)/python bench/api_calls.py
	$(BIN)/python bench/cold_import.py
	$(BIN)/python bench/email_intake.py
	$(BIN)/python bench/sla_deadlines.py
	$(BIN)/python bench/sla_sweep.py
	$(BIN)/python bench/sla_waits.py
	$(BIN)/python bench/routing.py
	$(BIN)/python bench/notifications.py
	$(BIN)/python bench/ivr.py
	$(BIN)/python bench/search.py
	$(BIN)/python bench/export.py
	$(BIN)/python bench/portal.py
	$(BIN)/python bench/local_stack.py --sizes 100,1000,10000
	$(BIN)/python bench/duplicates.py --sizes 1000,100000
	$(BIN)/python bench/open311.py
	$(BIN)/python bench/fixed_cost.py
	$(BIN)/python bench/second_factor.py
	$(BIN)/python bench/retention.py --sizes 10000

# The local stack up to 100,000 requests (about an hour and a half: the seeding).
bench-town: $(STAMP)
	$(BIN)/python bench/local_stack.py --sizes 100,1000,10000,100000
	$(BIN)/python bench/duplicates.py --sizes 1000,100000,1000000
	$(BIN)/python bench/retention.py --sizes 10000,100000

# Re-run inbound mail that was dead-lettered (SHELF=quarantine|rejected also work).
# Against the running local stack by default; ENDPOINT= (empty) for the deployed account.
SHELF ?= dead-letter
ENDPOINT ?= http://127.0.0.1:$(AWS_PORT)
mail-reprocess: $(STAMP)
	$(BIN)/civicdesk mail reprocess --shelf $(SHELF) $(if $(ENDPOINT),--endpoint $(ENDPOINT))

clean:
	rm -rf $(VENV) .build chalicelib/templates chalice.out infrastructure/cdk.out infrastructure/chalice.out .pytest_cache .mypy_cache .ruff_cache

# Vendored browser libraries come from npm, checked against the registry's integrity; the
# files are committed (the portal needs no CDN and CI no npm). Run to refresh one.
LEAFLET_VERSION ?= 1.9.4
vendor-leaflet:
	@command -v npm >/dev/null || { echo "npm is required to refresh vendored libraries"; exit 1; }
	$(BIN)/python -m infrastructure.vendor leaflet $(LEAFLET_VERSION) templates/portal/vendor/leaflet
