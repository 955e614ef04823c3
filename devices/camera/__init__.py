"""Cameras: the OpenCV adapter and a simulator that plays images."""

from devices.camera.base import Camera, CameraState, Frame

__all__ = ["Camera", "CameraState", "Frame"]
