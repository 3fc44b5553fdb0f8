"""The scalar `Node` of the computation graph, its operations and their local derivatives.

Every node holds one float `value`, the operation `op` that made it, its `parents` in
order (never a set, so every walk is deterministic), and `local_grads`: ∂node/∂parent for
each parent, computed in the forward pass beside the operation (as in karpathy/micrograd).
`grad` holds ∂L/∂node once `core.autodiff.graph.backward` has run. Arithmetic that leaves the
real numbers (log of 0, division by 0, overflow) raises `ExpressionError`, never a bare
Python exception.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterable
from numbers import Real

from backprop_tui.core.errors import BackpropError, UnknownNameError
from backprop_tui.core.format import fmt_number
from backprop_tui.core.nn.activations import ACTIVATIONS, ScalarRule

# The activations a node can apply: every record with a scalar rule (core.nn.activations).
ACTIVATION_OPS = tuple(name for name, act in ACTIVATIONS.items() if act.scalar is not None)
OPS = (
    *("var", "const", "+", "-", "*", "/", "**", "neg", "exp", "log"),
    *ACTIVATION_OPS,
    *("half_square", "sum"),
)
BINARY_OPS = ("+", "-", "*", "/", "**")


class ExpressionError(BackpropError, ValueError):
    """An expression that cannot be parsed or evaluated; `column` is 1-based when known."""

    def __init__(self, message: str, column: int | None = None, line: int | None = None) -> None:
        where = f"line {line}, column {column}: " if line else ""
        where = where or (f"column {column}: " if column else "")
        super().__init__(where + message)
        self.reason, self.column, self.line = message, column, line


def fmt(value: float, digits: int = 4) -> str:
    """A number as the graph writes it: core.format's "plain" style, '0.25', '-1.5'."""
    return fmt_number(value, digits, style="plain")


class Node:
    """One scalar in the graph: value, gradient ∂L/∂value, op, ordered parents, local grads."""

    __slots__ = ("grad", "id", "label", "local_grads", "op", "parents", "value")
    _ids = itertools.count()

    def __init__(
        self,
        value: float,
        op: str = "var",
        parents: tuple[Node, ...] = (),
        local_grads: tuple[float, ...] = (),
        label: str = "",
    ) -> None:
        if op not in OPS or len(parents) != len(local_grads):
            raise ValueError(f"bad node: op {op!r}, {len(parents)} parents, {len(local_grads)}")
        if not math.isfinite(value):
            raise ExpressionError(f"{label or op} is not a finite number: {value}")
        self.value, self.grad, self.op, self.label = float(value), 0.0, op, label
        self.parents, self.local_grads = tuple(parents), tuple(map(float, local_grads))
        self.id = next(Node._ids)  # creation order, so older nodes sort first

    @staticmethod
    def const(value: float, label: str = "") -> Node:
        """A constant leaf (its gradient is computed but means nothing to the user)."""
        return Node(value, "const", label=label)

    @property
    def name(self) -> str:
        """The label, or a constant's number, or `n<id>` for an unnamed intermediate node."""
        return self.label or (fmt(self.value) if self.op == "const" else f"n{self.id}")

    def __repr__(self) -> str:
        return f"Node({self.name}, op={self.op!r}, value={self.value!r}, grad={self.grad!r})"

    def __add__(self, other: Node | float) -> Node:
        return _apply("+", lambda a, b: (a + b, (1.0, 1.0)), self, other)

    def __radd__(self, other: float) -> Node:
        return _apply("+", lambda a, b: (a + b, (1.0, 1.0)), other, self)

    def __sub__(self, other: Node | float) -> Node:
        return _apply("-", lambda a, b: (a - b, (1.0, -1.0)), self, other)

    def __rsub__(self, other: float) -> Node:
        return _apply("-", lambda a, b: (a - b, (1.0, -1.0)), other, self)

    def __mul__(self, other: Node | float) -> Node:
        return _apply("*", lambda a, b: (a * b, (b, a)), self, other)

    def __rmul__(self, other: float) -> Node:
        return _apply("*", lambda a, b: (a * b, (b, a)), other, self)

    def __truediv__(self, other: Node | float) -> Node:
        return _apply("/", _divide, self, other)

    def __rtruediv__(self, other: float) -> Node:
        return _apply("/", _divide, other, self)

    def __pow__(self, other: Node | float) -> Node:
        return _apply("**", _power, self, other)

    def __rpow__(self, other: float) -> Node:
        return _apply("**", _power, other, self)

    def __neg__(self) -> Node:
        return _apply("neg", lambda a: (-a, (-1.0,)), self)

    def __pos__(self) -> Node:
        return self

    def exp(self) -> Node:
        return _apply("exp", lambda a: (v := math.exp(a), (v,)), self)

    def log(self) -> Node:
        if self.value <= 0:
            raise ExpressionError(f"log needs a positive argument: log({fmt(self.value)})")
        return _apply("log", lambda a: (math.log(a), (1.0 / a,)), self)

    def activation(self, name: str) -> Node:
        """σ(self) for the activation `name`, with its local derivative σ'(self), both
        from the activation's record (core.nn.activations)."""
        rule = ACTIVATIONS[name].scalar if name in ACTIVATION_OPS else None
        if rule is None:
            raise UnknownNameError("activation for the scalar graph", name, ACTIVATION_OPS)

        def compute(a: float, rule: ScalarRule = rule) -> tuple[float, tuple[float]]:
            value, slope = rule(a)
            return value, (slope,)

        return _apply(name, compute, self)

    def tanh(self) -> Node:
        return self.activation("tanh")

    def sigmoid(self) -> Node:
        return self.activation("sigmoid")

    def relu(self) -> Node:
        # torch's convention: the derivative at exactly 0 is 0.
        return self.activation("relu")

    def leaky_relu(self) -> Node:
        return self.activation("leaky_relu")

    def linear(self) -> Node:
        return self.activation("linear")

    def half_square(self) -> Node:
        """½·a², the notes' squared error, with ∂/∂a = a."""
        return _apply("half_square", lambda a: (0.5 * a * a, (a,)), self)

    @staticmethod
    def sum(nodes: Iterable[Node], label: str = "") -> Node:
        """Σ nodes as one node whose local derivative is 1 for every parent."""
        parents = tuple(nodes)
        return _apply("sum", lambda *v: (math.fsum(v), (1.0,) * len(v)), *parents, label=label)


