# The two commands of the README: `make run` and `make test`. Everything else here serves them.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test install lint migrate demo worker clean

install: $(VENV)/.installed node_modules/.package-lock.json

# xstatic-bootstrap 5.3.8 ships only as an sdist whose setup.py imports pkg_resources, which the newest
# setuptools no longer has: it is built against the venv's own setuptools (<81) without build isolation.
$(VENV)/.installed: pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "Cần Python 3.11 ($(PYTHON))"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet "setuptools<81" wheel
	$(BIN)/pip install --quiet --no-build-isolation xstatic-bootstrap==5.3.8.0
	$(BIN)/pip install --quiet -e ".[test]"
	touch $@

# axe-core, which the end-to-end tests run on every main page, from npm at the version package-lock.json pins.
node_modules/.package-lock.json: package.json package-lock.json
	@command -v npm >/dev/null || { echo "Cần Node.js và npm (cho kiểm tra trợ năng axe-core)"; exit 1; }
	npm ci --no-audit --no-fund --loglevel error

migrate: install
	$(MANAGE) migrate --noinput

demo: migrate
	$(MANAGE) seed_demo --quiet-logins

# The app on http://$(HOST):$(PORT) with a real Celery worker (and its beat) on the embedded broker.
run: demo
	@mkdir -p var/log
	$(BIN)/celery -A modelphuong worker --beat --schedule var/celerybeat-schedule --queues celery,render --concurrency 2 \
		--loglevel INFO --logfile var/log/worker.log & \
	worker=$$!; trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	$(MANAGE) seed_demo; \
	echo "Celery worker: PID $$worker, log var/log/worker.log"; \
	echo "Mở http://$(HOST):$(PORT)/ và đăng nhập bằng một tài khoản ở trên."; \
	$(MANAGE) runserver $(HOST):$(PORT)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/djlint templates --lint

test: lint
	$(BIN)/pytest

clean:
	rm -rf $(VENV) var node_modules .pytest_cache .ruff_cache .hypothesis
