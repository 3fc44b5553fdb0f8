"""After a run diverges in the app: the step-through opened at the phase where the failing
step first went out of range (core.training.forensics replays it from the last finite
weights, which the dashboard's snapshot holds, on the batch it failed on)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from backprop_tui.core.training.forensics import report_for_trace
from backprop_tui.tui.screens.step_session import StepResult
from backprop_tui.tui.screens.step_through import StepThroughScreen

DIVERGENCE_HINT = (
    "D opens the step-through at the phase that went out of range "
    "(palette: “open step-through at the divergence”)"
)
"""What the divergence notice adds: how to see where the step failed."""

NOT_DIVERGED = "The run has not diverged: d opens the step-through at the next step"


async def open_at_divergence(
    app: Any, apply: Callable[[StepResult | None], Any]
) -> StepThroughScreen | None:
    """Push the step-through of the failing step at its first phase out of range and say
    what happened there (`apply` receives what it dismisses with); a notice instead when
    the run has not diverged."""
    status, context, snapshot = app.status, app.context, app.snapshot
    if status is None or context is None or snapshot is None:
        return None
    if status.state != "diverged":
        app.notify(NOT_DIVERGED)
        return None

    screen = StepThroughScreen.from_snapshot(context, snapshot, optimizer=status.settings.optimizer)
    report = report_for_trace(screen.trace)
    await app.push_screen(screen, apply)
    if report.found and report.number is not None:
        screen.go_to(report.number - 1)
    lines = [report.headline, *report.detail_lines()[1:]]
    app.notify("\n".join(lines), title="where the step diverged", severity="warning", timeout=12)
    return screen
