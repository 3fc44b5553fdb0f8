"""Pilot tests of the app under faults: an unhandled error saves the work and exits 1, a
file action that fails is a notice, a preset is read off the UI's thread, a worker that
stops answering is reported, and ctrl+c says how to quit."""

from __future__ import annotations

import csv
import os
import signal
import threading
import time

import numpy as np
import pytest
from app_pilot import SIZE, make_app, notices, on_top, ready, settle, wait_until
from backprop_tui.core.config.presets import load
from backprop_tui.tui.app import BackpropApp
from backprop_tui.tui.recovery import CrashGuard
from backprop_tui.tui.screens.dialogs import PathDialog
from backprop_tui.tui.screens.help import HelpScreen
from backprop_tui.tui.widgets import ViewContext
from backprop_tui.tui.widgets.status_bar import StatusBar
from textual import events
from textual.pilot import Pilot
from textual.widgets import Input


async def open_path_dialog(pilot: Pilot, key: str, text: str) -> None:
    """Press `key`, put `text` in its path dialog (pasted, as a long path would be) and
    submit it."""
    await pilot.press(key)
    dialog = await on_top(pilot, PathDialog)
    field = dialog.query_one("#dialog-input", Input)
    field.focus()
    await pilot.press("home", "ctrl+k")
    field.post_message(events.Paste(text))
    await wait_until(pilot, lambda: field.value == text, "the pasted path")
    await pilot.press("enter")


def alert(app) -> str:
    return app.query_one(StatusBar).alert_text or ""


# -- an unhandled error ------------------------------------------------------------------


def break_precision_key(monkeypatch) -> None:
    """A bug behind a key: `.` (the layer tables' precision) raises."""

    def broken(self) -> None:
        raise RuntimeError("a bug behind a key")

    monkeypatch.setattr(BackpropApp, "action_precision", broken)


async def test_an_unhandled_error_saves_the_weights_and_history_then_exits_with_code_1(
    tmp_path, monkeypatch
) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    break_precision_key(monkeypatch)
    app = make_app("seed-toy")
    guard = CrashGuard(app)
    with pytest.raises(RuntimeError, match="a bug behind a key"):
        async with app.run_test(size=SIZE) as pilot:
            await ready(pilot)
            for step in (1, 2, 3):
                await pilot.press("n")
                await ready(pilot, step)
            shown = app.snapshot
            await pilot.press("full_stop")
            await wait_until(pilot, lambda: app.return_code == 1, "the app to give up")
    assert app.return_code == 1
    weights, history, log = (
        tmp_path / "backprop-tui" / path.name for path in (*guard.saved, guard.log)
    )
    # The preset with the weights of the newest snapshot, bit for bit.
    saved = load(weights)
    for got, want in zip(saved.weights, shown.W, strict=True):
        np.testing.assert_array_equal(np.array(got), want)
    assert saved.sizes == load("seed-toy").sizes
    with history.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [row["epoch"] for row in rows] == [str(r.epoch) for r in shown.history]
    assert "RuntimeError: a bug behind a key" in log.read_text()
    # One line, naming the error, the saved files and the log, without the traceback.
    message = guard.message
    assert "\n" not in message
    assert message.startswith("backprop-tui: internal error: RuntimeError: a bug behind a key")
    for path in (weights, history, log):
        assert str(path) in message
    assert "Traceback" not in message


async def test_without_a_preset_loaded_the_crash_message_still_names_the_log(
    tmp_path, monkeypatch
) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    app = make_app(None, screen="graph", expression="w * x")
    guard = CrashGuard(app)

    def boom() -> None:
        raise ValueError("a bug in the graph view")

    with pytest.raises(ValueError):
        async with app.run_test(size=SIZE) as pilot:
            app.call_later(boom)
            await wait_until(pilot, lambda: app.return_code == 1, "the app to give up")
    assert app.return_code == 1
    assert guard.saved == []
    assert guard.log is not None and guard.log.parent == tmp_path / "state" / "backprop-tui"
    assert "your work" not in guard.message
    assert str(guard.log) in guard.message


