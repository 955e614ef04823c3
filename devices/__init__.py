"""Device adapters (card reader, camera, printer) and their simulators. Qt-free.

Each device has a small interface, a real adapter and a simulator; all
hardware I/O runs on the device's own thread, never on the caller's.
"""
