"""backprop-tui's engine: a numpy multi-layer perceptron in the notation of the notes
(z = W a + b, a = σ(z), δ, ∂L/∂W = δ a(l−1)ᵀ, W ← W − η ∂L/∂W), usable from a notebook.

    from backprop_tui.core import load, build_trainer, trace_step, grad

    preset = load("seed-toy")            # a shipped name or a path to a .toml
    trainer = build_trainer(preset)
    trace = trace_step(trainer)          # the next step, phase by phase (trainer unchanged)
    print(trace.to_text())
    trainer.step()
    value, gradients = grad("0.5 * (w * x - t) ** 2", {"w": 1.5, "x": 2, "t": 5})
    report = compare("seed-toy", {"delta1": my_delta1})   # your own backprop, checked

The names below are imported when first used, so importing one submodule stays cheap.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_EXPORTS = {
    "Network": "backprop_tui.core.nn.network",
    "get_activation": "backprop_tui.core.nn.activations",
    "get_loss": "backprop_tui.core.nn.losses",
    "make_optimizer": "backprop_tui.core.nn.optimizers",
    "gradient_check": "backprop_tui.core.nn.gradcheck",
    "Dataset": "backprop_tui.core.data.dataset",
    "Preset": "backprop_tui.core.config.records",
    "load": "backprop_tui.core.config.presets",
    "list_presets": "backprop_tui.core.config.presets",
    "build_trainer": "backprop_tui.core.config.presets",
    "Trainer": "backprop_tui.core.training.trainer",
    "Snapshot": "backprop_tui.core.training.snapshot",
    "StepTrace": "backprop_tui.core.trace.record",
    "trace_step": "backprop_tui.core.trace.record",
    "compare": "backprop_tui.core.learn.compare",
    "grad": "backprop_tui.core.autodiff.parse",
    "parse_expression": "backprop_tui.core.autodiff.parse",
    "BackpropError": "backprop_tui.core.errors",
}

__all__ = [
    "BackpropError",
    "Dataset",
    "Network",
    "Preset",
    "Snapshot",
    "StepTrace",
    "Trainer",
    "build_trainer",
    "compare",
    "get_activation",
    "get_loss",
    "grad",
    "gradient_check",
    "list_presets",
    "load",
    "make_optimizer",
    "parse_expression",
    "trace_step",
]

if TYPE_CHECKING:
    from backprop_tui.core.autodiff.parse import grad, parse_expression
    from backprop_tui.core.config.presets import build_trainer, list_presets, load
    from backprop_tui.core.config.records import Preset
    from backprop_tui.core.data.dataset import Dataset
    from backprop_tui.core.errors import BackpropError
    from backprop_tui.core.learn.compare import compare
    from backprop_tui.core.nn.activations import get_activation
    from backprop_tui.core.nn.gradcheck import gradient_check
    from backprop_tui.core.nn.losses import get_loss
    from backprop_tui.core.nn.network import Network
    from backprop_tui.core.nn.optimizers import make_optimizer
    from backprop_tui.core.trace.record import StepTrace, trace_step
    from backprop_tui.core.training.snapshot import Snapshot
    from backprop_tui.core.training.trainer import Trainer


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'backprop_tui.core' has no attribute {name!r}")
    value = getattr(importlib.import_module(_EXPORTS[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