async def test_a_bug_while_a_preset_is_read_is_reported_as_that_bug(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    original = ViewContext.from_preset

    def buggy(cls, preset):
        if preset.key == "moons":
            raise KeyError("a bug in the reader")
        return original(preset)

    monkeypatch.setattr(ViewContext, "from_preset", classmethod(buggy))
    app = make_app("seed-toy")
    guard = CrashGuard(app)
    with pytest.raises(Exception, match="a bug in the reader"):
        async with app.run_test(size=SIZE) as pilot:
            await ready(pilot)
            app.load_preset("moons")
            await wait_until(pilot, lambda: app.return_code == 1, "the app to give up")
    assert "internal error: KeyError: 'a bug in the reader'" in guard.message
    assert len(guard.saved) == 2  # seed-toy's work, all there was


def test_the_state_folder_falls_back_to_the_temp_folder_when_it_cannot_be_made(
    tmp_path, monkeypatch
) -> None:
    from backprop_tui.tui import recovery

    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setenv("XDG_STATE_HOME", str(blocker))  # a file, not a folder
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr(recovery.tempfile, "tempdir", None)
    assert recovery.state_folder() == tmp_path
    monkeypatch.setenv("XDG_STATE_HOME", "relative/state")  # ignored, as XDG says
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert recovery.state_folder() == tmp_path / "home" / ".local" / "state" / "backprop-tui"


# -- file actions that fail are notices --------------------------------------------------


@pytest.mark.parametrize("key", ["ctrl+s", "x"])
async def test_a_file_name_over_255_bytes_is_a_notice_and_the_app_goes_on(key, tmp_path) -> None:
    app = make_app("seed-toy")
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await open_path_dialog(pilot, key, str(tmp_path / ("w" * 300 + ".toml")))
        await wait_until(pilot, lambda: notices(app, "error"), "the error notice")
        assert "File name too long" in notices(app, "error")[-1]
        await wait_until(pilot, lambda: app.screen is app.screen_stack[0], "the dashboard")
        await pilot.press("n")
        await ready(pilot, 1)


async def test_a_toml_nested_5000_deep_is_a_notice_and_the_app_goes_on(tmp_path) -> None:
    path = tmp_path / "deep.toml"
    path.write_text("a = " + "[" * 5000 + "]" * 5000 + "\n")
    app = make_app("seed-toy")
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await open_path_dialog(pilot, "o", str(path))
        await wait_until(pilot, lambda: notices(app, "error"), "the error notice")
        assert "nested too deep" in notices(app, "error")[-1]
        await pilot.press("n")
        await ready(pilot, 1)
        assert app.preset.key == "seed-toy"


async def test_opening_a_fifo_is_a_notice_and_q_still_quits(tmp_path) -> None:
    fifo = tmp_path / "pipe.toml"
    os.mkfifo(fifo)
    app = make_app("seed-toy")
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await open_path_dialog(pilot, "o", str(fifo))
        await wait_until(pilot, lambda: notices(app, "error"), "the error notice")
        assert "not a regular file" in notices(app, "error")[-1]
        assert alert(app) == ""
        await pilot.press("q")
    assert app.return_code == 0


async def test_a_preset_too_big_for_memory_is_a_notice_and_the_app_goes_on(monkeypatch) -> None:
    original = ViewContext.from_preset

    def hungry(cls, preset):
        if preset.key == "moons":
            raise MemoryError
        return original(preset)

    monkeypatch.setattr(ViewContext, "from_preset", classmethod(hungry))
    app = make_app("seed-toy")
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await app.load_preset("moons").wait()
        assert notices(app, "error") == ["not enough memory to read it"]
        assert alert(app) == ""
        await pilot.press("n")
        await ready(pilot, 1)
        assert app.preset.key == "seed-toy"


# -- presets are read off the UI's thread ------------------------------------------------


async def test_a_key_is_answered_while_a_preset_is_read(monkeypatch) -> None:
    reading, release, finished = threading.Event(), threading.Event(), threading.Event()
    original = ViewContext.from_preset

    def slow(cls, preset):
        if preset.key == "moons":
            reading.set()
            release.wait(timeout=15)
            finished.set()
        return original(preset)

    monkeypatch.setattr(ViewContext, "from_preset", classmethod(slow))
    app = make_app("seed-toy")
    try:
        async with app.run_test(size=SIZE) as pilot:
            await ready(pilot)
            await open_path_dialog(pilot, "o", "moons")
            await wait_until(pilot, reading.is_set, "the read to start")
            assert "loading moons…" in alert(app)
            await pilot.press("question_mark")
            await on_top(pilot, HelpScreen)
            assert not finished.is_set()  # answered while the read was still waiting
            release.set()
            await pilot.press("escape")
            await wait_until(pilot, lambda: app.preset.key == "moons", "moons")
            await ready(pilot)
            assert alert(app) == ""
    finally:
        release.set()


async def test_a_newer_load_wins_over_one_still_being_read(monkeypatch) -> None:
    release = threading.Event()
    original = ViewContext.from_preset

    def slow(cls, preset):
        if preset.key == "moons":
            release.wait(timeout=15)
        return original(preset)

    monkeypatch.setattr(ViewContext, "from_preset", classmethod(slow))
    app = make_app("seed-toy")
    try:
        async with app.run_test(size=SIZE) as pilot:
            await ready(pilot)
            app.load_preset("moons")
            await wait_until(pilot, lambda: "moons" in alert(app), "the first load")
            await app.load_preset("xor").wait()
            await wait_until(pilot, lambda: app.preset.key == "xor", "xor")
            release.set()
            await ready(pilot)
            await pilot.press("n")
            await ready(pilot, 1)
            assert app.preset.key == "xor"
            assert alert(app) == ""
    finally:
        release.set()


# -- a worker that does not answer -------------------------------------------------------


async def test_a_stopped_worker_is_reported_and_keys_are_counted_not_queued() -> None:
    app = make_app("xor", process=True)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        pid = app.controller.pid
        os.kill(pid, signal.SIGSTOP)
        try:
            await pilot.press("n")
            await wait_until(pilot, lambda: "has not answered" in alert(app), "the alert")
            assert "1 command waiting" in alert(app)
            assert any("has not answered" in note for note in notices(app, "warning"))
            for _ in range(3):
                await pilot.press("n")
            assert "3 keys ignored" in alert(app)
            assert "3 keys ignored" in str(app.query_one(StatusBar).render())
        finally:
            os.kill(pid, signal.SIGCONT)
        await wait_until(pilot, lambda: alert(app) == "", "the alert to go")
        # The step sent before the silence was made; the ignored ones were not.
        await ready(pilot, 1)
        await wait_until(
            pilot, lambda: any("answers again" in note for note in notices(app)), "the notice"
        )
        await pilot.press("n")
        await ready(pilot, 2)


async def test_a_running_worker_that_stops_is_reported_while_the_state_says_running() -> None:
    app = make_app("xor", process=True)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("space")
        await settle(pilot, "running")
        pid = app.controller.pid
        os.kill(pid, signal.SIGSTOP)
        try:
            await wait_until(pilot, lambda: "has not answered" in alert(app), "the alert")
            assert "waiting" not in alert(app)  # no command was sent
        finally:
            os.kill(pid, signal.SIGCONT)
        await wait_until(pilot, lambda: alert(app) == "", "the alert to go")
        await pilot.press("q")


async def test_q_quits_within_seconds_while_the_worker_is_stopped() -> None:
    app = make_app("xor", process=True)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        process = app.controller._process
        os.kill(process.pid, signal.SIGSTOP)
        try:
            await pilot.press("n")
            started = time.monotonic()
            await pilot.press("q")
        finally:
            if process.is_alive():
                os.kill(process.pid, signal.SIGCONT)
    assert time.monotonic() - started < 3
    assert app.return_code == 0
    assert not process.is_alive()


# -- ctrl+c ------------------------------------------------------------------------------


async def test_ctrl_c_says_which_keys_quit_as_plain_text() -> None:
    app = make_app("seed-toy")
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await ready(pilot)
        await pilot.press("ctrl+c")
        await wait_until(pilot, lambda: app.screen.query("Toast"), "the toast")
        shown = " ".join(str(toast.render()) for toast in app.screen.query("Toast"))
        assert "[b]" not in shown
        assert "press q or ctrl+q to quit" in shown, shown
        assert app.is_running
