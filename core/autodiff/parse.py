"""The safe expression parser: text such as `0.5 * (w * x - t) ** 2` → a scalar graph.

The text is read by Python's `ast` and built through a whitelist of node types (never
`eval`): numbers, variables, + − * / **, unary − and +, parentheses and one-argument calls
of the functions in `FUNCTIONS`. An exponent without variables, `x ** (1 + 1)` or
`x ** 2 ** 2`, is one constant, so ∂(a ** b)/∂b is never asked of it. Domain errors (log
of 0, division by 0, overflow) and anything outside the whitelist raise `ExpressionError`
with the 1-based column; text from the expression in a message goes through `shown`.
"""

from __future__ import annotations

import ast
import keyword
import math
import re
from collections.abc import Mapping

from backprop_tui.core.autodiff.graph import name_nodes, topological_order
from backprop_tui.core.autodiff.node import (
    ExpressionError,
    Node,
    exp,
    log,
    relu,
    sigmoid,
    sqrt,
    tanh,
)
from backprop_tui.core.text import did_you_mean, quoted, shown

__all__ = ["FUNCTIONS", "parse_assignments", "parse_expression"]

FUNCTIONS = ("exp", "log", "relu", "sigmoid", "sqrt", "tanh")

_BINARY = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}
_OTHER_OPERATORS = {
    ast.FloorDiv: "//", ast.Mod: "%", ast.MatMult: "@", ast.BitXor: "^", ast.BitOr: "|",
    ast.BitAnd: "&", ast.LShift: "<<", ast.RShift: ">>",
}  # fmt: skip
_CONSTANTS = {str: "strings", bytes: "bytes", bool: "True and False", complex: "complex numbers"}
_REJECTED = {
    ast.UnaryOp: "the operators 'not' and '~'",
    ast.Attribute: "attribute lookups", ast.Subscript: "subscripts", ast.Lambda: "lambdas",
    ast.Compare: "comparisons", ast.IfExp: "conditional expressions", ast.BoolOp: "'and' and 'or'",
    ast.JoinedStr: "f-strings", ast.NamedExpr: "assignments", ast.Starred: "starred arguments",
    ast.List: "lists", ast.Tuple: "tuples", ast.Dict: "dicts", ast.Set: "sets",
    ast.ListComp: "comprehensions", ast.GeneratorExp: "comprehensions",
    ast.SetComp: "comprehensions", ast.DictComp: "comprehensions", ast.Slice: "slices",
}  # fmt: skip
_TOO_DEEP = "the expression is too long or too deeply nested"


def _constant(node: Node) -> Node:
    """`node` as one constant when no variable feeds it (`1 + 1` → 2), else `node`."""
    if node.op == "const" or any(n.op == "var" for n in topological_order(node)):
        return node
    return Node.const(node.value)


class _Builder:
    """Walks an `ast` tree, accepting only the whitelisted node types."""

    def __init__(self, line: str, shift: int, variables: Mapping[str, float]) -> None:
        self.line, self.shift, self.variables = line, shift, variables
        self.leaves: dict[str, Node] = {}

    def error(self, tree: ast.AST, message: str) -> ExpressionError:
        # ast columns count UTF-8 bytes; people count characters.
        offset = getattr(tree, "col_offset", 0)
        chars = self.line.encode()[:offset].decode("utf-8", "replace")
        return ExpressionError(message, column=len(chars) + self.shift + 1)

    def build(self, tree: ast.AST) -> Node:
        try:
            return self.visit(tree)
        except ExpressionError as exc:
            if exc.column is None:  # a domain error: point at the operation that failed
                raise self.error(tree, exc.reason) from None
            raise

    def visit(self, tree: ast.AST) -> Node:
        if isinstance(tree, ast.Constant):
            number = tree.value
            if isinstance(number, bool) or not isinstance(number, int | float):
                kind = _CONSTANTS.get(type(number), "constants like this")
                raise self.error(tree, f"{kind} are not allowed: {self.source(tree)}")
            try:
                value = float(number)
            except OverflowError:
                value = math.inf
            if not math.isfinite(value):
                raise self.error(tree, f"the number {self.source(tree)} is too large")
            return Node.const(value)
        if isinstance(tree, ast.Name):
            return self.variable(tree)
        if isinstance(tree, ast.UnaryOp) and isinstance(tree.op, ast.USub | ast.UAdd):
            operand = self.build(tree.operand)
            if isinstance(tree.op, ast.UAdd):
                return operand
            return Node.const(-operand.value) if operand.op == "const" else -operand
        if isinstance(tree, ast.BinOp):
            op = _BINARY.get(type(tree.op))
            if op is None:
                text = _OTHER_OPERATORS[type(tree.op)]
                hint = " (use ** for powers)" if text == "^" else ""
                raise self.error(tree, f"the operator {text!r} is not allowed{hint}")
            left, right = self.build(tree.left), self.build(tree.right)
            if op == "**":
                # A constant exponent, whatever its form: only the base gets a gradient,
                # as in `x ** 2`, and a negative base is allowed.
                right = _constant(right)
            return {"+": Node.__add__, "-": Node.__sub__, "*": Node.__mul__,
                    "/": Node.__truediv__, "**": Node.__pow__}[op](left, right)  # fmt: skip
        if isinstance(tree, ast.Call):
            return self.call(tree)
        what = _REJECTED.get(type(tree), f"{type(tree).__name__} expressions")
        raise self.error(tree, f"{what} are not allowed: '{self.source(tree)}'")

    def source(self, tree: ast.AST) -> str:
        """The text of `tree`, safe to quote in a message (one line, capped)."""
        return shown(ast.get_source_segment(self.line, tree) or ast.unparse(tree))

    def variable(self, tree: ast.Name) -> Node:
        name = tree.id
        if name not in self.variables:
            known = sorted(self.variables)
            same_case = [k for k in known if k.lower() == name.lower()]
            hint = (
                f" (did you mean {quoted(same_case[0])}?)"
                if same_case
                else did_you_mean(name, known)
            )
            hint = f" ({name} is a function: write {name}(…))" if name in FUNCTIONS else hint
            listed = ", ".join(map(shown, known)) if known else "none (give values as NAME=VALUE)"
            raise self.error(
                tree, f"unknown variable '{shown(name)}'{hint}; known variables: {shown(listed)}"
            )
        if name not in self.leaves:
            try:
                value = float(self.variables[name])
            except (TypeError, ValueError):
                raise self.error(tree, f"the value of {shown(name)} is not a number") from None
            self.leaves[name] = Node(value, label=name)
        return self.leaves[name]

    def call(self, tree: ast.Call) -> Node:
        name = tree.func.id if isinstance(tree.func, ast.Name) else self.source(tree.func)
        if name not in FUNCTIONS:
            hint = did_you_mean(name, FUNCTIONS)
            allowed = ", ".join(FUNCTIONS)
            message = f"function calls other than {allowed} are not allowed: '{shown(name)}'{hint}"
            raise self.error(tree, message)
        if tree.keywords:
            raise self.error(tree.keywords[0], f"keyword arguments are not allowed in {name}()")
        if len(tree.args) != 1:
            raise self.error(tree, f"{name}() takes exactly one argument, got {len(tree.args)}")
        function = {"exp": exp, "log": log, "relu": relu, "sigmoid": sigmoid, "sqrt": sqrt,
                    "tanh": tanh}[name]  # fmt: skip
        return function(self.build(tree.args[0]))


