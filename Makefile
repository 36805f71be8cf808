# Set-up on a fresh machine is two commands: `make run` and `make test` (`make lint` checks the code).
# Both create .venv from a Python >= 3.12 found here and install the project into it.

VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

# The first interpreter that is Python 3.12 or newer: on PATH, then pyenv-installed.
PYTHON ?= $(shell for p in python3.14 python3.13 python3.12 python3 \
	$$HOME/.pyenv/versions/3.1[2-9]*/bin/python3 /usr/local/bin/python3.1[2-9] /usr/bin/python3.1[2-9]; do \
	  if command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then \
	    command -v $$p; break; fi; done)

.PHONY: run test lint bench package clean venv screenshots screenshots-x

venv: $(STAMP)

$(STAMP): pyproject.toml
	@if [ -z "$(PYTHON)" ]; then echo "SocketScope needs Python >= 3.12; none found (install python3.12 or newer)." >&2; exit 1; fi
	@if [ ! -x $(PY) ] || ! $(PY) -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then \
	  rm -rf $(VENV) && $(PYTHON) -m venv $(VENV); fi
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test,lint]'
	@# wscat, a real client nobody here wrote, for the interoperability test (skipped without npm), and
	@# Node's `ws` for the benchmarks' fast stream server (without it they fall back to Python processes).
	@if command -v npm >/dev/null 2>&1; then \
	  npm install --silent --no-audit --no-fund --prefix $(VENV)/node wscat@6.1.0 ws@8.23.1 \
	  || echo "wscat and ws not installed: the wscat interoperability test will be skipped" >&2; \
	else echo "npm not found: the wscat test will be skipped and the benchmarks' fast server runs in Python" >&2; fi
	@# mitmproxy, a proxy nobody here wrote, for its interoperability test: in a virtual environment of
	@# its own, as its dependency pins (cryptography among them) would hold back the project's.
	@{ [ -x $(VENV)/mitmproxy/bin/python ] || $(PYTHON) -m venv $(VENV)/mitmproxy; } \
	  && $(VENV)/mitmproxy/bin/python -m pip install --quiet mitmproxy==12.3.1 \
	  || echo "mitmproxy not installed: the mitmproxy interoperability test will be skipped" >&2
	@# amqtt (an MQTT broker) and paho-mqtt (a client) for the MQTT interoperability test: amqtt pins an
	@# older websockets than the project's, so they too get a virtual environment of their own.
	@{ [ -x $(VENV)/amqtt/bin/python ] || $(PYTHON) -m venv $(VENV)/amqtt; } \
	  && $(VENV)/amqtt/bin/python -m pip install --quiet amqtt==0.12.1 paho-mqtt==2.2.0 \
	  || echo "amqtt and paho-mqtt not installed: the MQTT interoperability test will be skipped" >&2
	@touch $(STAMP)

run: $(STAMP)
	$(PY) -m app $(ARGS)

test: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest $(PYTEST_ARGS)

# Style and imports (ruff), types (mypy: strict on app/core, app/net, app/services) and the layers
# (import-linter's contracts in pyproject.toml). Each reads its settings from pyproject.toml.
lint: $(STAMP)
	$(VENV)/bin/ruff check
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

bench: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) -m bench

# The pictures in README.md and docs/, taken from the real window offscreen.
screenshots: $(STAMP)
	for script in docs/screenshot.py docs/connections_screenshot.py docs/log_directions_screenshot.py \
	  docs/message_view_screenshots.py docs/protocol_screenshots.py; do QT_QPA_PLATFORM=offscreen $(PY) $$script || exit 1; done

# The pictures of the window as an X server shows it (docs/design.md and the feature pictures): DISPLAY must
# name a server with a 1920x1080 screen, e.g. `Xvfb :99 -screen 0 1920x1080x24 &` and DISPLAY=:99.
screenshots-x: $(STAMP)
	@test -n "$$DISPLAY" || { echo "screenshots-x needs an X server: set DISPLAY (Xvfb will do)"; exit 2; }
	for script in docs/design_screenshots.py docs/contract_screenshot.py docs/tests_dock_screenshot.py \
	  docs/statistics_screenshot.py; do QT_QPA_PLATFORM=xcb $(PY) $$script || exit 1; done

# A one-folder Linux bundle in dist/socketscope (see packaging/README.md).
package: $(STAMP)
	$(PY) -m pip install --quiet -e '.[test,package]'
	$(PY) -m PyInstaller --noconfirm --log-level WARN --distpath dist --workpath build/pyinstaller \
	  packaging/socketscope.spec
	@echo "Built dist/socketscope/socketscope"

clean:
	rm -rf $(VENV) build dist *.egg-info
