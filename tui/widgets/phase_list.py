"""The list of a traced step's phases, grouped by section, with the current one highlighted.

Each option reads " 7 δ(1)  hidden error"; the sections (Forward pass, Loss, Backward
pass, Update) are disabled header rows between them. The list never changes the current
phase itself: the arrow keys, home / end and a click post `PhaseList.Jump` with the
wanted phase's index, and the screen that owns the list answers with
`show_current(index)`, which moves the highlight. So the list and the screen cannot
disagree, however fast keys arrive.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

if TYPE_CHECKING:
    from backprop_tui.core.trace.record import Phase

KIND_LABELS = {
    "forward_z": "weighted in",
    "forward_a": "activation",
    "loss": "loss",
    "delta_output": "output error",
    "delta_hidden": "hidden error",
    "grad_W": "gradient",
    "grad_b": "gradient",
    "update_W": "update",
    "update_b": "update",
}


def phase_label(number: int, phase: Phase, compact: bool = False) -> Text:
    """' 7 δ(1)  hidden error' (number from 1); ' 7 δ(1)' when `compact`."""
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append(f"{number:>2} ", style="dim")
    text.append(phase.symbol, style="bold")
    if not compact:
        text.append(f"  {KIND_LABELS.get(phase.kind, phase.kind)}", style="italic")
    return text


class PhaseList(OptionList):
    """Every phase of a trace; the highlighted one is the current phase."""

    DEFAULT_CSS = """
    PhaseList {
        width: 25;
        height: 1fr;
        border: none;
        padding: 0;
        scrollbar-size-vertical: 1;
    }
    PhaseList:focus {
        border: none;
    }
    PhaseList.-compact {
        width: 15;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "jump(-1)", "Previous phase", show=False),
        Binding("down", "jump(1)", "Next phase", show=False),
        Binding("home", "jump_to(0)", "First phase", show=False),
        Binding("end", "jump_to(-1)", "Last phase", show=False),
        Binding("pageup", "jump(-5)", "Five phases back", show=False),
        Binding("pagedown", "jump(5)", "Five phases on", show=False),
    ]

    class Jump(Message):
        """The person asked for another phase (arrow keys, home / end, a click)."""

        def __init__(self, index: int) -> None:
            super().__init__()
            self.index = index
            """The phase's position in the trace (from 0)."""

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._rows: list[int] = []
        self._phases: Sequence[Phase] = ()
        self.current = 0
        """The phase shown as current (from 0)."""
        self.compact = False
        """Whether the labels leave out the kind of phase (for narrow screens)."""

    @property
    def phase_count(self) -> int:
        return len(self._rows)

    def set_phases(self, phases: Sequence[Phase], current: int = 0) -> None:
        """Replace the options with `phases` (grouped by section) and highlight `current`."""
        self._phases = phases
        self.clear_options()
        options: list[Option] = []
        self._rows = []
        section = None
        for i, phase in enumerate(phases):
            if phase.section != section:
                section = phase.section
                header = Text(section, style="bold underline")
                options.append(Option(header, id=f"section-{len(options)}", disabled=True))
            self._rows.append(len(options))
            options.append(Option(phase_label(i + 1, phase, self.compact), id=f"phase-{i}"))
        self.add_options(options)
        self.show_current(current)

    def set_compact(self, compact: bool) -> None:
        """Show the phase numbers and symbols only (True) or with their kind (False)."""
        if compact != self.compact:
            self.compact = compact
            self.set_class(compact, "-compact")
            if self._phases:
                self.set_phases(self._phases, self.current)

    def show_current(self, index: int) -> None:
        """Highlight phase `index` (and scroll it into view)."""
        if not 0 <= index < len(self._rows):
            return
        self.current = index
        self.highlighted = self._rows[index]
        self.scroll_to_highlight()

    def phase_at(self, row: int | None) -> int | None:
        """The phase index of option `row`, or None for a section header."""
        if row is None or row not in self._rows:
            return None
        return self._rows.index(row)

    def action_jump(self, step: int) -> None:
        """Ask for the phase `step` places from the current one."""
        if self._rows:
            self.post_message(self.Jump(max(0, min(self.current + step, len(self._rows) - 1))))

    def action_jump_to(self, index: int) -> None:
        """Ask for phase `index` (−1: the last)."""
        if self._rows:
            self.post_message(self.Jump(index % len(self._rows)))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        if event.option_list is self:
            event.stop()
            index = self.phase_at(event.option_index)
            if index is not None:
                self.post_message(self.Jump(index))

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if event.option_list is self:
            event.stop()
