# Two commands: `make run` and `make test`. Both go through `make setup`.
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: setup run serve test lint check lock messages clean

# The demo is loaded into an empty database only, and never with DEBUG=false (load_demo says so).
setup: $(STAMP)
	@$(PY) manage.py migrate --no-input -v 0
	@$(PY) manage.py load_demo --if-empty

# Reinstall when the pins change.
$(STAMP): requirements/base.txt requirements/dev.txt
	@test -x $(PY) || "$$(scripts/find-python)" -m venv $(VENV)
	@$(PY) -m pip install -q --disable-pip-version-check -r requirements/base.txt -r requirements/dev.txt
	@touch $(STAMP)

run: setup
	@$(PY) scripts/serve.py --host $(HOST) --port $(PORT)

# Production on one machine, settings from the environment (deploy/postdoc-office.env.example):
# migrate, then the checks, collectstatic, gunicorn and the task worker. DEBUG is off, whatever is set.
serve: $(STAMP)
	@DEBUG=false $(PY) manage.py migrate --no-input -v 0
	@DEBUG=false $(PY) scripts/serve.py --production

test: setup lint
	@$(PY) -m pytest -n auto -q $(PYTEST_ARGS)

lint: $(STAMP)
	@$(VENV)/bin/ruff check .
	@$(VENV)/bin/ruff format --check .
	@$(VENV)/bin/mypy
	@$(VENV)/bin/lint-imports --no-cache --no-logo
	@$(PY) manage.py makemigrations --check --dry-run -v 0

# Recompile the pinned requirements after editing requirements/*.in (needs uv on PATH).
lock:
	cd requirements && uv pip compile --python-version 3.12 --no-emit-index-url --quiet base.in -o base.txt
	cd requirements && uv pip compile --python-version 3.12 --no-emit-index-url --quiet dev.in -o dev.txt

# Refresh the translation catalogues after adding strings.
messages: $(STAMP)
	$(PY) manage.py makemessages -l zh_Hans -l en --ignore '.venv/*' --ignore 'bench/*'
	$(PY) manage.py compilemessages --ignore '.venv/*'

clean:
	rm -rf $(VENV) db.sqlite3 db.sqlite3-wal db.sqlite3-shm
