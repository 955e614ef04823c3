"""The frame worker: each new frame once, on its own thread, until done or stopped."""

from __future__ import annotations

import logging
import threading
import time

import numpy as np
import pytest

from devices.camera.base import Frame
from devices.camera.frames import FrameWorker, new_frames
from devices.camera.simulator import SimulatedCamera
from tests.helpers import wait_until


class EverNewCamera:
    """A camera whose every look shows a new frame (its number is its ``seq``)."""

    def __init__(self) -> None:
        self.seq = 0
        self.image = np.zeros((4, 4, 3), np.uint8)

    def latest(self) -> Frame:
        self.seq += 1
        return Frame(self.image, self.seq, time.monotonic())


class Record:
    """What the worker's functions saw, and on which thread."""

    def __init__(self) -> None:
        self.frames: list[int] = []
        self.threads: set[str] = set()
        self.ends: list[Exception | None] = []

    def frame(self, frame: Frame) -> None:
        self.frames.append(frame.seq)
        self.threads.add(threading.current_thread().name)

    def end(self, error: Exception | None) -> None:
        self.ends.append(error)


def worker(record: Record, on_frame=None, **kwargs) -> FrameWorker:
    return FrameWorker(
        EverNewCamera(),  # type: ignore[arg-type]
        on_frame or record.frame,
        name="test-frames",
        interval_s=0.001,
        on_end=record.end,
        **kwargs,
    )


def test_frames_come_in_order_on_the_named_thread_until_the_function_is_done() -> None:
    record = Record()

    def on_frame(frame: Frame) -> bool:
        record.frame(frame)
        return len(record.frames) == 5

    frames = worker(record, on_frame)
    frames.start()
    assert frames.join(20)
    assert record.frames == sorted(set(record.frames)) and len(record.frames) == 5
    assert record.threads == {"test-frames"}
    assert record.ends == [None] and frames.stopping


def test_stop_waits_for_the_worker_and_no_frame_comes_after_it() -> None:
    record = Record()
    frames = worker(record)
    frames.start()
    assert wait_until(lambda: len(record.frames) >= 3)
    assert frames.stop(timeout_s=20) is True
    seen = len(record.frames)
    time.sleep(0.05)
    assert len(record.frames) == seen
    assert not frames.is_alive() and record.ends == [None]


def test_stop_from_inside_the_function_returns_at_once_and_ends_the_worker() -> None:
    record = Record()
    answers: list[tuple[bool, float]] = []

    def on_frame(frame: Frame) -> None:
        record.frame(frame)
        started = time.monotonic()
        answers.append((frames.stop(timeout_s=2), time.monotonic() - started))

    frames = worker(record, on_frame)
    frames.start()
    assert frames.join(20)
    [(ended, took)] = answers  # no frame after the stop
    assert ended is False and took < 1.5  # it did not wait for itself (2 s)
    assert record.frames == [record.frames[0]] and record.ends == [None]


@pytest.mark.parametrize("where", ["on_start", "on_frame"])
def test_a_function_that_raises_is_logged_and_ends_the_worker(
    where: str, caplog: pytest.LogCaptureFixture
) -> None:
    record = Record()

    def broken(*_args: object) -> None:
        raise RuntimeError("model file vanished")

    if where == "on_start":
        frames = worker(record, on_start=broken)
    else:
        frames = worker(record, broken)
    with caplog.at_level(logging.ERROR, logger="devices.camera.frames"):
        frames.start()
        assert frames.join(20)
    assert record.frames == []
    [error] = record.ends  # the owner hears why it ended
    assert isinstance(error, RuntimeError)
    [logged] = [r for r in caplog.records if r.getMessage() == "frame_worker_failed"]
    assert logged.exc_info is not None and logged.fields == {"worker": "test-frames"}


def test_a_failing_end_function_is_logged_too(caplog: pytest.LogCaptureFixture) -> None:
    def on_end(_error: Exception | None) -> None:
        raise RuntimeError("could not report")

    frames = FrameWorker(
        EverNewCamera(),  # type: ignore[arg-type]
        lambda _frame: True,
        name="test-frames",
        interval_s=0.001,
        on_end=on_end,
    )
    with caplog.at_level(logging.ERROR, logger="devices.camera.frames"):
        frames.start()
        assert frames.join(20)
    assert [r.getMessage() for r in caplog.records] == ["frame_worker_end_failed"]


def test_on_start_can_end_the_worker_before_any_frame() -> None:
    record = Record()
    frames = worker(record, on_start=lambda: True)
    frames.start()
    assert frames.join(20)
    assert record.frames == [] and record.ends == [None]


def test_a_worker_stopped_before_it_started_looks_at_nothing() -> None:
    record = Record()
    started: list[bool] = []
    frames = worker(record, on_start=lambda: started.append(True))
    assert frames.stop() is True  # nothing to wait for
    frames.start()
    assert frames.join(20)
    assert started == [] and record.frames == [] and record.ends == [None]


def test_stop_gives_up_at_its_deadline_when_a_frame_takes_too_long(
    caplog: pytest.LogCaptureFixture,
) -> None:
    record = Record()
    release = threading.Event()

    def slow(frame: Frame) -> None:
        record.frame(frame)
        release.wait(5)

    frames = worker(record, slow)
    frames.start()
    assert wait_until(lambda: record.frames)
    with caplog.at_level(logging.WARNING, logger="devices.camera.frames"):
        started = time.monotonic()
        assert frames.stop(timeout_s=0.1) is False
        assert time.monotonic() - started < 3.0  # not the 5 s the frame takes
    assert [r.getMessage() for r in caplog.records] == ["frame_worker_still_running"]
    release.set()
    assert frames.join(20)
    assert len(record.frames) == 1  # the stop was heard once the frame was done


def test_consumers_see_each_frame_at_most_once_and_stop_when_told() -> None:
    frames = [np.full((48, 64, 3), i, np.uint8) for i in range(5)]
    camera = SimulatedCamera(frames, fps=50)
    stopped = threading.Event()
    camera.start()
    try:
        seen = []
        for frame in new_frames(camera, stopped, 0.002):  # polled faster than delivered
            seen.append(frame.seq)
            if len(seen) == 8:
                stopped.set()
    finally:
        camera.stop()
    assert len(seen) == len(set(seen)) == 8  # never the same frame twice
    assert seen == sorted(seen)