def _not_text(expr: str) -> ExpressionError | None:
    """The error for a lone surrogate: a byte that was not UTF-8 where the expression came
    from (the command line keeps such bytes as U+DC80 … U+DCFF)."""
    for column, char in enumerate(expr, 1):
        if "\ud800" <= char <= "\udfff":
            byte = f"0x{ord(char) - 0xDC00:02x}" if char >= "\udc80" else shown(char)
            return ExpressionError(f"the byte {byte} is not UTF-8 text", column=column)
    return None


def parse_expression(expr: str, variables: Mapping[str, float]) -> Node:
    """The graph of `expr` with the given variable values; returns the root, values computed.

    Accepted: numbers, variable names, + − * / ** (binary), unary − and +, parentheses and
    calls of exp, log, tanh, sigmoid, relu, sqrt with one argument. Unnamed intermediate
    nodes are labelled z1, z2, … and the root L (see `name_nodes`). Anything else, and any
    domain error, raises `ExpressionError` naming the 1-based column.
    """
    text = expr.strip()
    if not text:
        raise ExpressionError("the expression is empty")
    if "\n" in text:
        raise ExpressionError("write the expression on one line")
    if (error := _not_text(expr)) is not None:
        raise error
    shift = len(expr) - len(expr.lstrip())
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as exc:
        column, reason = (exc.offset or 1) + shift, shown(exc.msg)
        if text[-1] in "+-*/(,":
            # Python points at the start for a dangling operator; the end is what is missing.
            column = shift + len(text)
            reason = f"expected a number, a variable or '(' after {text[-1]!r}"
        elif reason == "invalid syntax":
            reason = "this is not a valid arithmetic expression here"
        raise ExpressionError(f"invalid syntax: {reason}", column=column, line=1) from None
    except (RecursionError, MemoryError):
        raise ExpressionError(_TOO_DEEP) from None
    try:
        root = _Builder(text, shift, variables).build(tree.body)
    except RecursionError:
        raise ExpressionError(_TOO_DEEP) from None
    name_nodes(root)
    return root


def parse_assignments(text: str) -> dict[str, float]:
    """Variable values from text like "w=1.5, x=2, t=5" (separated by ',', ';' or spaces)."""
    values: dict[str, float] = {}
    compact = re.sub(r"\s*=\s*", "=", text.strip())
    for item in filter(None, re.split(r"[,;\s]+", compact)):
        name, sep, number = item.partition("=")
        if not sep or not name or not number:
            raise ExpressionError(f"expected NAME=VALUE, got '{shown(item)}'")
        if not name.isidentifier() or keyword.iskeyword(name) or name in FUNCTIONS:
            raise ExpressionError(f"'{shown(name)}' is not a valid variable name")
        try:
            value = float(number)
        except ValueError:
            raise ExpressionError(
                f"the value of {shown(name)} is not a number: '{shown(number)}'"
            ) from None
        if not math.isfinite(value):
            raise ExpressionError(
                f"the value of {shown(name)} must be finite, got '{shown(number)}'"
            )
        if name in values:
            raise ExpressionError(f"{shown(name)} is given twice")
        values[name] = value
    return values


def grad(expression: str, variables: Mapping[str, float]) -> tuple[float, dict[str, float]]:
    """The value of `expression` at `variables` and ∂value/∂v for every variable v in it
    (reverse mode through the scalar graph). Raises `ExpressionError`."""
    from backprop_tui.core.autodiff.graph import backward, gradients

    root = parse_expression(expression, variables)
    backward(root)
    return root.value, gradients(root)
