"""A traced step (core.trace.model.StepData) written out as a worked example, like the
notes' "Toy Example": Initialization, Forward pass, Loss, Backward pass, Update — as plain
text or as Markdown (headings, bullet lists and code blocks of Unicode math, no LaTeX, so
it reads the same in a terminal and on GitHub)."""

from __future__ import annotations

from backprop_tui.core.format import fmt_array, fmt_number
from backprop_tui.core.trace.model import Phase, StepData

SECTION_ORDER = ("Forward pass", "Loss", "Backward pass", "Update")


def _title(trace: StepData) -> str:
    return f"One training step of a {'-'.join(map(str, trace.sizes))} network"


def _settings(trace: StepData) -> list[str]:
    p = trace.precision
    hyper = ", ".join(
        f"{k} = {fmt_number(v, p) if isinstance(v, float) else v}"
        for k, v in trace.hyperparameters.items()
        if k != "learning_rate" and not (k == "weight_decay" and not v)
    )
    batch = f"{trace.batch_size} sample" + ("s" if trace.batch_size != 1 else "")
    if trace.sample_indices is not None:
        rows = ", ".join(str(i + 1) for i in trace.sample_indices[:8])  # counted from 1
        more = ", …" if len(trace.sample_indices) > 8 else ""
        batch += f" (training row{'s' if len(trace.sample_indices) > 1 else ''} {rows}{more})"
    lines = [
        f"Activations: {', '.join(trace.activations)}",
        f"Loss: {trace.loss_kind}; the batch loss L is the mean of the per-sample losses ℓᵢ",
        f"Optimizer: {trace.optimizer}, {trace.optimizer_rule}, "
        f"η = {fmt_number(trace.lr, p)}" + (f", {hyper}" if hyper else ""),
        f"Batch: {batch}",
    ]
    if not trace.train_biases:
        lines.append("Biases are fixed (train_biases = false): they are not updated")
    return lines


def _initialization(trace: StepData) -> list[str]:
    p = trace.precision

    def show(array) -> str:
        if trace.batch_size == 1 and array.ndim == 2:
            array = array[0]
        return fmt_array(array, p)

    lines = [f"x = {show(trace.x)}", f"y = {show(trace.y)}"]
    for lt in trace.layers:
        lines.append(f"W({lt.layer}) = {fmt_array(lt.W, p)}")
        lines.append(f"b({lt.layer}) = {fmt_array(lt.b, p)}")
    return lines


def _grouped(trace: StepData) -> list[tuple[str, list[tuple[int, Phase]]]]:
    groups: dict[str, list[tuple[int, Phase]]] = {name: [] for name in SECTION_ORDER}
    for number, phase in enumerate(trace.phases, start=1):
        groups[phase.section].append((number, phase))
    return [(name, groups[name]) for name in SECTION_ORDER]


def _closing(trace: StepData) -> str:
    p = trace.precision
    return (
        f"Loss on the same batch after the update: L = {fmt_number(trace.loss_after, p)} "
        f"(before: {fmt_number(trace.loss, p)})"
    )


def _result(phase: Phase) -> str:
    arrow = "←" if phase.kind.startswith("update") else "="
    return f"{phase.symbol} {arrow} {phase.result}"


def render_text(trace: StepData) -> str:
    """Plain text: underlined section headings, each phase numbered and indented."""
    title = _title(trace)
    out = [title, "=" * len(title), ""]
    out += _settings(trace)
    out += ["", "Initialization", "-" * len("Initialization")]
    out += [f"  {line}" for line in _initialization(trace)]
    for section, phases in _grouped(trace):
        out += ["", section, "-" * len(section)]
        for number, phase in phases:
            out.append(f"  {number}. {phase.title}")
            out.append(f"       {phase.equation}")
            out += [f"       {line}" for line in phase.substituted.splitlines()]
            out.append(f"     → {_result(phase)}")
            out.append("")
        if out[-1] == "":
            out.pop()
    out += ["", _closing(trace), ""]
    return "\n".join(out)


def render_markdown(trace: StepData) -> str:
    """Markdown: a heading per section, each phase a bold title, a code block with the
    equation and its numbers, and the result."""
    out = [f"# {_title(trace)}", ""]
    out += [f"- {line}" for line in _settings(trace)]
    out += ["", "## Initialization", "", "```text"]
    out += _initialization(trace)
    out += ["```"]
    for section, phases in _grouped(trace):
        out += ["", f"## {section}"]
        for number, phase in phases:
            out += ["", f"**{number}. {phase.title}**", "", "```text", phase.equation]
            out += phase.substituted.splitlines()
            out += ["```", "", f"Result: `{_result(phase)}`"]
    out += ["", _closing(trace), ""]
    return "\n".join(out)
