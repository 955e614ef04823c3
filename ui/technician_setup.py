"""``kiosk setup``: technician mode on its own, on a kiosk not yet set up."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kiosk.journeys.technician import TechnicianMode
from ui.screens.technician import open_technician


def run_setup(config_path: Path, data_dir: Path, fullscreen: bool = True) -> int:
    """``kiosk setup``: technician mode on its own, for a kiosk not yet set up.

    The window behind it runs the demo's simulated devices, so the panel is the only
    user of the real reader, camera and printer it sets up.  Whoever runs this at the
    machine is taken as the technician (there is no staff directory yet).
    """
    from kiosk.runtime.config import KioskConfig, RuntimeFlags
    from kiosk.staff.roles import Role
    from ui.app import application, build_window

    app = application()
    config = KioskConfig().replace(storage={"data_dir": str(data_dir)})
    window, core, _sims, _dispatcher = build_window(config, RuntimeFlags(demo=True))
    mode = TechnicianMode(config_path, data_dir, Role.TECHNICIAN)

    def camera() -> Any:
        from devices.camera.opencv import OpenCvCamera

        # The camera the kiosk will use, its USB pin included (not just the first one found).
        chosen = OpenCvCamera.from_settings(mode.config.devices)
        chosen.start()
        return chosen

    panel = open_technician(window, mode, camera)
    panel.destroyed.connect(app.quit)
    if fullscreen:
        window.showFullScreen()
    else:
        window.show()
    panel.resize_to_parent()
    core.start()
    try:
        return app.exec()
    finally:
        core.stop()
