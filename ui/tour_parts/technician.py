"""The tour's technician walk: technician mode over the kiosk, one shot per section.

A technician is taken as signed in (the staff walk shows signing in).  The settings
file is a fresh one in the tour's data folder, so the walk is a first-run set-up: the
checks name what is missing with its remedy, the camera preview shows the demo camera
with the detector's box, enrolment shows the key's fingerprint as text and QR code.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from kiosk.journeys.technician import TechnicianMode
from kiosk.staff.roles import Role

Condition = Callable[[], bool]


def part(driver: Any) -> Iterator[Condition]:
    from ui.screens.technician import open_technician

    core = driver.core
    folder = core.context.data_dir / "technician-tour"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "kiosk.toml").write_text("")
    mode = TechnicianMode(folder / "kiosk.toml", folder, Role.TECHNICIAN)
    camera = core.devices.camera  # idle on the start screen: the preview may run it

    def start_camera() -> Any:
        camera.start()
        return camera

    panel = open_technician(driver.window, mode, start_camera)
    yield driver.settle()
    running = core.tr("tech.running")
    driver.click("tech_run_checks")
    yield lambda: panel.outputs["checks"].text() not in ("", running)
    yield driver.settle()
    driver.shot("technician-checks")

    driver.click("tech_reader")
    yield lambda: panel.outputs["reader"].text() != running
    driver.shot("technician-reader")

    driver.click("tech_camera")
    yield lambda: panel.preview.pixmap() is not None and not panel.preview.pixmap().isNull()
    yield driver.settle(300)
    driver.shot("technician-camera")

    driver.click("tech_printer")
    yield lambda: panel.outputs["printer"].text() != running
    driver.shot("technician-printer")

    driver.click("tech_voice")  # a fresh file: speech off (the simulator), said plainly
    yield driver.settle()
    driver.click("tech_voice_test")
    yield lambda: panel.outputs["voice"].text() not in ("", running)
    driver.shot("technician-voice")

    driver.click("tech_centre")
    yield driver.settle()
    panel.url.setText("https://dichvucong.example.vn")
    panel.kiosk_id.setText(f"{core.config.centre.unit_code}-K05")
    driver.click("tech_save_centre")
    driver.click("tech_enrol")
    yield driver.settle()
    driver.shot("technician-centre")

    driver.click("tech_face")
    yield driver.settle()
    driver.shot("technician-face")

    driver.click("tech_logs")
    yield driver.settle()
    driver.shot("technician-logs")

    driver.click("tech_exit")  # the panel is deleted: back on the start screen
    yield driver.settle()
