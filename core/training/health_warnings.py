"""What gradient-health records warn of, in words: a pure function of the records.

`health_warnings(records)` reads the newest records (`core.training.health`) and
returns one `HealthWarning` per finding, layer by layer. A figure read "over the newest
records" is the median of the newest `WINDOW` (5) measured epochs, read once there are
that many, so one noisy batch, or the first steps from a fresh initialization, does not
raise a warning. The thresholds:

- dead: in the newest measured epoch, at least `DEAD_SHARE` (50 %) of a hidden layer's
  relu units had σ'(z) = 0 (a = 0) on every sample;
- saturated: in the newest measured epoch, at least `SATURATED_SHARE` (50 %) of a hidden
  layer's (sample, unit) values had σ'(z) below 1 % of its peak;
- vanishing: over the newest records, an earlier layer's gradient per weight
  (‖∂W‖ / √size) is `LAYER_RATIO` (1000) or more times smaller than a later layer's,
  or 0 while the later one's is not;
- exploding: an earlier layer's gradient per weight is `LAYER_RATIO` or more times
  larger than a later layer's, or a layer's ‖∂W‖ grew `GROWTH` (100) times or more
  from the `WINDOW` records before the newest ones to the newest ones;
- updates too small or too large: over the newest records, ‖ΔW‖ / ‖W‖ is below
  `UPDATE_LOW` (1e-5) or above `UPDATE_HIGH` (0.1), a hundred times from the rule of
  thumb `UPDATE_TYPICAL` (1e-3).
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from backprop_tui.core.training.health import EpochHealth, LayerHealth

WINDOW = 5
"""Measured epochs whose median a warning reads."""

DEAD_SHARE = 0.5
SATURATED_SHARE = 0.5
LAYER_RATIO = 1000.0
GROWTH = 100.0
UPDATE_TYPICAL = 1e-3
UPDATE_LOW = 1e-5
UPDATE_HIGH = 1e-1

Kind = Literal["dead", "saturated", "vanishing", "exploding", "update_small", "update_large"]


@dataclass(frozen=True)
class HealthWarning:
    """One finding: its `kind`, the `layers` it names (1-based; a pair for vanishing and
    exploding between layers, earlier first), the newest measured `epoch` it was read
    at, and the sentence that says it (also `str()`)."""

    kind: Kind
    layers: tuple[int, ...]
    epoch: int
    text: str

    @property
    def layer(self) -> int:
        """The layer named first."""
        return self.layers[0]

    def __str__(self) -> str:
        return self.text

    def as_dict(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "layers": list(self.layers),
            "epoch": self.epoch,
            "text": self.text,
        }


def _percent(share: float) -> str:
    return f"{100 * share:.0f} %"


def _times(ratio: float) -> str:
    return f"{ratio:.0f}×" if ratio < 1e6 else f"{_short(ratio)}×"


def _short(value: float, digits: int = 1) -> str:
    """Scientific notation without the exponent's leading zero: 8.3e-6, 1e-3."""
    if value == 0:
        return "0"
    text = f"{value:.{digits}e}"
    mantissa, exponent = text.split("e")
    return f"{mantissa}e{int(exponent)}"


