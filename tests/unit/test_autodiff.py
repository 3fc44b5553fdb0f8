"""The scalar computation graph, its backward steps and the safe expression parser."""

import builtins
import json

import pytest
from backprop_tui.core.autodiff.graph import (
    ExpressionError,
    Node,
    backward,
    backward_steps,
    depths,
    gradients,
    seed_scalar_graph,
    sqrt,
    to_dict,
    topological_order,
)
from backprop_tui.core.autodiff.parse import parse_assignments, parse_expression
from backprop_tui.core.errors import BackpropError

VARS = {"w": 1.5, "x": 2.0, "t": 5.0}

# (op the node records, function of the variable nodes, point)
OPERATIONS = [
    ("+", lambda a, b: a + b, (1.3, -0.7)),
    ("-", lambda a, b: a - b, (1.3, -0.7)),
    ("*", lambda a, b: a * b, (1.3, -0.7)),
    ("/", lambda a, b: a / b, (1.3, -0.7)),
    ("**", lambda a, b: a**b, (1.3, 0.7)),
    ("**", lambda a: a**3, (-1.2,)),
    ("**", lambda a: 2.0**a, (0.4,)),
    ("**", sqrt, (0.6,)),
    ("+", lambda a: 3 + a, (0.4,)),
    ("-", lambda a: 3 - a, (0.4,)),
    ("*", lambda a: 3 * a, (0.4,)),
    ("/", lambda a: 3 / a, (0.4,)),
    ("neg", lambda a: -a, (0.4,)),
    ("exp", Node.exp, (0.4,)),
    ("log", Node.log, (0.4,)),
    ("tanh", Node.tanh, (-0.4,)),
    ("sigmoid", Node.sigmoid, (0.9,)),
    ("sigmoid", Node.sigmoid, (-2.5,)),
    ("relu", Node.relu, (0.8,)),
    ("relu", Node.relu, (-0.8,)),
    ("leaky_relu", Node.leaky_relu, (-0.8,)),
    ("linear", Node.linear, (-0.8,)),
    ("half_square", Node.half_square, (-0.8,)),
    ("sum", lambda a, b, c: Node.sum([a, b, c]), (0.1, -0.2, 0.3)),
]


@pytest.mark.parametrize(("op", "f", "point"), OPERATIONS)
def test_every_operation_matches_central_finite_differences(op, f, point):
    leaves = [Node(v, label=f"v{k}") for k, v in enumerate(point)]
    out = f(*leaves)
    assert out.op == op
    backward(out)
    h = 1e-6
    for k, leaf in enumerate(leaves):
        up = [Node(v + h * (j == k)) for j, v in enumerate(point)]
        down = [Node(v - h * (j == k)) for j, v in enumerate(point)]
        estimate = (f(*up).value - f(*down).value) / (2 * h)
        assert leaf.grad == pytest.approx(estimate, rel=1e-6, abs=1e-8)


def test_notes_example_gives_loss_2_and_dl_dw_minus_4_and_dl_dx_minus_3():
    L = seed_scalar_graph(x=2.0, w=1.5, t=5.0)
    backward(L)
    assert L.value == 0.5 * (3 - 5) ** 2 == 2.0
    assert gradients(L) == {"w": -4.0, "x": -3.0, "t": 2.0}


def test_seed_graph_has_exactly_the_notes_nodes_z1_z2_and_l():
    order = topological_order(seed_scalar_graph())
    assert [(n.name, n.op) for n in order] == [
        ("w", "var"), ("x", "var"), ("z1", "*"), ("t", "var"), ("z2", "-"), ("L", "half_square"),
    ]  # fmt: skip
    assert [n.value for n in order] == [1.5, 2.0, 3.0, 5.0, -2.0, 2.0]


