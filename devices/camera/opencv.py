"""The real camera: ``cv2.VideoCapture`` on its own thread, on a device the kiosk trusts.

The capture thread reads as fast as the camera delivers and keeps only the
newest frame.  If the camera stops delivering (unplugged, taken by another
program), the state becomes UNAVAILABLE and the thread tries to reopen it
every ``reopen_s`` seconds.

An unattended kiosk's easiest liveness attack is a faked feed: a *virtual* camera
(v4l2loopback, OBS's virtual camera, akvcam, the kernel's test drivers) that plays a
recorded video to every program.  Before a device is opened it is looked up in sysfs
(``/sys/class/video4linux/videoN``: its name, the kernel driver behind it, the bus it
hangs on) and, when the node can be opened, asked ``VIDIOC_QUERYCAP`` (its driver, card
and bus names, its capabilities).  It is refused, with the reason in
:attr:`OpenCvCamera.problem` and the technician's log, when:

- its driver is a known virtual or test driver, or its names say so;
- it is not on a USB or PCI bus (virtual devices hang under ``/sys/devices/virtual`` or
  a ``platform`` bus of their own);
- one node both captures and outputs video (a loopback or memory-to-memory device);

unless ``allow_virtual`` (``devices.camera_allow_virtual``, for demos and tests).

A kiosk can also pin its camera by USB identity (``devices.camera_usb_id``:
``vendor:product`` and optionally ``:serial``; ``devices.camera_usb_port``: the bus
path such as ``1-2.3``): the device is then found by that identity, whatever its
``/dev/videoN`` number, and nothing else is opened.  A camera swapped for another
model, or moved to another port, stays unavailable until a technician changes the
setting.  A video file or stream URL (tests, IP cameras) is a replayed feed by nature:
it is refused unless ``allow_virtual``.
"""

from __future__ import annotations

import fcntl
import logging
import os
import re
import struct
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2

from devices.camera.base import CameraState, CaptureThreadCamera, Frame

log = logging.getLogger(__name__)

SYSFS_VIDEO = Path("/sys/class/video4linux")
DEV = Path("/dev")

VIRTUAL_DRIVERS = frozenset(
    {"v4l2loopback", "v4l2 loopback", "akvcam", "vivid", "vimc", "vim2m", "vicodec", "visl"}
)
"""Kernel drivers of virtual or test video devices (sysfs module name or querycap driver)."""

VIRTUAL_NAME = re.compile(
    r"loopback|virtual|dummy|obs[ -]?cam|akvcam|vivid|vimc|fake|droidcam|snap camera|manycam",
    re.IGNORECASE,
)
"""Words in a device's name that virtual cameras use ("OBS Virtual Camera", "Dummy video
device (0x0000)", "v4l2loopback", "DroidCam", ...)."""

# linux/videodev2.h: struct v4l2_capability is 16 + 32 + 32 bytes of names, then version,
# capabilities, device_caps and 3 reserved u32: 104 bytes; VIDIOC_QUERYCAP = _IOR('V', 0,
# struct v4l2_capability).
VIDIOC_QUERYCAP = 0x80685600
CAPABILITY = struct.Struct("16s32s32sIII12x")
CAP_VIDEO_CAPTURE = 0x00000001
CAP_VIDEO_OUTPUT = 0x00000002
CAP_VIDEO_M2M = 0x00008000
CAP_VIDEO_M2M_MPLANE = 0x00004000
CAP_DEVICE_CAPS = 0x80000000

USB_ID = re.compile(r"^([0-9a-fA-F]{4}):([0-9a-fA-F]{4})(?::(.+))?$")


@dataclass(frozen=True)
class UsbIdentity:
    vendor: str  # 4 hex digits, lower case
    product: str
    serial: str  # "" when the device has none
    port: str  # bus path, e.g. "1-2.3"

    def text(self) -> str:
        serial = f":{self.serial}" if self.serial else ""
        return f"{self.vendor}:{self.product}{serial} on port {self.port}"


