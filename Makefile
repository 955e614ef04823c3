# Two commands on a fresh Debian/Ubuntu machine:  make demo   and   make test
# Everything else is set up on the way (system packages, .venv, the project).

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

# System packages: PC/SC (pyscard builds against libpcsclite with swig), a font with full
# Vietnamese coverage, the libraries Qt needs offscreen, PDF tools for receipt checks, and
# vsmartcard's virtual reader for tests through a real pcscd; CUPS with its PDF printer
# (pycups builds against libcups), espeak-ng and sox for speech, Chromium and its driver for
# the centre's web pages, the cage compositor for the locked-down kiosk.
# "a|b" accepts either name (Ubuntu 24.04 and Debian 13 renamed some libraries to *t64).
APT_TEST := pcscd libpcsclite-dev swig pkg-config build-essential python3-venv python3-dev \
	fonts-noto-core libegl1 libgl1 libxkbcommon0 libfontconfig1 \
	"libglib2.0-0t64|libglib2.0-0" "libdbus-1-3|libdbus-1-3t64" vsmartcard-vpcd \
	cups cups-client printer-driver-cups-pdf libcups2-dev poppler-utils espeak-ng sox \
	chromium chromium-driver cage xwayland
# A real window also needs Qt's xcb platform libraries, and Xvfb when there is no display.
APT_DEMO := $(APT_TEST) xvfb xauth libxcb-cursor0 libxkbcommon-x11-0 libxcb-icccm4 \
	libxcb-keysyms1 libxcb-shape0 libxcb-xinerama0 libxcb-randr0 libxcb-render-util0 \
	libxcb-image0

define ensure_apt
	@missing=""; for alternatives in $(1); do \
	  found=""; for p in $$(echo "$$alternatives" | tr '|' ' '); do \
	    dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" && found=1; \
	  done; \
	  if [ -z "$$found" ]; then \
	    pick=""; for p in $$(echo "$$alternatives" | tr '|' ' '); do \
	      [ -z "$$pick" ] && apt-cache show $$p >/dev/null 2>&1 && pick=$$p; \
	    done; \
	    missing="$$missing $${pick:-$${alternatives%%|*}}"; \
	  fi; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "Installing system packages:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	  else \
	    echo "Missing system packages. Please run:"; \
	    echo "  sudo apt-get update && sudo apt-get install -y$$missing"; \
	    exit 1; \
	  fi; \
	fi
endef

.PHONY: demo test lint format bench tour system-test system-demo venv lock clean

system-test:
	$(call ensure_apt,$(APT_TEST))

system-demo:
	$(call ensure_apt,$(APT_DEMO))

$(STAMP): pyproject.toml requirements.lock requirements-dev.lock requirements-models.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements-dev.lock
	$(BIN)/python -m pip install -q --no-deps -r requirements-models.txt
	@# Test photos (several of one person) ship only in the face_recognition sdist: kept as
	@# the archive, read by tests/face_images.py; the package itself is never installed.
	$(BIN)/python -m pip download -q --no-deps --no-binary :all: face_recognition==1.3.0 \
	  -d $(VENV)/face-data
	@# More faces for the accuracy benchmark (insightface's t1.jpg, skimage's astronaut):
	@# the wheels are read as archives, never installed.
	$(BIN)/python -m pip download -q --no-deps --only-binary :all: insightface==2.1 \
	  scikit-image==0.26.0 -d $(VENV)/face-data
	$(BIN)/python -m pip install -q --no-deps -e .
	@touch $(STAMP)

venv: $(STAMP)

demo: system-demo venv
	@if [ -n "$$DISPLAY$$WAYLAND_DISPLAY" ]; then \
	  $(BIN)/kiosk demo; \
	else \
	  echo "No display found: starting the kiosk on a virtual X display (Xvfb)."; \
	  echo "To see it, run 'make demo' on a desktop, or 'make tour' for screenshots."; \
	  xvfb-run -a -s "-screen 0 1280x800x24" $(BIN)/kiosk demo; \
	fi

test: system-test venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	QT_QPA_PLATFORM=offscreen $(BIN)/pytest
	@# Every benchmark once with tiny sizes, so that make bench cannot break unnoticed.
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m benchmarks.run --quick

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: venv
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Five variants: both languages at 1280×800, 1080p with a citizen switching to English
# half-way, an upright kiosk with larger text, larger text with high contrast.
TOUR = QT_QPA_PLATFORM=offscreen $(BIN)/kiosk demo-tour
tour: system-test venv
	$(TOUR) --screenshots out/tour-vi --lang vi
	$(TOUR) --screenshots out/tour-en --lang en
	$(TOUR) --screenshots out/tour-1080p --size 1920x1080 --switch-language-at form-06-child_name-error
	$(TOUR) --screenshots out/tour-portrait --size 1080x1920 --large-text
	$(TOUR) --screenshots out/tour-large-contrast --large-text --high-contrast

# Run as a module from the repository root: benchmarks/ and tests/ are not installed packages.
bench: system-test venv
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m benchmarks.run

# Regenerate the pinned versions after changing dependencies in pyproject.toml:
# requirements.lock is what a kiosk runs, requirements-dev.lock adds the test tools.
lock:
	rm -rf /tmp/kiosk-lock && $(PYTHON) -m venv /tmp/kiosk-lock
	/tmp/kiosk-lock/bin/pip install -q --upgrade pip
	/tmp/kiosk-lock/bin/pip install -q .
	/tmp/kiosk-lock/bin/pip freeze --exclude vn-kiosk > requirements.lock
	/tmp/kiosk-lock/bin/pip install -q '.[dev]'
	/tmp/kiosk-lock/bin/pip freeze --exclude vn-kiosk > requirements-dev.lock
	rm -rf build

clean:
	rm -rf $(VENV) out .pytest_cache .ruff_cache
