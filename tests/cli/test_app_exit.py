"""The app's exit code through the real entry point, in a pseudo-terminal: 0 after q, 1
after an unhandled error, with one line that names the recovery files (and the
traceback only with --debug)."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import struct
import subprocess
import sys
import termios
import threading
import time
from pathlib import Path

from cli_support import REPO, run_cli

TIMEOUT = 90.0

FAULT = """
from backprop_tui.tui.widgets.status_bar import StatusBar

shown = StatusBar.show


def show(self, snapshot, status):
    shown(self, snapshot, status)
    if snapshot.global_step == 2:
        raise RuntimeError("injected fault")


StatusBar.show = show
"""
"""A bug in the app: the status line fails on the snapshot after the second step."""

ENTRY = "import runpy; runpy.run_module('backprop_tui.tui', run_name='__main__')"
"""What `backprop-tui` runs (`python -m backprop_tui.tui`)."""


class Terminal:
    """The command in a pseudo-terminal of 100×30, as a person's shell would run it; the
    screen's bytes (the app draws on stderr) are collected as they come."""

    def __init__(self, args: list[str], env: dict[str, str], fault: bool = False) -> None:
        self.master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
        code = (FAULT if fault else "") + ENTRY
        self.process = subprocess.Popen(
            [sys.executable, "-c", code, *args],
            stdin=slave,
            stdout=slave,
            stderr=slave,
            cwd=REPO,
            env={**os.environ, "TERM": "xterm-256color", **env},
            start_new_session=True,
        )
        os.close(slave)
        self.output = bytearray()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        while True:
            try:
                chunk = os.read(self.master, 65536)
            except OSError:  # EIO: the program has gone and closed the terminal
                return
            if not chunk:
                return
            self.output += chunk

    def text(self) -> str:
        return self.output.decode("utf-8", "replace")

    def wait_for(self, fragment: str) -> None:
        deadline = time.monotonic() + TIMEOUT
        while fragment not in self.text():
            assert time.monotonic() < deadline, f"no {fragment!r} on the screen"
            assert self.process.poll() is None, f"ended before {fragment!r}: {self.text()}"
            time.sleep(0.05)

    def press(self, keys: bytes) -> None:
        os.write(self.master, keys)

    def finish(self) -> int:
        """The exit code (the program is killed if it does not end in time)."""
        try:
            code = self.process.wait(TIMEOUT)
        finally:
            if self.process.poll() is None:
                self.process.kill()
            self.reader.join(5)
            os.close(self.master)
        return code


def error_line(screen: str) -> str:
    """The line from `backprop-tui: internal error:` to its end."""
    match = re.search(r"backprop-tui: internal error: [^\r\n]*", screen)
    assert match is not None, screen[-2000:]
    return match.group(0)


def state_files(folder: Path) -> dict[str, Path]:
    files = sorted((folder / "backprop-tui").iterdir())
    return {path.name.rsplit("-", 1)[-1]: path for path in files}


def test_q_leaves_the_app_with_exit_code_0(tmp_path) -> None:
    terminal = Terminal(["seed-toy"], {"XDG_STATE_HOME": str(tmp_path)})
    terminal.wait_for("epoch 0/")
    terminal.press(b"q")
    assert terminal.finish() == 0
    assert "internal error" not in terminal.text()
    assert not (tmp_path / "backprop-tui").exists()


def test_an_unhandled_error_exits_1_with_one_line_naming_the_saved_work(tmp_path) -> None:
    terminal = Terminal(["seed-toy"], {"XDG_STATE_HOME": str(tmp_path)}, fault=True)
    terminal.wait_for("epoch 0/")
    terminal.press(b"nn")
    assert terminal.finish() == 1
    screen = terminal.text()
    assert "Traceback" not in screen
    line = error_line(screen)
    assert line.startswith("backprop-tui: internal error: RuntimeError: injected fault")
    files = state_files(tmp_path)
    assert set(files) == {"toy.toml", "history.csv", "crash.log"}
    for path in files.values():
        assert str(path) in line
    assert "--debug" in line
    assert "RuntimeError: injected fault" in files["crash.log"].read_text()
    # The recovery file is a preset: it opens (and checks) with the weights after 2 steps.
    checked = run_cli("check", str(files["toy.toml"]))
    assert checked.returncode == 0, checked.stderr
    assert len(files["history.csv"].read_text().splitlines()) == 1 + 2  # header, 2 epochs


def test_with_debug_the_traceback_is_shown_too(tmp_path) -> None:
    terminal = Terminal(["seed-toy", "--debug"], {"XDG_STATE_HOME": str(tmp_path)}, fault=True)
    terminal.wait_for("epoch 0/")
    terminal.press(b"nn")
    assert terminal.finish() == 1
    screen = terminal.text()
    assert "Traceback" in screen
    assert "injected fault" in error_line(screen)
