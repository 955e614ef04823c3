"""The kiosk refuses virtual cameras and keeps to the camera it is pinned to.

No real V4L2 device exists on the test machine (and loading v4l2loopback needs root and
a kernel module), so these tests build *fake sysfs trees* in ``tmp_path`` with the
layout the kernel uses: ``/sys/class/video4linux/videoN/{name, device -> …}``, the
device's ``driver`` and ``subsystem`` links, and for USB cameras the USB device
directory above the interface with ``idVendor``, ``idProduct``, ``serial``.  The
``/dev`` nodes do not exist, so ``VIDIOC_QUERYCAP`` is skipped exactly as when a node
cannot be opened; the capability rule is tested on a described device.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from devices.camera.base import CameraState
from devices.camera.opencv import (
    CAP_VIDEO_CAPTURE,
    CAP_VIDEO_OUTPUT,
    OpenCvCamera,
    VideoDevice,
    describe,
    list_devices,
    pin_mismatch,
    virtual_reason,
)
from tests.helpers import wait_until


class FakeSys:
    """A tiny sysfs: ``root/class/video4linux`` and ``root/devices``."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.video = root / "class" / "video4linux"
        self.video.mkdir(parents=True)
        self.drivers = root / "bus" / "drivers"
        self.dev = root / "dev"
        self.dev.mkdir()

    def _driver(self, name: str) -> Path:
        path = self.drivers / name
        path.mkdir(parents=True, exist_ok=True)
        return path

    def _subsystem(self, name: str) -> Path:
        path = self.root / "bus" / name
        path.mkdir(parents=True, exist_ok=True)
        return path

    def usb_camera(
        self,
        node: str,
        name: str = "HD Webcam C525",
        vendor: str = "046D",
        product: str = "0826",
        serial: str = "A1B2C3",
        port: str = "1-2",
    ) -> None:
        usb = self.root / "devices" / "pci0000:00" / "0000:00:14.0" / "usb1" / port
        interface = usb / f"{port}:1.0"
        interface.mkdir(parents=True)
        (usb / "idVendor").write_text(vendor + "\n")
        (usb / "idProduct").write_text(product + "\n")
        if serial:
            (usb / "serial").write_text(serial + "\n")
        os.symlink(self._driver("uvcvideo"), interface / "driver")
        os.symlink(self._subsystem("usb"), interface / "subsystem")
        self._node(node, name, interface)

    def loopback(self, node: str, name: str = "Dummy video device (0x0000)") -> None:
        device = self.root / "devices" / "platform" / "v4l2loopback.0"
        device.mkdir(parents=True, exist_ok=True)
        os.symlink(self._driver("v4l2loopback"), device / "driver")
        os.symlink(self._subsystem("platform"), device / "subsystem")
        self._node(node, name, device)

    def driverless_virtual(self, node: str, name: str = "Camera") -> None:
        """A node under /sys/devices/virtual, no driver link (as some virtual devices)."""
        entry = self.root / "devices" / "virtual" / "video4linux" / node
        entry.mkdir(parents=True)
        (entry / "name").write_text(name + "\n")
        os.symlink(entry, self.video / node)

    def _node(self, node: str, name: str, device: Path) -> None:
        entry = self.root / "devices" / "nodes" / node
        entry.mkdir(parents=True)
        (entry / "name").write_text(name + "\n")
        os.symlink(device, entry / "device")
        os.symlink(entry, self.video / node)


@pytest.fixture
def fake(tmp_path: Path) -> FakeSys:
    return FakeSys(tmp_path / "sys")


def camera(fake: FakeSys, index: int | str = 0, **kwargs: object) -> OpenCvCamera:
    return OpenCvCamera(index, reopen_s=0.05, sysfs=fake.video, dev=fake.dev, **kwargs)  # type: ignore[arg-type]