def test_backward_steps_show_each_chain_rule_product_ending_with_dl_dw_minus_4():
    steps = backward_steps(seed_scalar_graph())
    assert [s.name for s in steps] == ["L", "z2", "t", "z1", "x", "w"]
    assert [s.upstream for s in steps] == [1.0, -2.0, 2.0, -2.0, -3.0, -4.0]
    z1 = steps[3]
    assert [(t.parent_name, t.local_grad, t.product) for t in z1.terms] == [
        ("w", 2.0, -4.0),
        ("x", 1.5, -3.0),
    ]
    assert "∂L/∂z1 = ∂L/∂z2 · ∂z2/∂z1 = (-2) · 1 = -2" in steps[1].lines()
    assert "∂L/∂w = ∂L/∂z1 · ∂z1/∂w = (-2) · x = (-2) · 2 = -4" in z1.lines()
    assert steps[-1].equation() == "∂L/∂w = -4"


def test_parser_gives_the_same_values_and_gradients_as_the_seed_graph():
    parsed = parse_expression("0.5 * (w * x - t) ** 2", VARS)
    seed = seed_scalar_graph()
    backward(parsed)
    backward(seed)
    assert parsed.value == seed.value == 2.0
    assert gradients(parsed) == gradients(seed)


def test_parser_names_intermediate_nodes_z1_z2_and_the_root_l():
    root = parse_expression("0.5 * (w * x - t) ** 2", VARS)
    names = [n.name for n in topological_order(root) if n.op not in ("var", "const")]
    assert names == ["z1", "z2", "z3", "L"]


@pytest.mark.parametrize(
    ("expr", "column", "fragment"),
    [
        ("__import__('os')", 1, "function calls other than exp, log, relu, sigmoid, sqrt, tanh"),
        ("w + open('f')", 5, "are not allowed: 'open'"),
        ("1 + w.real", 5, "attribute lookups are not allowed: 'w.real'"),
        ("x[0]", 1, "subscripts are not allowed: 'x[0]'"),
        ("lambda: 1", 1, "lambdas are not allowed"),
        ("w * (w if x else t)", 6, "conditional expressions are not allowed"),
        ('"s"', 1, "strings are not allowed"),
        ("w < x", 1, "comparisons are not allowed: 'w < x'"),
        ("exp(w, x)", 1, "exp() takes exactly one argument, got 2"),
        ("exp(x=w)", 5, "keyword arguments are not allowed"),
        ("w ^ 2", 1, "the operator '^' is not allowed (use ** for powers)"),
        ("w // 2", 1, "the operator '//' is not allowed"),
        ("os.system(w)", 1, "not allowed: 'os.system'"),
        ("  x + True", 7, "True and False are not allowed"),
    ],
)
def test_parser_rejects_anything_outside_the_whitelist_naming_it_and_its_column(
    expr, column, fragment
):
    with pytest.raises(ExpressionError) as info:
        parse_expression(expr, VARS)
    assert info.value.column == column
    assert str(info.value).startswith(f"column {column}: ")
    assert fragment in str(info.value)
    assert isinstance(info.value, BackpropError)


def test_unknown_variable_is_named_with_the_known_ones_and_a_close_match():
    with pytest.raises(ExpressionError, match=r"column 5: unknown variable 'q'; known .*: t, w, x"):
        parse_expression("w * q", VARS)
    with pytest.raises(ExpressionError, match=r"unknown variable 'tt' \(did you mean 't'\?\)"):
        parse_expression("w - tt", VARS)
    with pytest.raises(ExpressionError, match=r"did you mean 'w'\?"):
        parse_expression("W * x", VARS)
    with pytest.raises(ExpressionError, match=r"column 3: unknown variable 'exp' \(exp is a func"):
        parse_expression("w*exp", VARS)


def test_syntax_error_reports_line_and_column():
    with pytest.raises(ExpressionError, match=r"line 1, column 5: invalid syntax: '\(' was never"):
        parse_expression("w * (x", VARS)


def test_columns_count_characters_not_utf8_bytes():
    with pytest.raises(ExpressionError) as info:
        parse_expression("η + w.real", {"η": 0.5, "w": 1.0})
    assert info.value.column == 5


