"""`p`: the shipped presets with their descriptions, filtered as you type."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option


def matches(preset: Any, query: str) -> bool:
    """Whether every word of `query` occurs in the preset's key, name or description."""
    haystack = f"{preset.key} {preset.name} {preset.description}".lower()
    return all(word in haystack for word in query.lower().split())


def option(preset: Any) -> Option:
    """Key and name on the first line, the description (dimmed) under it."""
    label = Text(preset.key, style="bold")
    if preset.name and preset.name != preset.key:
        label.append(f"  {preset.name}")
    if preset.description:
        label.append("\n" + " ".join(preset.description.split()), style="dim")
    return Option(label, id=preset.key)


class PresetPicker(ModalScreen[Any]):
    """Returns the chosen Preset, or None. Typing filters; ↑/↓ move; enter picks."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "escape", "cancel", "Cancel", id="picker-cancel", tooltip="Keep the current preset"
        ),
        Binding("down", "move(1)", show=False),
        Binding("up", "move(-1)", show=False),
    ]

    def __init__(self, presets: Sequence[Any], current: str | None = None) -> None:
        super().__init__()
        self.presets = list(presets)
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="picker") as box:
            box.border_title = "Presets"
            yield Input(placeholder="filter: name or words of the description", id="filter")
            yield OptionList(*map(option, self.presets), id="preset-list")
            yield Static("", id="picker-empty", classes="error")

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        if self.current is not None:
            for index, preset in enumerate(self.presets):
                if preset.key == self.current:
                    options.highlighted = index
        self.query_one("#filter", Input).focus()

    @on(Input.Changed, "#filter")
    def filter(self, event: Input.Changed) -> None:
        options = self.query_one(OptionList)
        options.clear_options()
        shown = [preset for preset in self.presets if matches(preset, event.value)]
        options.add_options(map(option, shown))
        if shown:
            options.highlighted = 0
        self.query_one("#picker-empty", Static).update(
            "" if shown else f"no preset matches {event.value!r}"
        )

    def action_move(self, delta: int) -> None:
        options = self.query_one(OptionList)
        if options.option_count:
            current = options.highlighted if options.highlighted is not None else -delta
            options.highlighted = (current + delta) % options.option_count

    @on(Input.Submitted, "#filter")
    def pick_highlighted(self) -> None:
        options = self.query_one(OptionList)
        if options.highlighted is not None:
            self._pick(options.get_option_at_index(options.highlighted).id)

    @on(OptionList.OptionSelected)
    def pick_selected(self, event: OptionList.OptionSelected) -> None:
        self._pick(event.option.id)

    def _pick(self, key: str | None) -> None:
        for preset in self.presets:
            if preset.key == key:
                self.dismiss(preset)
                return

    def action_cancel(self) -> None:
        self.dismiss(None)
