"""The mistake catalogue: each mistake's value is recognized by name on random networks
where it differs from the right answer; a right answer is never called a mistake; and
the notes' toy example, checked by hand."""

import itertools
from dataclasses import replace

import numpy as np
import pytest
from backprop_tui.core.learn.answer import Answer, parse_answer
from backprop_tui.core.learn.diagnose import assess, diagnose, matching_mistakes
from backprop_tui.core.learn.mistakes import CATALOGUE, MISTAKES, get_mistake
from backprop_tui.core.learn.targets import PhaseKey, phase_value
from backprop_tui.core.nn.network import Network
from backprop_tui.core.nn.optimizers import make_optimizer
from backprop_tui.core.trace.record import PHASE_KINDS, trace_step
from hypothesis import given, settings
from hypothesis import strategies as st

REQUIRED = {
    "missing-activation-derivative",
    "wrong-activation-derivative",
    "sign-flipped-error",
    "no-transpose",
    "updated-weights-in-backward",
    "missing-batch-mean",
    "wrong-input-in-gradient",
    "update-sign",
    "missing-learning-rate",
    "squared-error-factor",
}

HIDDEN = ["sigmoid", "tanh", "relu", "leaky_relu", "linear", "softmax"]
# (loss, output activations it is used with)
PAIRS = [
    ("half_sse", ["sigmoid", "tanh", "linear", "softmax"]),
    ("mse", ["sigmoid", "tanh", "linear"]),
    ("bce", ["sigmoid"]),  # bce is on the logits of a sigmoid output
    ("cross_entropy", ["softmax"]),
]


def typed(value) -> str:
    """A value as a careful learner types it: seven significant digits, row by row."""
    return " ".join(f"{v:.6e}" for v in np.asarray(value, dtype=np.float64).ravel())


def random_trace(draw_seed, sizes, hidden, loss, output, optimizer, batch):
    rng = np.random.default_rng(draw_seed)
    W = [rng.normal(size=(o, i)) for i, o in itertools.pairwise(sizes)]
    b = [rng.normal(size=o) * 0.5 for o in sizes[1:]]
    net = Network(W, b, [*hidden, output])
    x = rng.normal(size=(batch, sizes[0]))
    if loss == "cross_entropy":
        y = np.eye(sizes[-1])[rng.integers(0, sizes[-1], size=batch)]
    else:
        y = rng.uniform(0.05, 0.95, size=(batch, sizes[-1]))
    options = {"momentum": 0.9} if optimizer == "momentum" else {}
    opt = make_optimizer(optimizer, float(rng.uniform(0.05, 0.9)), **options)
    return trace_step(net, loss, opt, x, y)


@st.composite
def networks(draw, square=False, batch_min=1, losses=None, hidden=None, output=None):
    depth = draw(st.integers(2 if square else 1, 3))
    if square:  # hidden layers (and the input) of one width: square W(2) … W(L−1)
        n = draw(st.integers(2, 4))
        sizes = [n, *([n] * depth), draw(st.integers(1, 3))]
    else:
        sizes = [draw(st.integers(1, 4)) for _ in range(depth + 2)]
    pairs = [p for p in PAIRS if losses is None or p[0] in losses]
    loss, outputs = draw(st.sampled_from(pairs))
    out = draw(st.sampled_from([o for o in outputs if output is None or o in output] or outputs))
    if out == "softmax":  # one softmax output is always 1: nothing to learn
        sizes[-1] = max(sizes[-1], 2)
    return random_trace(
        draw(st.integers(0, 2**32 - 1)),
        sizes,
        [draw(st.sampled_from(hidden or HIDDEN)) for _ in range(len(sizes) - 2)],
        loss,
        out,
        draw(st.sampled_from(["sgd", "momentum", "adam"])),
        draw(st.integers(batch_min, 3)),
    )


# What each mistake needs to apply: a network drawn from these always gives it a value
# that differs from the right one at one phase at least.
SETTINGS = {
    "missing-bias": {},
    "squared-error-factor": {"losses": ["half_sse", "mse"]},
    "sign-flipped-error": {},
    "missing-activation-derivative": {"hidden": ["sigmoid", "tanh"]},
    "wrong-activation-derivative": {"hidden": ["sigmoid", "tanh"]},
    "no-transpose": {"square": True, "hidden": ["sigmoid", "tanh"]},
    "updated-weights-in-backward": {"hidden": ["sigmoid", "tanh"]},
    "missing-batch-mean": {"batch_min": 2, "hidden": ["sigmoid", "tanh"]},
    "wrong-input-in-gradient": {"square": True, "hidden": ["sigmoid", "tanh"]},
    "update-sign": {},
    "missing-learning-rate": {},
}


