"""The phases of a traced step, in walking order: what each one computes, in the notes'
notation and with the numbers put in. `build_phases` is called by
`core.trace.record.trace_step`; the phases themselves are written by core.trace.forward,
core.trace.backward and core.trace.updates, on the data model of core.trace.model.
"""

from __future__ import annotations

from collections.abc import Sequence

from backprop_tui.core.nn.activations import Activation
from backprop_tui.core.nn.losses import Loss
from backprop_tui.core.nn.optimizers import Optimizer
from backprop_tui.core.trace.backward import BackwardPhases
from backprop_tui.core.trace.forward import ForwardPhases
from backprop_tui.core.trace.model import Phase, StepData
from backprop_tui.core.trace.updates import UpdatePhases


def build_phases(
    trace: StepData,
    loss: Loss,
    activations: Sequence[Activation],
    optimizer: Optimizer,
) -> list[Phase]:
    """The phases of `trace` in walking order (see core.trace.record). `optimizer` is the copy
    after its step (its t and hyper-parameters are shown in the update equations)."""
    return _Builder(trace, loss, activations, optimizer).build()


class _Builder(ForwardPhases, BackwardPhases, UpdatePhases):
    def build(self) -> list[Phase]:
        phases: list[Phase] = []
        for l in range(1, self.L + 1):
            phases.append(self.forward_z(l))
            phases.append(self.forward_a(l))
        phases.append(self.loss_phase())
        phases.append(self.delta_output())
        for l in range(self.L - 1, 0, -1):
            phases.append(self.delta_hidden(l))
        for l in range(self.L, 0, -1):
            phases.append(self.grad_W(l))
            phases.append(self.grad_b(l))
        for l in range(self.L, 0, -1):
            phases.append(self.update(l, "W"))
            if self.trace.train_biases:
                phases.append(self.update(l, "b"))
        return phases