@dataclass(frozen=True)
class VideoDevice:
    """What sysfs and ``VIDIOC_QUERYCAP`` say about one ``/dev/videoN`` node."""

    node: str  # "video0"
    name: str  # sysfs name (the card)
    driver: str  # kernel driver bound to the device ("" if unknown)
    bus: str  # "usb", "pci", "platform", "virtual", ... ("" if unknown)
    usb: UsbIdentity | None
    cap_driver: str = ""  # from VIDIOC_QUERYCAP, when the node could be opened
    cap_card: str = ""
    cap_bus_info: str = ""
    device_caps: int | None = None

    @property
    def path(self) -> str:
        return f"/dev/{self.node}"


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace").strip()
    except OSError:
        return ""


def _usb_identity(device_dir: Path) -> UsbIdentity | None:
    """The USB device (``idVendor`` etc.) above a video interface directory, if any."""
    for candidate in (device_dir, *device_dir.parents):
        vendor = _read(candidate / "idVendor")
        if vendor:
            return UsbIdentity(
                vendor.lower(),
                _read(candidate / "idProduct").lower(),
                _read(candidate / "serial"),
                candidate.name,
            )
        if candidate.name in ("devices", "sys", "") or candidate == candidate.parent:
            break
    return None


def _bus(device_dir: Path) -> str:
    """The bus a device hangs on, from its resolved sysfs path."""
    parts = device_dir.parts
    if "virtual" in parts:
        return "virtual"
    subsystem = device_dir / "subsystem"
    if subsystem.exists():
        name = Path(os.path.realpath(subsystem)).name
        if name == "usb" or any(re.fullmatch(r"usb\d+", p) for p in parts):
            return "usb"
        return name
    if any(re.fullmatch(r"usb\d+", p) for p in parts):
        return "usb"
    if "platform" in parts:
        return "platform"
    if any(p.startswith("pci") for p in parts):
        return "pci"
    return ""