def test_the_catalogue_holds_every_required_mistake_once_with_a_description():
    names = [m.name for m in CATALOGUE]
    assert set(names) >= REQUIRED and len(names) == len(set(names))
    for mistake in CATALOGUE:
        assert mistake.description and "\n" not in mistake.description
        assert mistake.kinds and mistake.kinds <= set(PHASE_KINDS)
    assert set(SETTINGS) == set(names)


def test_a_mistake_is_found_by_its_name_and_an_unknown_name_is_refused():
    assert get_mistake("update-sign") is MISTAKES["update-sign"]
    with pytest.raises(ValueError, match="did you mean 'update-sign'"):
        get_mistake("update-sing")


def _check_recognized(trace, mistake) -> int:
    """Every form of `mistake` that differs from the right value is diagnosed by name;
    returns how many differed."""
    differed = 0
    for phase in trace.phases:
        right = phase_value(trace, phase)
        for form in mistake.forms(trace, phase):
            assert np.shape(form.value) == right.shape, (mistake.name, phase.symbol)
            answer = parse_answer(typed(form.value))
            if answer.matches(right).all():
                continue
            differed += 1
            names = diagnose(trace, phase, answer)
            assert mistake.name in names, (phase.symbol, form.message, names)
            result = assess(trace, phase, answer)
            assert result.grade == "wrong" and mistake.name in result.names
    return differed


@pytest.mark.parametrize("name", list(SETTINGS))
def test_each_mistake_is_recognized_by_name_where_it_differs_from_the_right_answer(name):
    mistake = get_mistake(name)

    @settings(max_examples=15, deadline=None)
    @given(networks(**SETTINGS[name]))
    def recognized(trace):
        assert _check_recognized(trace, mistake) > 0

    recognized()


@settings(max_examples=30, deadline=None)
@given(networks())
def test_every_mistake_is_recognized_on_any_network(trace):
    for mistake in CATALOGUE:
        _check_recognized(trace, mistake)


@settings(max_examples=30, deadline=None)
@given(networks(), st.sampled_from([3, 4, 7]))
def test_a_right_answer_is_never_called_a_mistake(trace, digits):
    for phase in trace.phases:
        value = phase_value(trace, phase)
        text = " ".join(f"{v:.{digits - 1}e}" for v in np.asarray(value).ravel())
        assert diagnose(trace, phase, text) == ()
        assert diagnose(trace, phase, Answer.from_values(value)) == ()
        assert assess(trace, phase, text).grade == "correct"


# -- the notes' toy example, by hand -------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "layer", "answer", "name"),
    [
        # δ(1) = (W(2)ᵀ δ(2)) ⊙ σ'(z(1)); without σ': 0.4 · 0.1391, 0.45 · 0.1391
        ("delta_hidden", 1, "0.0557 0.0626", "missing-activation-derivative"),
        # with W(2) after its update: 0.3567 · 0.1391 · 0.2350, 0.4051 · 0.1391 · 0.2288
        ("delta_hidden", 1, "0.01166 0.01289", "updated-weights-in-backward"),
        # σ'(a(1)) = σ(0.6225)(1 − σ(0.6225)) = 0.2032: 0.0557 · 0.2273, 0.0626 · 0.2257
        ("delta_hidden", 1, "0.01265 0.01413", "wrong-activation-derivative"),
        ("delta_output", 2, "−0.1391", "sign-flipped-error"),
        ("delta_output", 2, "0.2783", "squared-error-factor"),  # 2(ŷ − y) σ'(z(2))
        ("delta_output", 2, "0.7576", "missing-activation-derivative"),  # ŷ − y
        ("delta_output", 2, "0.1646", "wrong-activation-derivative"),  # 0.7576 · σ'(0.7576)
        ("update_W", 2, "0.4433 0.4949", "update-sign"),  # 0.4 + 0.5 · 0.0866
        ("update_W", 2, "0.3134 0.3602", "missing-learning-rate"),  # 0.4 − 0.0866
        ("update_b", 2, "0.6696", "update-sign"),  # 0.6 + 0.5 · 0.1391
        ("update_b", 2, "0.4609", "missing-learning-rate"),  # 0.6 − 0.1391
        ("forward_z", 1, "0.15 0.25", "missing-bias"),  # W(1) x
    ],
)
def test_the_toy_examples_mistakes_are_named(kind, layer, answer, name, seed_toy_trace):
    assert diagnose(seed_toy_trace(), PhaseKey(kind, layer), answer) == (name,)


