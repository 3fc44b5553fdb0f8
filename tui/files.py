"""The dashboard's file and preset actions: pick a preset (p), open a TOML (o), save the
network as a preset (ctrl+s, atomic) and export the loss history as CSV (x, atomic).
Presets are read in a thread (`tui.preset_loading`). Every failure is a notification;
the app goes on with what it had."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from backprop_tui.core.config.presets import Preset, PresetSummary, list_presets
from backprop_tui.core.errors import BackpropError
from backprop_tui.core.text import PATH_LIMIT, shown
from backprop_tui.core.training.snapshot import restore_network, restore_optimizer
from backprop_tui.tui.history_csv import write_history_csv
from backprop_tui.tui.preset_writer import save
from backprop_tui.tui.screens.dialogs import ConfirmDialog, PathDialog
from backprop_tui.tui.screens.preset_picker import PresetPicker

MESSAGE_LIMIT = 500
"""The longest notice text quoted from an error."""

LOAD_ERRORS = (BackpropError, OSError, ValueError)
"""What reading or writing a preset may raise for a reason the person can fix."""


def failure_text(error: BaseException) -> str:
    """`error` as a notice: the system's reason and the file (shown safe, capped) for an
    operating-system error, else its message (core's errors quote values safely)."""
    if isinstance(error, OSError) and not isinstance(error, BackpropError) and error.strerror:
        where = f": {shown(error.filename, PATH_LIMIT)}" if error.filename is not None else ""
        return f"{error.strerror}{where}"
    if isinstance(error, MemoryError):
        return "not enough memory to read it"
    if isinstance(error, RecursionError):
        return "nested too deeply to read"
    return shown(error, MESSAGE_LIMIT) or type(error).__name__


class FileActions:
    """Mixed into the app, which provides `preset`, `snapshot`, `status`,
    `load_preset`, `notify` and `push_screen`."""

    preset: Preset | None
    snapshot: Any
    status: Any
    load_preset: Callable[[Preset | str], object]
    notify: Callable[..., None]
    push_screen: Callable[..., Any]

    def action_presets(self) -> None:
        try:
            presets = list_presets()
        except LOAD_ERRORS as error:
            self.notify(failure_text(error), title="could not list the presets", severity="error")
            return
        current = self.preset.key if self.preset is not None else None

        def chosen(summary: PresetSummary | None) -> None:
            if summary is not None:
                self.load_preset(summary.key)

        self.push_screen(PresetPicker(presets, current), chosen)

    def action_open(self) -> None:
        def chosen(path: str | None) -> None:
            if path is not None:
                self.load_preset(path)

        hint = "a preset TOML file (or a shipped preset's name)"
        self.push_screen(PathDialog("Open a preset", "", "Open", hint), chosen)

    def action_save(self) -> None:
        if self.snapshot is None or self.status is None or self.preset is None:
            return
        snapshot, preset = self.snapshot, self.preset
        network = restore_network(snapshot)
        # The optimizer as it is now (the person may have changed its kind or rate).
        optimizer = restore_optimizer(snapshot)

        def write(path: str) -> None:
            try:
                save(path, preset, network, optimizer)
            except LOAD_ERRORS as error:
                self.notify(failure_text(error), title="could not save", severity="error")
                return
            self.notify(f"saved step {snapshot.global_step} to {path}", title="saved")

        hint = "the network with its current weights, as a preset TOML"
        default = f"{preset.key or 'network'}-trained.toml"
        self._ask_path("Save as preset", default, "Save", hint, write)

    def action_export(self) -> None:
        if self.snapshot is None or self.preset is None:
            return
        history = self.snapshot.history

        def write(path: str) -> None:
            try:
                written = write_history_csv(path, history)
            except LOAD_ERRORS as error:
                self.notify(failure_text(error), title="could not export", severity="error")
                return
            epochs = f"{history.epochs} epoch{'' if history.epochs == 1 else 's'}"
            if not history.complete:  # a long run: its older epochs as the chart draws them
                epochs = f"{len(history)} rows of {epochs}"
            self.notify(f"{epochs} written to {written}", title="exported")

        default = f"{self.preset.key or 'network'}-history.csv"
        self._ask_path("Export the loss history", default, "Export", "a CSV file", write)

    def _ask_path(
        self, title: str, default: str, ok: str, hint: str, write: Callable[[str], None]
    ) -> None:
        """Ask for a path, confirm before overwriting, then `write(path)`."""

        def chosen(path: str | None) -> None:
            if path is None:
                return
            path = os.path.expanduser(path)
            try:
                exists = Path(path).exists()
            except (OSError, ValueError) as error:  # a name too long, a NUL in it: say so
                self.notify(failure_text(error), title=f"could not {ok.lower()}", severity="error")
                return
            if exists:
                question = f"{path} exists. Overwrite it?"
                self.push_screen(ConfirmDialog(question), lambda yes: write(path) if yes else None)
            else:
                write(path)

        self.push_screen(PathDialog(title, default, ok, hint), chosen)