def query_capabilities(dev_path: Path) -> tuple[str, str, str, int] | None:
    """(driver, card, bus_info, device_caps) by ``VIDIOC_QUERYCAP``; ``None`` if unavailable."""
    try:
        fd = os.open(dev_path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError:
        return None
    try:
        buffer = bytearray(CAPABILITY.size)
        fcntl.ioctl(fd, VIDIOC_QUERYCAP, buffer)
    except OSError:
        return None
    finally:
        os.close(fd)
    driver, card, bus_info, _version, capabilities, device_caps = CAPABILITY.unpack(buffer)

    def text(raw: bytes) -> str:
        return raw.split(b"\0", 1)[0].decode("utf-8", "replace")

    caps = device_caps if capabilities & CAP_DEVICE_CAPS else capabilities
    return text(driver), text(card), text(bus_info), caps


def describe(node: str, sysfs: Path = SYSFS_VIDEO, dev: Path = DEV) -> VideoDevice:
    """What the system says about ``node`` (``video0``); no frame is read."""
    entry = sysfs / node
    device_link = entry / "device"
    device_dir = Path(os.path.realpath(device_link)) if device_link.exists() else Path()
    driver_link = device_link / "driver"
    driver = Path(os.path.realpath(driver_link)).name if driver_link.exists() else ""
    caps = query_capabilities(dev / node)
    return VideoDevice(
        node=node,
        name=_read(entry / "name"),
        driver=driver,
        bus=_bus(device_dir) if device_link.exists() else "virtual",
        usb=_usb_identity(device_dir) if device_link.exists() else None,
        cap_driver=caps[0] if caps else "",
        cap_card=caps[1] if caps else "",
        cap_bus_info=caps[2] if caps else "",
        device_caps=caps[3] if caps else None,
    )


def list_devices(sysfs: Path = SYSFS_VIDEO, dev: Path = DEV) -> list[VideoDevice]:
    """Every ``videoN`` node sysfs knows, in number order."""
    if not sysfs.is_dir():
        return []
    nodes = [p.name for p in sysfs.iterdir() if re.fullmatch(r"video\d+", p.name)]
    return [describe(n, sysfs, dev) for n in sorted(nodes, key=lambda n: int(n[5:]))]


def virtual_reason(device: VideoDevice) -> str | None:
    """Why ``device`` looks virtual (a technician's sentence), or ``None``."""
    for driver in (device.driver, device.cap_driver):
        if driver and driver.lower() in VIRTUAL_DRIVERS:
            return f"{device.path} is a virtual camera (driver {driver})"
    for name in (device.name, device.cap_card, device.cap_bus_info):
        if name and VIRTUAL_NAME.search(name):
            return f"{device.path} is a virtual camera (named {name!r})"
    if device.bus not in ("usb", "pci"):
        return f"{device.path} is not on a USB or PCI bus ({device.bus or 'no bus'})"
    caps = device.device_caps
    if caps is not None:
        if caps & (CAP_VIDEO_M2M | CAP_VIDEO_M2M_MPLANE) or (
            caps & CAP_VIDEO_CAPTURE and caps & CAP_VIDEO_OUTPUT
        ):
            return f"{device.path} both captures and outputs video (a loopback device)"
    return None


def parse_usb_id(text: str) -> tuple[str, str, str] | None:
    """``"046d:0825"`` or ``"046d:0825:ABC123"`` as (vendor, product, serial); None if empty."""
    if not text:
        return None
    match = USB_ID.fullmatch(text.strip())
    if match is None:
        raise ValueError(f"{text!r} is not vendor:product[:serial] (hex, e.g. 046d:0825)")
    return match.group(1).lower(), match.group(2).lower(), match.group(3) or ""


def pin_mismatch(device: VideoDevice, usb_id: str, usb_port: str) -> str | None:
    """Why ``device`` is not the pinned camera, or ``None`` (also when nothing is pinned)."""
    wanted = parse_usb_id(usb_id)
    if wanted is None and not usb_port:
        return None
    usb = device.usb
    if usb is None:
        return f"{device.path} is not a USB device, and the camera is pinned by USB identity"
    if wanted is not None:
        vendor, product, serial = wanted
        if (usb.vendor, usb.product) != (vendor, product) or (serial and usb.serial != serial):
            return f"{device.path} is {usb.text()}, not the pinned camera {usb_id}"
    if usb_port and usb.port != usb_port:
        return f"{device.path} is on USB port {usb.port}, the camera is pinned to {usb_port}"
    return None


def is_capture(device: VideoDevice) -> bool:
    """A node that captures video (a UVC camera also has a metadata node that does not)."""
    return device.device_caps is None or bool(device.device_caps & CAP_VIDEO_CAPTURE)


class OpenCvCamera(CaptureThreadCamera):
    def __init__(
        self,
        index: int | str = 0,
        width: int = 640,
        height: int = 480,
        reopen_s: float = 2.0,
        *,
        allow_virtual: bool = False,
        usb_id: str = "",
        usb_port: str = "",
        sysfs: Path = SYSFS_VIDEO,
        dev: Path = DEV,
    ) -> None:
        """``index``: a camera number or ``/dev/videoN``, or a video file or stream URL
        (tests, IP cameras: refused unless ``allow_virtual``).  ``usb_id``/``usb_port``
        pin the camera (then ``index`` is ignored); ``sysfs``/``dev`` are for tests."""
        super().__init__()
        parse_usb_id(usb_id)  # a malformed pin is a configuration error, said at once
        self.index = index
        self.width = width
        self.height = height
        self.reopen_s = reopen_s
        self.allow_virtual = allow_virtual
        self.usb_id = usb_id
        self.usb_port = usb_port
        self.sysfs = sysfs
        self.dev = dev
        self.problem: str | None = None  # why the camera was refused (technician's text)
        self.device: VideoDevice | None = None  # the device in use, once trusted

    @classmethod
    def from_settings(cls, settings: Any) -> OpenCvCamera:
        """The camera the kiosk's ``devices`` settings name (the kiosk and the doctor's
        check open the same one)."""
        return cls(
            settings.camera_index,
            settings.camera_width,
            settings.camera_height,
            allow_virtual=settings.camera_allow_virtual,
            usb_id=settings.camera_usb_id,
            usb_port=settings.camera_usb_port,
        )

    def _set_state(self, state: CameraState, stopped: threading.Event | None = None) -> None:
        if state is not self._state:
            log.info("camera_state", extra={"fields": {"state": state.value}})
        super()._set_state(state, stopped)

    def choose(self) -> tuple[int | str | None, str | None]:
        """(what to open, why not): the trusted device, or ``None`` and the refusal."""
        if self.usb_id or self.usb_port:
            devices = [d for d in list_devices(self.sysfs, self.dev) if is_capture(d)]
            pinned = [d for d in devices if pin_mismatch(d, self.usb_id, self.usb_port) is None]
            if not pinned:
                wanted = " ".join(x for x in (self.usb_id, self.usb_port) if x)
                return None, f"the pinned camera ({wanted}) is not connected"
            device = pinned[0]
        else:
            node = _node_name(self.index)
            if node is None:
                if self.allow_virtual:
                    return self.index, None
                return None, (
                    f"{self.index!r} is a file or stream, not a camera: a recorded feed "
                    "(devices.camera_allow_virtual allows it for tests)"
                )
            device = describe(node, self.sysfs, self.dev)
        reason = None if self.allow_virtual else virtual_reason(device)
        if reason is not None:
            return None, reason
        self.device = device
        return device.path, None

    def _open(self) -> cv2.VideoCapture | None:
        target, problem = self.choose()
        if problem is not None or target is None:
            if problem != self.problem:
                log.warning("camera_refused", extra={"fields": {"reason": problem}})
            self.problem = problem
            return None
        self.problem = None
        if isinstance(target, str) and target.startswith("/dev/video"):
            capture = cv2.VideoCapture(target, cv2.CAP_V4L2)
        else:
            capture = cv2.VideoCapture(target)
        if not capture.isOpened():
            capture.release()
            return None
        capture.set(cv2.CAP_PROP_FRAME_WIDTH, self.width)
        capture.set(cv2.CAP_PROP_FRAME_HEIGHT, self.height)
        capture.set(cv2.CAP_PROP_BUFFERSIZE, 1)
        return capture

    def _capture(self, stopped: threading.Event) -> None:
        capture = None
        failures = 0
        try:
            while not stopped.is_set():
                if capture is None:
                    capture = self._open()
                    if capture is None:
                        self._set_state(CameraState.UNAVAILABLE, stopped)
                        stopped.wait(self.reopen_s)
                        continue
                ok, image = capture.read()
                if not ok or image is None:
                    failures += 1
                    if failures >= 10:
                        # Unplugged or taken by another program: say so, then try again.
                        capture.release()
                        capture = None
                        failures = 0
                        self._slot.clear()
                        self._set_state(CameraState.UNAVAILABLE, stopped)
                    continue
                failures = 0
                self._slot.put(image, stopped)
                self._set_state(CameraState.RUNNING, stopped)
        finally:
            if capture is not None:
                capture.release()


def _node_name(index: int | str) -> str | None:
    """``video3`` for 3 or ``/dev/video3``; ``None`` for a file or URL."""
    if isinstance(index, int):
        return f"video{index}"
    match = re.fullmatch(r"/dev/(video\d+)", index)
    return match.group(1) if match else None


__all__ = ["Frame", "OpenCvCamera", "VideoDevice", "describe", "list_devices", "virtual_reason"]