@pytest.mark.parametrize(
    ("expr", "message"),
    [
        ("log(-1)", "log needs a positive argument: log(-1)"),
        ("1 / 0", "division by zero: 1 / 0"),
        ("w / (x - 2)", "division by zero: 1.5 / 0"),
        ("exp(1000)", "exp(1000) overflows"),
        ("10 ** 400", "10 ** 400 overflows"),
        ("sqrt(-1)", "sqrt needs a non-negative argument"),
        ("(-8) ** (1 / 3)", "a negative number to a fractional power"),
        ("0 ** -1", "zero to a negative power"),
        ("1e999", "the number 1e999 is too large"),
    ],
)
def test_domain_errors_become_expression_errors_with_a_column(expr, message):
    with pytest.raises(ExpressionError) as info:
        parse_expression(expr, VARS)
    assert message in str(info.value)
    assert info.value.column == 1


def test_parser_never_calls_eval_or_exec(monkeypatch):
    def forbidden(*args, **kwargs):
        raise AssertionError("the parser must not evaluate code")

    # compile stays: ast.parse is compile(..., PyCF_ONLY_AST), which makes a tree, not code.
    for name in ("eval", "exec"):
        monkeypatch.setattr(builtins, name, forbidden)
    assert parse_expression("-w + +x * sigmoid(relu(t)) / sqrt(4)", VARS).value == pytest.approx(
        -1.5 + 2.0 * (1 / (1 + 2.718281828459045**-5)) / 2
    )


def test_topological_order_is_deterministic_and_puts_parents_before_children():
    orders = [
        [n.name for n in topological_order(parse_expression("tanh(w * x) * (w + t) - x", VARS))]
        for _ in range(3)
    ]
    assert orders[0] == orders[1] == orders[2]
    order = topological_order(parse_expression("tanh(w * x) * (w + t) - x", VARS))
    position = {node: k for k, node in enumerate(order)}
    assert all(position[p] < position[n] for n in order for p in n.parents)
    assert order[-1].name == "L"


def test_nodes_get_increasing_ids_in_creation_order():
    a = Node(1.0)
    b = Node(2.0)
    c = a * b
    assert a.id < b.id < c.id
    assert c.parents == (a, b)


def test_gradient_accumulates_when_a_node_is_used_twice():
    x = Node(3.0, label="x")
    y = x * x
    y.label = "y"
    steps = backward_steps(y)
    assert x.grad == 6.0
    first, second = steps[0].terms
    assert (first.accumulated, second.accumulated, second.total) == (False, True, 6.0)
    # At the root (∂y/∂y = 1) each use is its local derivative, added up.
    assert steps[0].lines()[1:] == ["∂y/∂x = x = 3", "∂y/∂x += x = 3, so ∂y/∂x = 6"]
    u = x * x
    u.label = "u"
    z = u + x
    z.label = "z"
    inner = next(step for step in backward_steps(z) if step.name == "u")
    # Below the root the chain rule is spelled out (x got 1 from z = u + x already).
    assert inner.lines()[1:] == [
        "∂z/∂x += ∂z/∂u · ∂u/∂x = 1 · x = 1 · 3 = 3, so ∂z/∂x = 4",
        "∂z/∂x += ∂z/∂u · ∂u/∂x = 1 · x = 1 · 3 = 3, so ∂z/∂x = 7",
    ]


def test_running_backward_twice_gives_the_same_gradients():
    root = parse_expression("w * x + w * t", VARS)
    backward(root)
    first = gradients(root)
    backward(root)
    assert gradients(root) == first == {"w": 7.0, "x": 1.5, "t": 1.5}


def test_relu_derivative_is_zero_at_exactly_zero():
    root = parse_expression("relu(w - w)", VARS)
    backward(root)
    assert gradients(root) == {"w": 0.0}


def test_depths_put_leaves_left_and_the_root_right():
    root = seed_scalar_graph()
    assert {n.name: d for n, d in depths(root).items()} == {
        "w": 0, "x": 0, "t": 0, "z1": 1, "z2": 2, "L": 3,
    }  # fmt: skip


