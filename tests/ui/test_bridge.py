import threading

from PySide6.QtCore import QThread
from PySide6.QtWidgets import QApplication

from ui.bridge import QtDispatcher


def test_calls_posted_from_any_thread_run_on_the_gui_thread(qtbot) -> None:
    dispatcher = QtDispatcher()
    ran_on: list[bool] = []
    workers = [
        threading.Thread(
            target=dispatcher.post,
            args=(
                lambda: ran_on.append(QThread.currentThread() is QApplication.instance().thread()),
            ),
        )
        for _ in range(5)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    qtbot.waitUntil(lambda: len(ran_on) == 5, timeout=10_000)
    assert all(ran_on)


def test_an_error_in_a_posted_call_goes_to_recovery(qtbot) -> None:
    dispatcher = QtDispatcher()
    errors: list[BaseException] = []
    dispatcher.on_error = errors.append

    def broken() -> None:
        raise RuntimeError("screen bug")

    threading.Thread(target=dispatcher.post, args=(broken,)).start()
    qtbot.waitUntil(lambda: len(errors) == 1, timeout=10_000)
    assert str(errors[0]) == "screen bug"