def test_the_toy_examples_right_answers_are_not_mistakes(seed_toy_trace):
    trace = seed_toy_trace()
    assert diagnose(trace, PhaseKey("delta_output", 2), "0.139") == ()
    assert diagnose(trace, PhaseKey("delta_hidden", 1), "0.0131 0.0143") == ()
    assert diagnose(trace, PhaseKey("update_W", 2), "0.3567 0.4051") == ()


def test_the_message_names_what_was_left_out_beside_the_equation(seed_toy_trace):
    trace = seed_toy_trace()
    (match,) = matching_mistakes(trace, PhaseKey("delta_hidden", 1), "0.0557 0.0626")
    assert match.message == (
        "this is (W(2)ᵀ δ(2)) without ⊙ σ'(z(1)): the activation's slope is missing"
    )


def test_a_mistake_gives_nothing_where_it_cannot_happen(seed_toy_trace):
    trace = seed_toy_trace()
    at_delta_1 = PhaseKey("delta_hidden", 1)
    assert get_mistake("no-transpose").value(trace, at_delta_1) is None  # W(2) is 1 × 2
    assert get_mistake("missing-batch-mean").value(trace, PhaseKey("grad_W", 2)) is None
    assert get_mistake("wrong-input-in-gradient").value(trace, PhaseKey("grad_W", 1)) is None
    assert get_mistake("update-sign").value(trace, at_delta_1) is None


def test_a_fused_output_layer_has_no_slope_to_forget():
    net = Network([np.array([[0.3, -0.2]])], [np.array([0.1])], ["sigmoid"])
    trace = trace_step(net, "bce", make_optimizer("sgd", 0.5), [1.0, 2.0], [1.0])
    at = PhaseKey("delta_output", 1)
    assert get_mistake("missing-activation-derivative").value(trace, at) is None
    assert get_mistake("wrong-activation-derivative").value(trace, at) is None
    assert get_mistake("squared-error-factor").value(trace, at) is None
    assert get_mistake("sign-flipped-error").value(trace, at) is not None


def test_tanh_written_as_one_minus_a_is_a_wrong_derivative():
    net = Network(
        [np.array([[0.5], [-0.3]]), np.array([[0.7, 0.2]])],
        [np.array([0.1, 0.2]), np.array([0.0])],
        ["tanh", "linear"],
    )
    trace = trace_step(net, "half_sse", make_optimizer("sgd", 0.1), [1.0], [1.0])
    lt1, lt2 = trace.layers
    upstream = lt2.delta @ lt2.W
    slip = upstream * (1.0 - lt1.a)
    assert diagnose(trace, PhaseKey("delta_hidden", 1), typed(slip)) == (
        "wrong-activation-derivative",
    )


def test_when_two_mistakes_give_the_same_numbers_both_are_named():
    # W(2) updated to exactly its transpose: W(2)ᵀ after the update is W(2) untransposed.
    net = Network(
        [np.array([[0.1, 0.2], [0.3, 0.4]]), np.array([[0.5, -0.6], [0.7, 0.8]])],
        [np.zeros(2), np.zeros(2)],
        ["sigmoid", "linear"],
    )
    trace = trace_step(net, "half_sse", make_optimizer("sgd", 0.1), [1.0, 0.5], [0.0, 1.0])
    second = trace.layers[1]
    trace = replace(trace, layers=(trace.layers[0], replace(second, W_new=second.W.T.copy())))
    value = get_mistake("no-transpose").value(trace, PhaseKey("delta_hidden", 1))
    names = diagnose(trace, PhaseKey("delta_hidden", 1), typed(value))
    assert names == ("no-transpose", "updated-weights-in-backward")


def test_a_close_answer_that_is_a_mistake_is_wrong(seed_toy_trace):
    # η = 0.01: W + η ∂W is within 1 % of W − η ∂W, but it is not a rounding slip.
    trace = seed_toy_trace(lr=0.01)
    at = PhaseKey("update_W", 2)
    value = get_mistake("update-sign").value(trace, at)
    result = assess(trace, at, typed(value))
    assert result.verdict.grade == "close"
    assert result.grade == "wrong" and result.names == ("update-sign",)


def test_numbers_from_code_are_diagnosed_too(seed_toy_trace):
    trace = seed_toy_trace()
    at = PhaseKey("delta_hidden", 1)
    value = get_mistake("missing-activation-derivative").value(trace, at)
    assert diagnose(trace, at, value) == ("missing-activation-derivative",)
    assert diagnose(trace, at, Answer.from_values(value * 1.001)) == ()
