# Two commands on a fresh clone: `make run` and `make test`.
# Both use one venv (.venv): `make run` installs Kettle and its runtime dependencies only
# (about 40 MB); `make test` adds the test extra (linters, browser driver, peers) to it.
# Each install reruns only when pyproject.toml changes (the stamp files track it).

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
RUNTIME := $(VENV)/.runtime
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: test-py313 run test lint types pytest compat-jinja compat-werkzeug compat-flask compat-extensions compat-autobahn bench-templates bench-server bench-app bench-realtime bench-gate bench-tfb bench-workers bench-deps system-deps fuzz soak clean

$(RUNTIME): pyproject.toml setup.py
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e .
	touch $(RUNTIME)

$(STAMP): $(RUNTIME)
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $(STAMP)

run: $(RUNTIME)
	$(BIN)/python -m examples.serve_demo --host $(HOST) --port $(PORT)

# Debian packages the browser, Redis and load tests need; installed only when missing.
system-deps:
	@missing=""; \
	test -x /usr/bin/chromium || missing="$$missing chromium"; \
	command -v redis-server >/dev/null || missing="$$missing redis-server"; \
	command -v wrk >/dev/null || missing="$$missing wrk"; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi

lint: $(STAMP)
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .

types: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP) system-deps
	$(BIN)/pytest -q

compat-jinja: $(STAMP)
	$(BIN)/python compat/jinja/run

# Werkzeug 3.1.9's own suite on kettle.compat; fails on a test that fails and is not in
# compat/werkzeug/known-failures.txt (use `compat/werkzeug/run --strict` for all of them).
compat-werkzeug: $(STAMP)
	$(BIN)/python compat/werkzeug/run

compat-autobahn: $(STAMP)
	$(BIN)/python compat/autobahn/run

# Flask 3.1.3's own suite with kettle.compat active (flask, werkzeug, jinja2 -> Kettle),
# then again with the test client calling the app through kettle.server's direct entry.
compat-flask: $(STAMP)
	$(BIN)/python compat/flask/run
	$(BIN)/python compat/flask/run --direct

# Ten Flask extensions' own suites on Flask and on Kettle (kettle.compat), in a venv of
# their own under compat/extensions/.cache; fails on a regression not in known-failures.txt.
compat-extensions: $(STAMP) system-deps
	$(BIN)/python compat/extensions/run

test: lint types compat-autobahn compat-jinja compat-werkzeug compat-flask compat-extensions pytest

# Python 3.13, not part of `make test` (CI time): builds CPython 3.13 once from Debian
# trixie's python3.13 source package into /opt/python3.13 (tools/build_python313.sh, under
# nice), then runs the whole pytest suite and Jinja2's suite in a 3.13 venv (.venv313).
PY313 ?= /opt/python3.13/bin/python3.13
VENV313 := .venv313
$(VENV313)/.installed: pyproject.toml
	tools/build_python313.sh
	test -x $(VENV313)/bin/python || $(PY313) -m venv $(VENV313)
	$(VENV313)/bin/python -m pip install -q --upgrade pip
	$(VENV313)/bin/python -m pip install -q -e '.[test]'
	touch $@

test-py313: $(VENV313)/.installed system-deps
	$(VENV313)/bin/python --version
	$(VENV313)/bin/pytest -q
	$(VENV313)/bin/python compat/jinja/run

bench-templates: $(STAMP)
	$(BIN)/python bench/templates.py

bench-server: $(STAMP) system-deps
	$(BIN)/python bench/server.py

bench-app: $(STAMP) system-deps
	$(BIN)/python bench/app.py

bench-realtime: $(STAMP) system-deps
	$(BIN)/python bench/realtime.py

bench-gate: $(STAMP) system-deps
	$(BIN)/python bench/gate.py
	$(BIN)/python bench/gate.py --hog

# The TechEmpower-style peers (bench/requirements.txt); bjoern builds against libev.
bench-deps: $(STAMP) system-deps
	@dpkg -s libev-dev >/dev/null 2>&1 || { SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq libev-dev; }
	$(BIN)/python -m pip install -q -r bench/requirements.txt

bench-tfb: bench-deps
	$(BIN)/python bench/tfb.py --mode single

bench-workers: bench-deps
	$(BIN)/python bench/tfb.py --mode workers --routes plaintext,json,fortunes,queries

# Longer fuzzing than make test's short run: hypothesis on every target, then atheris
# (coverage-guided) on each when installed. FUZZ_EXAMPLES / ATHERIS_RUNS set the length.
FUZZ_EXAMPLES ?= 20000
ATHERIS_RUNS ?= 200000
fuzz: $(STAMP)
	$(BIN)/python -m fuzz.run --examples $(FUZZ_EXAMPLES)
	for target in request template form headers cookie ws-handshake ws-frames; do \
		$(BIN)/python fuzz/atheris_fuzz.py $$target -runs=$(ATHERIS_RUNS) \
			-artifact_prefix=/tmp/kettle-fuzz- -print_final_stats=1 || exit 1; \
	done

# Soak: SOAK_SECONDS of mixed traffic at saturation, then SIGTERM under load.
SOAK_SECONDS ?= 600
soak: $(STAMP)
	$(BIN)/python bench/soak.py --duration $(SOAK_SECONDS)

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
