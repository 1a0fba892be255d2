# kupang: `make run` starts the office app, `make test` runs every test.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app app
HTMX := static/vendor/htmx.min.js
VOICE := static/voice/manifest.json
DEMO_RESIDENTS ?= 8000
# The PostgreSQL half of the suite runs whenever this server answers (make test says which it is).
KUPANG_TEST_POSTGRES_URL ?= postgresql://postgres@127.0.0.1:5432/test
export KUPANG_TEST_POSTGRES_URL

.PHONY: run setup test test-setup pytest lint bench mutation clean-venv update bundle install-service from-bundle

# `make run BUNDLE=kupang-bundle.tar.gz` installs everything from the offline bundle first (no network).
run: $(if $(BUNDLE),from-bundle) setup
	$(FLASK) init-db
	$(FLASK) seed-demo --if-empty --residents $(DEMO_RESIDENTS)
	@echo
	@echo "kupang berjalan di http://$${KUPANG_BIND:-0.0.0.0:8000}/  (dari komputer lain: http://<alamat-IP-komputer-ini>:$${KUPANG_BIND##*:}/)"
	@echo "Masuk dengan akun contoh di atas, mis. admin / Kupang-Demo-2026. Tekan Ctrl+C untuk berhenti."
	exec $(BIN)/gunicorn -c gunicorn.conf.py app:app

setup: $(VENV)/.installed $(HTMX) $(VOICE)

$(VENV)/.installed: requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --disable-pip-version-check -q -r requirements.txt
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.txt
	$(BIN)/pip install --disable-pip-version-check -q -r requirements-dev.txt
	touch $@

$(HTMX): package.json package-lock.json
	@command -v npm >/dev/null || { echo "npm tidak ditemukan: pasang Node.js (apt-get install nodejs npm)"; exit 1; }
	npm ci --no-audit --no-fund --ignore-scripts --silent
	mkdir -p static/vendor
	cp node_modules/htmx.org/dist/htmx.min.js $@

# The display's offline Indonesian voice: espeak-ng clips and a chime (not committed).
$(VOICE): scripts/render_voice.py kupang/queue/speech.py $(VENV)/.installed
	$(BIN)/python scripts/render_voice.py

test-setup: setup $(VENV)/.installed-dev
	@bash scripts/ensure-chromium.sh

test: test-setup
	$(BIN)/ruff check .
	@$(MAKE) --no-print-directory pytest

# The suite alone (make test = setup + lint + this). The Makefile selects no tests of its own, so
# pytest's exit 5 ("no tests collected") means PYTEST_ARGS matched nothing: a failure, not a pass.
pytest:
	@$(BIN)/python -m tests.skip_policy || true
	@$(BIN)/python -m pytest $(PYTEST_ARGS); status=$$?; \
	if [ $$status -eq 5 ]; then echo "pytest tidak menemukan satu tes pun (kode 5): periksa PYTEST_ARGS." >&2; fi; \
	exit $$status

# Mutation testing of the rule modules ([tool.mutmut] in pyproject.toml); prints a table. Not part of test.
mutation: test-setup
	$(BIN)/python scripts/mutation.py $(MUTATION_ARGS)

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .

bench: test-setup
	$(BIN)/python bench/run_all.py $(BENCH_ARGS)

from-bundle:
	bash deploy/from-bundle.sh "$(BUNDLE)"

# Operations (see README "Running an office machine").
update: $(VENV)/.installed
	$(BIN)/python -m kupang.ops.update $(UPDATE_ARGS)

bundle: setup
	$(BIN)/python deploy/bundle.py $(BUNDLE_ARGS)

install-service: setup
	bash deploy/install-service.sh $(INSTALL_ARGS)

clean-venv:
	rm -rf $(VENV) node_modules static/vendor
