"""The command palette (ctrl+p) offers every dashboard key as a command."""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial

from backprop_tui.tui.bindings import DASHBOARD_BINDINGS, PANEL_BINDINGS
from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Hits, Provider


def key_label(binding: Binding) -> str:
    """How a person types the binding: '+' rather than 'plus,equals_sign'."""
    if binding.key_display:
        return binding.key_display
    return binding.key.split(",")[0]


class DashboardCommands(Provider):
    """One command per binding, named by its description, with its key and tooltip."""

    def _commands(self) -> Iterator[tuple[str, str, partial]]:
        for binding in (*DASHBOARD_BINDINGS, *PANEL_BINDINGS):
            run = partial(self.app.run_action, binding.action)
            yield binding.description, f"{key_label(binding)} · {binding.tooltip}", run

    async def discover(self) -> Hits:
        for name, help_text, run in self._commands():
            yield DiscoveryHit(name, run, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, help_text, run in self._commands():
            score = max(matcher.match(name), matcher.match(help_text) * 0.8)
            if score > 0:
                yield Hit(score, matcher.highlight(name), run, text=name, help=help_text)
