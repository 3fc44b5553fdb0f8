"""The current phase of a step-through: its equation, the same with the numbers, the result.

Small layers come from the trace element by element ("δ(1)₁ = (0.4 · 0.1391) · 0.2350 =
0.0131"), exactly as `core.trace.record` writes them. When a phase involves a batch or a layer
too big for that (its text holds matrices), the numbers are drawn as matrices instead,
one bracketed block per quantity with its shape (rows are samples for z, a, δ), at most
`MAX_ROWS` × `MAX_COLS` entries each; one sample's vectors are columns, n × 1, as in the
notes. Labels sit in a narrow left column, so long lines wrap with a hanging indent at
any width. The result line (and at the last phase, the loss before → after and what the
keys do next) is docked at the panel's foot: long numbers scroll, the result stays.

`GradCheckTable`, the step-through's three gradients side by side, lives in
tui/widgets/gradcheck_table.py and is importable from here too.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from backprop_tui.core.format import fmt_number
from backprop_tui.tui.widgets.format import NEGATIVE, POSITIVE, WRITE_BG
from backprop_tui.tui.widgets.gradcheck_table import GradCheckTable as GradCheckTable
from rich.columns import Columns
from rich.console import Group, RenderableType
from rich.style import Style
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

if TYPE_CHECKING:
    from backprop_tui.core.trace.record import Phase, StepTrace

MAX_ROWS = 6
MAX_COLS = 6

LABEL_WIDTH = 8

_BATCH_PREFIXES = ("x", "y", "ŷ", "z(", "a(", "δ(", "ℓ", "∂ℓ/∂ŷ", "σ'", "W(")


def _rgb(color: tuple[int, int, int]) -> str:
    return "rgb({},{},{})".format(*color)


POSITIVE_STYLE = Style(color=_rgb(POSITIVE))
NEGATIVE_STYLE = Style(color=_rgb(NEGATIVE))
WRITE_STYLE = Style(bgcolor=_rgb(WRITE_BG), bold=True)
GOOD = Style.parse("green")
BAD = Style.parse("bold red")
KINK = Style.parse("yellow")
DIM = Style(dim=True)


def _number_style(value: float) -> Style | str:
    if value > 0:
        return POSITIVE_STYLE
    if value < 0:
        return NEGATIVE_STYLE
    return "dim"


def rows_are_samples(name: str, array: np.ndarray, batch: int) -> bool:
    """Whether `array` (named as in `Phase.values`) has one row per sample of the batch."""
    if batch <= 1 or array.ndim != 2 or array.shape[0] != batch:
        return False
    if name.startswith("W(") and "δ" not in name:
        return False
    return name.startswith(_BATCH_PREFIXES) or "'(z(" in name  # σ'(z(l)) of any activation


def matrix_block(
    name: str,
    array: Any,
    precision: int,
    samples: bool = False,
    width: int | None = None,
    *,
    column: bool = False,
    max_rows: int = MAX_ROWS,
    max_cols: int = MAX_COLS,
) -> Text:
    """`name` with its shape over the array in brackets, e.g.

        W(1)  8 × 4
        ⎡ 0.1937 −0.3256 … ⎤
        ⎣ 0.4430  0.5837 … ⎦

    At most MAX_ROWS rows and MAX_COLS columns are written, and no more columns than fit
    in `width` cells (None: no limit); ⋮ and … stand for the rest. A vector is one
    bracketed row, or with `column` (one sample's vector, as the notes write it) one
    column, n × 1; a scalar is 'name = value'. `samples` adds 'rows are samples'.
    """
    arr = np.asarray(array, dtype=float)
    if column and arr.size > 1 and (arr.ndim == 1 or (arr.ndim == 2 and arr.shape[0] == 1)):
        arr = arr.reshape(-1, 1)
    text = Text(no_wrap=True)
    if arr.ndim == 0 or arr.size == 1:
        text.append(f"{name} = ", style="bold")
        value = float(arr.reshape(-1)[0]) if arr.size else float("nan")
        text.append(fmt_number(value, precision), style=_number_style(value))
        return text
    matrix = arr.reshape(1, -1) if arr.ndim == 1 else arr.reshape(arr.shape[0], -1)
    shape = f"1 × {arr.shape[0]}" if arr.ndim == 1 else " × ".join(map(str, arr.shape))
    text.append(name, style="bold")
    text.append(f"  {shape}" + ("  rows are samples" if samples else ""), style="dim")
    n_rows, n_cols = matrix.shape
    rows = list(range(n_rows)) if n_rows <= max_rows else list(range(max(1, max_rows - 1)))
    cols, cells, cell_width = _fitting_columns(matrix, rows, precision, width, max_cols)
    more_cols = n_cols > len(cols)
    lines: list[list[tuple[str, Any]]] = []
    for r, row in zip(rows, cells, strict=True):
        line: list[tuple[str, Any]] = [
            (s.rjust(cell_width), _number_style(float(matrix[r, c])))
            for c, s in zip(cols, row, strict=True)
        ]
        if more_cols:
            line.append(("…".center(cell_width), "dim"))
        lines.append(line)
    if n_rows > len(rows):
        lines.append([("⋮".center(cell_width), "dim") for _ in range(len(cols) + more_cols)])
    for k, line in enumerate(lines):
        if len(lines) == 1:
            left, right = "[", "]"
        elif k == 0:
            left, right = "⎡", "⎤"
        elif k == len(lines) - 1:
            left, right = "⎣", "⎦"
        else:
            left, right = "⎢", "⎥"
        text.append("\n" + left + " ")
        for j, (s, style) in enumerate(line):
            if j:
                text.append(" ")
            text.append(s, style=style)
        text.append(" " + right)
    return text


def _fitting_columns(
    matrix: np.ndarray, rows: list[int], precision: int, width: int | None, max_cols: int
) -> tuple[list[int], list[list[str]], int]:
    """The columns to write (at most `max_cols`, at least one), their cells for `rows` and
    the cell width, as many columns as a bracketed block of `width` cells holds: two
    cells per bracket side, one between cells, one more cell for … when some are left."""
    n_cols = matrix.shape[1]
    count = n_cols if n_cols <= max_cols else max_cols - 1
    while True:
        cols = list(range(count))
        cells = [[fmt_number(matrix[r, c], precision) for c in cols] for r in rows]
        cell_width = max((len(s) for row in cells for s in row), default=1)
        shown = count + (count < n_cols)
        if width is None or count == 1 or 4 + shown * (cell_width + 1) - 1 <= width:
            return cols, cells, cell_width
        count -= 1


def has_matrices(phase: Phase) -> bool:
    """Whether the phase's text writes matrices (a batch, or a layer beyond element by
    element): then the numbers read better as bracketed blocks."""
    return "[[" in phase.substituted or "…" in phase.substituted


def phase_parts(
    trace: StepTrace, index: int, width: int | None = None
) -> tuple[list[tuple[str, RenderableType]], str]:
    """The rows of the panel, (label, renderable), and the same as plain text; no matrix
    wider than `width` cells (None: no limit)."""
    phase = trace.phases[index]
    precision = trace.precision
    rows: list[tuple[str, RenderableType]] = []
    plain: list[str] = []

    equation = Text(phase.equation, style="bold cyan")
    rows.append(("equation", equation))
    plain.append(phase.equation)

    if has_matrices(phase):
        lines = [line for line in phase.substituted.splitlines() if "[" not in line]
        blocks = [
            matrix_block(
                name,
                value,
                precision,
                rows_are_samples(name, np.asarray(value), trace.batch_size),
                width,
                column=trace.batch_size == 1 and not name.startswith(("W(", "∂L/∂W(")),
            )
            for name, value in phase.values.items()
            if np.asarray(value).size > 1
        ]
        numbers: list[RenderableType] = [Text(line) for line in lines]
        if blocks:
            numbers.append(Columns(blocks, padding=(1, 3), expand=False))
        plain += lines + [b.plain for b in blocks]
        rows.append(("numbers", Group(*numbers)))
    else:
        lines = phase.substituted.splitlines()
        rows.append(("numbers", Text("\n".join(lines))))
        plain += lines

    arrow = "←" if phase.kind.startswith("update") else "="
    shown = phase.result
    if has_matrices(phase) and "[[" in phase.result:
        # The matrix is drawn above; a one-line copy of it would only wrap.
        key = next((k for k in (f"{phase.symbol} after", phase.symbol) if k in phase.values), None)
        if key is not None:
            shape = " × ".join(map(str, np.shape(phase.values[key])))
            shown = f"the {shape} matrix {key} above"
    result = Text()
    result.append(phase.symbol, style=WRITE_STYLE)
    result.append(f" {arrow} ")
    result.append(shown, style="bold")
    rows.append(("result", result))
    plain.append(f"{phase.symbol} {arrow} {shown}")
    return rows, "\n".join(plain)


def closing_line(trace: StepTrace) -> str:
    """What the last phase adds: the loss before and after the update, and the keys."""
    p = trace.precision
    return (
        f"This step takes L from {fmt_number(trace.loss, p)} to "
        f"{fmt_number(trace.loss_after, p)} on the same rows. "
        "enter applies it to the network, + or − traces another row, escape closes."
    )


def _grid() -> Table:
    """Two columns: a narrow italic label, then what it labels (wrapping under itself)."""
    grid = Table.grid(padding=(0, 1))
    grid.add_column(width=LABEL_WIDTH, style="dim italic", no_wrap=True)
    grid.add_column(ratio=1)
    return grid


class EquationPanel(VerticalScroll):
    """Shows one phase of a trace; `plain` holds what it shows as plain text."""

    DEFAULT_CSS = """
    EquationPanel {
        height: 1fr;
        padding: 0 1;
        scrollbar-size-vertical: 1;
        /* The scrollbar's column is kept whether or not it shows, so a matrix measured
           before the numbers overflowed still fits once the scrollbar appears. */
        scrollbar-gutter: stable;
    }
    EquationPanel > #phase-heading {
        text-style: bold;
        width: 1fr;
    }
    EquationPanel > #phase-body {
        width: 1fr;
    }
    EquationPanel > #phase-result {
        dock: bottom;
        width: 1fr;
        height: auto;
        background: $surface;
    }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.heading = Static("", id="phase-heading")
        self.body = Static("", id="phase-body")
        self.result_line = Static("", id="phase-result")
        """The phase's result (and, at the last phase, what happened and what the keys do
        next), docked at the panel's foot so it stays in view however long the numbers."""
        self.plain = ""
        """The heading and every line of the current phase, as plain text."""
        self._shown: tuple[StepTrace, int, int | None, bool] | None = None

    def compose(self) -> ComposeResult:
        yield self.heading
        yield self.body
        yield self.result_line

    def show_phase(self, trace: StepTrace, index: int, hide_result: bool = False) -> None:
        """Show phase `index` (from 0) of `trace`; with `hide_result`, as predict mode
        asks it: the equation and its inputs, the result "?" (tui/widgets/predict_panel)."""
        phase = trace.phases[index]
        heading = Text()
        heading.append(f"{index + 1}/{len(trace.phases)} ", style="dim")
        heading.append(f"{phase.section}: ", style="dim")
        heading.append(phase.title, style="bold")
        width = self.numbers_width()
        self._shown = (trace, index, width, hide_result)
        if hide_result:
            from backprop_tui.tui.widgets.predict_panel import question_parts

            rows, plain = question_parts(trace, index, width)
        else:
            rows, plain = phase_parts(trace, index, width)
        if index == len(trace.phases) - 1 and not hide_result:
            closing = closing_line(trace)
            rows.append(("next", Text(closing)))
            plain += "\n" + closing
        body, foot = _grid(), _grid()
        for label, renderable in rows:
            (foot if label in ("result", "next") else body).add_row(label, renderable)
        self.heading.update(heading)
        self.body.update(body)
        self.result_line.update(foot)
        self.plain = heading.plain + "\n" + plain
        self.scroll_home(animate=False)

    def numbers_width(self) -> int | None:
        """The cells a matrix may take: the panel's less the label column (None before
        the panel is laid out)."""
        width = self.scrollable_content_region.width - LABEL_WIDTH - 1
        return width if width > 0 else None

    def on_resize(self) -> None:
        if self._shown is not None and self._shown[2] != self.numbers_width():
            trace, index, _, hide_result = self._shown
            self.show_phase(trace, index, hide_result)