def _median(values: Sequence[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return statistics.median(known) if known else None


def health_warnings(records: Sequence[EpochHealth]) -> tuple[HealthWarning, ...]:
    """The warnings the newest of `records` (oldest first, all of one network) give,
    ordered by layer: dead and saturated units of the newest record, then, once there
    are `WINDOW` records, vanishing, exploding and update sizes over the newest ones."""
    if not records:
        return ()
    newest = records[-1]
    found: list[HealthWarning] = []
    for layer in newest.layers:
        found.extend(_unit_warnings(layer, newest.epoch))
    if len(records) >= WINDOW:
        window = records[-WINDOW:]
        found.extend(_between_layers(window, newest.epoch))
        found.extend(_growth(records, newest.epoch))
        found.extend(_updates(window, newest.epoch))
    return tuple(sorted(found, key=lambda w: w.layer))


def _unit_warnings(layer: LayerHealth, epoch: int) -> list[HealthWarning]:
    out = []
    l, act = layer.layer, layer.activation
    if layer.dead is not None and layer.dead >= DEAD_SHARE:
        text = (
            f"layer {l}: {_percent(layer.dead)} of its {act} units have been dead since "
            f"epoch {layer.dead_since} (a = 0 on every sample: they no longer learn)"
        )
        out.append(HealthWarning("dead", (l,), epoch, text))
    if layer.saturated is not None and layer.saturated >= SATURATED_SHARE:
        text = (
            f"layer {l}: {_percent(layer.saturated)} of its {act} values are saturated "
            "(σ'(z) below 1 % of its peak): little gradient passes back through them"
        )
        out.append(HealthWarning("saturated", (l,), epoch, text))
    return out


def _between_layers(window: Sequence[EpochHealth], epoch: int) -> list[HealthWarning]:
    """The worst vanishing pair and the worst exploding pair (earlier, later layer)."""
    rms = [
        statistics.median(record.layers[l].grad_rms for record in window)
        for l in range(len(window[-1].layers))
    ]
    vanishing: tuple[float, int, int] | None = None
    exploding: tuple[float, int, int] | None = None
    for i in range(len(rms)):
        for j in range(i + 1, len(rms)):
            small, large = rms[i], rms[j]
            if large > 0 and (small == 0 or large / small >= LAYER_RATIO):
                ratio = large / small if small else float("inf")
                if vanishing is None or ratio > vanishing[0]:
                    vanishing = (ratio, i + 1, j + 1)
            if small > 0 and (large == 0 or small / large >= LAYER_RATIO):
                ratio = small / large if large else float("inf")
                if exploding is None or ratio > exploding[0]:
                    exploding = (ratio, i + 1, j + 1)
    out = []
    if vanishing is not None:
        ratio, i, j = vanishing
        text = f"layer {i}'s gradients are {_times(ratio)} smaller than layer {j}'s: vanishing"
        if ratio == float("inf"):
            text = f"layer {i}'s gradients are 0 while layer {j}'s are not: vanishing"
        out.append(HealthWarning("vanishing", (i, j), epoch, text))
    if exploding is not None:
        ratio, i, j = exploding
        text = f"layer {i}'s gradients are {_times(ratio)} larger than layer {j}'s: exploding"
        if ratio == float("inf"):
            text = f"layer {j}'s gradients are 0 while layer {i}'s are not: exploding"
        out.append(HealthWarning("exploding", (i, j), epoch, text))
    return out


def _growth(records: Sequence[EpochHealth], epoch: int) -> list[HealthWarning]:
    """Layers whose ‖∂W‖ grew `GROWTH`× from the window before the newest one."""
    if len(records) < 2 * WINDOW:
        return []
    before, now = records[-2 * WINDOW : -WINDOW], records[-WINDOW:]
    out = []
    for l in range(len(now[-1].layers)):
        then = statistics.median(record.layers[l].grad_norm for record in before)
        current = statistics.median(record.layers[l].grad_norm for record in now)
        if then > 0 and current / then >= GROWTH:
            text = (
                f"layer {l + 1}'s gradients grew {_times(current / then)} between epochs "
                f"{before[0].epoch} and {now[-1].epoch}: exploding"
            )
            out.append(HealthWarning("exploding", (l + 1,), epoch, text))
    return out


def _updates(window: Sequence[EpochHealth], epoch: int) -> list[HealthWarning]:
    """One warning for the layers whose updates are too small, one for those whose
    updates are too large."""
    ratios = [
        _median([record.layers[l].update_ratio for record in window])
        for l in range(len(window[-1].layers))
    ]
    small = [(l + 1, r) for l, r in enumerate(ratios) if r is not None and r < UPDATE_LOW]
    large = [(l + 1, r) for l, r in enumerate(ratios) if r is not None and r > UPDATE_HIGH]
    out = []
    groups: tuple[tuple[Kind, list[tuple[int, float]], str], ...] = (
        ("update_small", small, "too small — η too low, or training has settled"),
        ("update_large", large, "too large — η too high"),
    )
    for kind, found, verdict in groups:
        if not found:
            continue
        layers = tuple(l for l, _ in found)
        low, high = min(r for _, r in found), max(r for _, r in found)
        if len(found) == 1:
            what = f"layer {layers[0]}'s updates are {_short(low)} of its weights"
        else:
            span = f"{_short(low)} to {_short(high)}"
            what = f"layers {_names(layers)}: updates are {span} of their weights"
        rule = f"‖ΔW‖ / ‖W‖; about {_short(UPDATE_TYPICAL, 0)} is usual"
        out.append(HealthWarning(kind, layers, epoch, f"{what} ({rule}): {verdict}"))
    return out


def _names(layers: Sequence[int]) -> str:
    """1–6 for consecutive layers, else 1, 3 and 4."""
    if len(layers) > 2 and layers[-1] - layers[0] == len(layers) - 1:
        return f"{layers[0]}–{layers[-1]}"
    return ", ".join(map(str, layers[:-1])) + f" and {layers[-1]}"


def thresholds() -> tuple[tuple[str, str], ...]:
    """(warning, when it is given) for every kind of warning, in words with the numbers:
    what the help screen and the README list."""
    return (
        (
            "dead",
            f"≥ {_percent(DEAD_SHARE)} of a hidden layer's relu units had a = 0 on every "
            "sample of the newest measured epoch",
        ),
        (
            "saturated",
            f"≥ {_percent(SATURATED_SHARE)} of a hidden layer's σ'(z) values were below 1 % "
            "of σ' 's peak (sigmoid, tanh, elu, softplus) in the newest measured epoch",
        ),
        (
            "vanishing",
            f"an earlier layer's ‖∂W‖ per weight is ≥ {LAYER_RATIO:.0f}× smaller than a later "
            f"layer's (median of the newest {WINDOW} measured epochs)",
        ),
        (
            "exploding",
            f"an earlier layer's ‖∂W‖ per weight is ≥ {LAYER_RATIO:.0f}× larger than a later "
            f"layer's, or a layer's ‖∂W‖ grew ≥ {GROWTH:.0f}× from the {WINDOW} measured epochs "
            f"before the newest {WINDOW} to those",
        ),
        (
            "updates",
            f"‖ΔW‖ / ‖W‖ below {_short(UPDATE_LOW, 0)} or above {_short(UPDATE_HIGH, 0)} "
            f"(median of the newest {WINDOW}); about {_short(UPDATE_TYPICAL, 0)} is usual",
        ),
    )