def test_a_usb_webcam_is_described_and_trusted(fake: FakeSys) -> None:
    fake.usb_camera("video0")
    device = describe("video0", fake.video, fake.dev)
    assert device.driver == "uvcvideo" and device.bus == "usb"
    assert device.usb is not None
    assert (device.usb.vendor, device.usb.product, device.usb.serial, device.usb.port) == (
        "046d",
        "0826",
        "A1B2C3",
        "1-2",
    )
    assert virtual_reason(device) is None
    assert camera(fake, 0).choose() == ("/dev/video0", None)


@pytest.mark.parametrize(
    "make,expected",
    [
        (lambda f: f.loopback("video0"), "driver v4l2loopback"),
        (lambda f: f.loopback("video0", "OBS Virtual Camera"), "driver v4l2loopback"),
        (lambda f: f.driverless_virtual("video0"), "not on a USB or PCI bus"),
        (lambda f: f.usb_camera("video0", name="OBS Virtual Camera"), "virtual camera (named"),
    ],
)
def test_a_virtual_camera_is_refused_and_the_technician_told_why(
    fake: FakeSys, make, expected: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    make(fake)
    opened: list[object] = []
    monkeypatch.setattr("devices.camera.opencv.cv2.VideoCapture", lambda *a: opened.append(a))
    cam = camera(fake, 0)
    cam.start()
    try:
        assert wait_until(lambda: cam.state() is CameraState.UNAVAILABLE)
        assert cam.problem is not None and expected in cam.problem
        assert cam.latest() is None and cam.device is None
        assert opened == []  # the device was never opened
    finally:
        cam.stop()
        cam.join()


def test_a_technician_can_allow_a_virtual_camera(fake: FakeSys) -> None:
    fake.loopback("video0")
    assert camera(fake, 0, allow_virtual=True).choose() == ("/dev/video0", None)


def test_a_node_that_captures_and_outputs_is_a_loopback() -> None:
    both = VideoDevice(
        "video4",
        "Camera",
        "uvcvideo",
        "usb",
        None,
        device_caps=CAP_VIDEO_CAPTURE | CAP_VIDEO_OUTPUT,
    )
    only_capture = VideoDevice(
        "video4", "Camera", "uvcvideo", "usb", None, device_caps=CAP_VIDEO_CAPTURE
    )
    assert "captures and outputs" in (virtual_reason(both) or "")
    assert virtual_reason(only_capture) is None


def test_the_pinned_camera_is_found_whatever_its_number(fake: FakeSys) -> None:
    fake.loopback("video0")  # an attacker's loopback took the first number
    fake.usb_camera("video2", vendor="046d", product="0826", serial="A1B2C3", port="1-4")
    assert [d.node for d in list_devices(fake.video, fake.dev)] == ["video0", "video2"]
    cam = camera(fake, 0, usb_id="046d:0826:A1B2C3", usb_port="1-4")
    assert cam.choose() == ("/dev/video2", None)


def test_another_model_or_another_port_is_not_the_pinned_camera(fake: FakeSys) -> None:
    fake.usb_camera("video0", vendor="0c45", product="6366", serial="", port="1-2")
    device = describe("video0", fake.video, fake.dev)
    assert "not the pinned camera" in (pin_mismatch(device, "046d:0826", "") or "")
    assert "pinned to 3-1" in (pin_mismatch(device, "", "3-1") or "")
    assert pin_mismatch(device, "0C45:6366", "1-2") is None
    target, problem = camera(fake, 0, usb_id="046d:0826").choose()
    assert target is None and "is not connected" in (problem or "")


def test_a_serial_that_differs_is_another_camera(fake: FakeSys) -> None:
    fake.usb_camera("video0", serial="OTHER")
    target, problem = camera(fake, usb_id="046d:0826:A1B2C3").choose()
    assert target is None and problem is not None


def test_a_malformed_pin_is_a_configuration_error(fake: FakeSys) -> None:
    with pytest.raises(ValueError):
        camera(fake, usb_id="logitech")


def test_a_video_file_is_a_recorded_feed_and_refused(fake: FakeSys, tmp_path: Path) -> None:
    target, problem = camera(fake, str(tmp_path / "clip.avi")).choose()
    assert target is None and "recorded feed" in (problem or "")
