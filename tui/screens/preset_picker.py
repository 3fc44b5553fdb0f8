"""`p`: the shipped presets with their descriptions, filtered as you type."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from backprop_tui.tui.screens import DIALOGS_CSS
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option


def matches(preset: Any, query: str) -> bool:
    """Whether every word of `query` occurs in the preset's key, name or description."""
    haystack = f"{preset.key} {preset.name} {preset.description}".lower()
    return all(word in haystack for word in query.lower().split())


def reflow(description: str) -> str:
    """Join the hard-wrapped lines of each paragraph (and of each "- " item) so the
    text wraps to the dialog's width instead of the file's."""
    paragraphs = []
    for paragraph in description.strip().split("\n\n"):
        items: list[str] = []
        for line in paragraph.splitlines():
            if line.startswith("- ") or not items:
                items.append(line.strip())
            else:
                items[-1] += " " + line.strip()
        paragraphs.append("\n".join(items))
    return "\n\n".join(paragraphs)


def option(preset: Any) -> Option:
    """One line: the key and, when it differs, the name (the description shows below)."""
    label = Text(f"{preset.key:<14}", style="bold")
    if preset.name and preset.name != preset.key:
        label.append(preset.name, style="dim")
    return Option(label, id=preset.key)


class PresetPicker(ModalScreen[Any]):
    """Returns the chosen Preset, or None. Typing filters; ↑/↓ move; enter picks; the
    highlighted preset's description shows under the list."""

    CSS_PATH = DIALOGS_CSS
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
            with VerticalScroll(id="preset-details"):
                yield Static("", id="preset-description")

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        if self.current is not None:
            for index, preset in enumerate(self.presets):
                if preset.key == self.current:
                    options.highlighted = index
        self.query_one("#filter", Input).focus()

    @on(OptionList.OptionHighlighted)
    def describe(self, event: OptionList.OptionHighlighted) -> None:
        """The highlighted preset's whole description under the list."""
        preset = self._preset(event.option.id)
        text = reflow(preset.description) if preset is not None else ""
        self.query_one("#preset-description", Static).update(text)

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
        if not shown:
            self.query_one("#preset-description", Static).update("")

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

    def _preset(self, key: str | None) -> Any:
        return next((preset for preset in self.presets if preset.key == key), None)

    def _pick(self, key: str | None) -> None:
        preset = self._preset(key)
        if preset is not None:
            self.dismiss(preset)

    def action_cancel(self) -> None:
        self.dismiss(None)
