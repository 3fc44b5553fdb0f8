"""The command palette's providers share one way of offering their commands: a list of
(name, help, run), found by the name or, weighted less, by the help text."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from textual.command import DiscoveryHit, Hit, Hits, Provider

Command = tuple[str, str, Callable[[], Any]]


class ListedCommands(Provider):
    """A provider whose commands are what `_commands()` lists."""

    def _commands(self) -> Iterable[Command]:
        return ()

    async def discover(self) -> Hits:
        for name, help_text, run in self._commands():
            yield DiscoveryHit(name, run, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, help_text, run in self._commands():
            score = max(matcher.match(name), matcher.match(help_text) * 0.8)
            if score > 0:
                yield Hit(score, matcher.highlight(name), run, text=name, help=help_text)