def test_to_dict_is_json_serialisable_with_topological_ids():
    root = seed_scalar_graph()
    backward(root)
    data = json.loads(json.dumps(to_dict(root)))
    assert data["value"] == 2.0 and data["root"] == 5
    assert data["gradients"] == {"w": -4.0, "x": -3.0, "t": 2.0}
    z1 = data["nodes"][2]
    assert z1 == {
        "id": 2, "name": "z1", "label": "z1", "op": "*", "value": 3.0, "grad": -2.0,
        "depth": 1, "parents": [0, 1], "local_grads": [2.0, 1.5],
    }  # fmt: skip


def test_parse_assignments_accepts_commas_semicolons_and_spaces():
    assert parse_assignments("w=1.5, x = 2;t=5  q=-1e-3") == {
        "w": 1.5, "x": 2.0, "t": 5.0, "q": -0.001,
    }  # fmt: skip
    assert parse_assignments("  ") == {}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("w", "expected NAME=VALUE, got 'w'"),
        ("w=", "expected NAME=VALUE"),
        ("w=abc", "the value of w is not a number: 'abc'"),
        ("w=nan", "the value of w must be finite"),
        ("w=inf", "the value of w must be finite"),
        ("w=1, w=2", "w is given twice"),
        ("1w=2", "'1w' is not a valid variable name"),
        ("exp=2", "'exp' is not a valid variable name"),
    ],
)
def test_parse_assignments_rejects_bad_input_clearly(text, message):
    with pytest.raises(ExpressionError, match=message):
        parse_assignments(text)


def test_empty_expression_and_non_finite_variables_are_rejected():
    with pytest.raises(ExpressionError, match="the expression is empty"):
        parse_expression("  ", VARS)
    with pytest.raises(ExpressionError, match="column 5: w is not a finite number"):
        parse_expression("x + w", {"x": 1.0, "w": float("nan")})


def test_a_dangling_operator_is_reported_at_the_end_of_the_expression():
    with pytest.raises(ExpressionError) as caught:
        parse_expression("w +", {"w": 1.0})
    assert caught.value.column == 3
    assert "after '+'" in str(caught.value)


@pytest.mark.parametrize(
    ("expr", "value", "dx"),
    [
        ("x ** (1 + 1)", 4.0, -4.0),
        ("x ** 2 ** 2", 16.0, -32.0),
        ("x ** (6 / 2 - 1)", 4.0, -4.0),
        ("x ** -(1 + 2)", -0.125, -0.1875),
    ],
)
def test_an_exponent_without_variables_is_a_constant_so_a_negative_base_is_allowed(expr, value, dx):
    root = parse_expression(expr, {"x": -2.0})
    backward(root)
    assert (root.value, gradients(root)) == (value, {"x": dx})
    # The exponent is one constant: no intermediate node for 1 + 1 in the graph.
    assert [n.op for n in topological_order(root)] == ["var", "const", "**"]


def test_an_exponent_with_a_variable_still_needs_a_positive_base():
    with pytest.raises(ExpressionError, match="needs a > 0"):
        parse_expression("x ** (y + 1)", {"x": -2.0, "y": 1.0})


def test_a_byte_that_is_not_utf8_is_named_with_its_column():
    # `grad $'w\xff'`: the command line keeps the byte 0xff as the surrogate U+DCFF.
    with pytest.raises(ExpressionError, match=r"column 2: the byte 0xff is not UTF-8 text"):
        parse_expression("w\udcff", VARS)


def test_text_quoted_from_the_expression_is_one_capped_line():
    with pytest.raises(ExpressionError) as long_name:
        parse_expression("q" * 100_000, VARS)
    assert len(str(long_name.value)) < 300
    with pytest.raises(ExpressionError) as control:
        parse_expression('"\x1b]0;PWNED\x07" + w', VARS)
    assert "\x1b" not in str(control.value)
    with pytest.raises(ExpressionError) as assignment:
        parse_assignments("w=" + "9" * 100_000 + "x")
    assert len(str(assignment.value)) < 300