def _divide(a: float, b: float) -> tuple[float, tuple[float, ...]]:
    if b == 0:
        raise ExpressionError(f"division by zero: {fmt(a)} / 0")
    v = a / b
    return v, (1.0 / b, -v / b)


def _power(a: float, b: float) -> tuple[float, tuple[float, ...]]:
    if a < 0 and b != int(b):
        raise ExpressionError(f"a negative number to a fractional power: ({fmt(a)}) ** {fmt(b)}")
    if a == 0 and b < 0:
        raise ExpressionError(f"zero to a negative power: 0 ** {fmt(b)}")
    v = a**b
    try:
        d_base = b * a ** (b - 1) if b != 0 else 0.0
    except ZeroDivisionError:  # 0 ** b with 0 < b < 1: the slope is vertical
        d_base = math.inf
    # ∂/∂b = a^b · ln a; for a ≤ 0 it exists only as a limit (a = 0) or not at all.
    d_exponent = v * math.log(a) if a > 0 else (0.0 if a == 0 else math.nan)
    return v, (d_base, d_exponent)


def _lift(value: Node | float) -> Node:
    if isinstance(value, Node):
        return value
    if isinstance(value, Real):
        return Node.const(float(value))
    raise TypeError(f"cannot use {type(value).__name__} in a computation graph")


def _apply(
    op: str, compute: Callable[..., tuple], *operands: Node | float, label: str = ""
) -> Node:
    """The node `op(operands)`; arithmetic failures become `ExpressionError`."""
    parents = tuple(_lift(p) for p in operands)
    values = [fmt(p.value) for p in parents]
    shown = f" {op} ".join(values) if op in BINARY_OPS else f"{op}({', '.join(values)})"
    try:
        value, local = compute(*(p.value for p in parents))
    except OverflowError:
        raise ExpressionError(f"{shown} overflows") from None
    except (ZeroDivisionError, ValueError) as exc:
        if isinstance(exc, ExpressionError):
            raise
        raise ExpressionError(f"{shown} is not a finite real number") from None
    if op == "**" and not math.isfinite(local[1]) and parents[1].op != "const":
        raise ExpressionError(f"∂(a ** b)/∂b needs a > 0; here a = {fmt(parents[0].value)}")
    if op == "**" and parents[1].op == "const":
        local = (local[0], 0.0)
    if not math.isfinite(value):
        raise ExpressionError(f"{shown} overflows")
    if not all(map(math.isfinite, local)):
        raise ExpressionError(f"{shown} has an infinite derivative")
    return Node(value, op, parents, local, label)


def exp(x: Node | float) -> Node:
    """The node e^x."""
    return _lift(x).exp()


def log(x: Node | float) -> Node:
    """The node ln x (x > 0)."""
    return _lift(x).log()


def tanh(x: Node | float) -> Node:
    """The node tanh x."""
    return _lift(x).tanh()


def sigmoid(x: Node | float) -> Node:
    """The node σ(x) = 1/(1 + e^−x)."""
    return _lift(x).sigmoid()


def relu(x: Node | float) -> Node:
    """The node max(0, x)."""
    return _lift(x).relu()


def shifted_exponentials(z: list[Node] | tuple[Node, ...]) -> tuple[list[Node], list[Node], Node]:
    """The nodes softmax and log-softmax are built from: zₖ − m with m = max z a constant
    (the shift cancels in every derivative, and no e^z overflows), e^(zₖ − m), and their
    sum Σⱼ e^(zⱼ − m)."""
    top = max(node.value for node in z)
    shifted = [node - top for node in z]
    powers = [s.exp() for s in shifted]
    return shifted, powers, Node.sum(powers, label="Σⱼ e^(zⱼ − max z)")


def local_formula(node: Node) -> str | None:
    """∂node/∂parent in symbols for a node that applies an activation, e.g. "1 − tanh²(z1)"
    (its record's `local_formula` with the parent's name put in); None for other ops."""
    act = ACTIVATIONS.get(node.op)
    if act is None or act.local_formula is None or len(node.parents) != 1:
        return None
    return act.local_formula.format(x=node.parents[0].name)


def sqrt(x: Node | float) -> Node:
    """√x as the node x ** 0.5."""
    x = _lift(x)
    if x.value < 0:
        raise ExpressionError(f"sqrt needs a non-negative argument: sqrt({fmt(x.value)})")
    return x**0.5
