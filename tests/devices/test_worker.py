import threading

import pytest

from devices.worker import DeviceThread


def test_jobs_run_in_order_on_the_device_thread() -> None:
    worker = DeviceThread("test-device")
    seen: list[tuple[int, str]] = []
    futures = [
        worker.call(lambda i=i: seen.append((i, threading.current_thread().name))) for i in range(5)
    ]
    for future in futures:
        future.result(timeout=30)
    assert [i for i, _ in seen] == [0, 1, 2, 3, 4]
    assert {name for _, name in seen} == {"test-device"}
    worker.stop()


def test_a_failing_job_does_not_kill_the_thread() -> None:
    worker = DeviceThread("flaky")

    def boom() -> None:
        raise OSError("device unplugged")

    with pytest.raises(OSError, match="unplugged"):
        worker.call(boom).result(timeout=30)
    assert worker.call(lambda: 42).result(timeout=30) == 42
    worker.stop()
