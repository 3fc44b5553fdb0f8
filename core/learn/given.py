"""A person's own numbers for one traced step, read and fitted to the step's shapes.

The numbers come as a mapping from names to arrays, in one of two layouts (any subset):

- flat, the keys of an `.npz` archive: `loss`, and per layer l (counted from 1) `zl`,
  `al`, `deltal`, `dWl`, `dbl`, `Wl_new`, `bl_new`; and `Wl`, `bl`, `x`, `y` for the
  weights and the batch the step starts from;
- the layout `backprop-tui trace --format json` writes: top-level `loss` (and `input`,
  `target`: x and y), and `layers`, a list of objects with any of `z`, `a`, `delta`,
  `dW`, `db`, `W_new`, `b_new`, `W`, `b` (a `layer` field numbers an entry; else its
  position does). The trace's other fields (output, phases, state, …) are ignored, so
  a trace document reads as itself.

`read_given` takes such a mapping, or a file (JSON or `.npz`, told apart by its bytes);
`fit_given` checks every key and shape against the step and returns each value in the
trace's layout (z, a, δ: samples × units; W: out × in; b: (out,)), noting the values
that were given transposed. Anything that cannot be compared is a `CompareInputError`
whose message names the key and the shape expected.
"""

from __future__ import annotations

import io
import json
import os
import re
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from backprop_tui.core.data.files import read_regular_file
from backprop_tui.core.data.limits import size
from backprop_tui.core.errors import BackpropError
from backprop_tui.core.text import PATH_LIMIT, did_you_mean, quoted, shown

if TYPE_CHECKING:
    from backprop_tui.core.trace.record import StepTrace

Array = np.ndarray

MAX_GIVEN_BYTES = 64_000_000
"""The largest file (and, for an .npz archive, the most bytes its arrays unpack to)."""

FIELDS = ("z", "a", "delta", "dW", "db", "W_new", "b_new")
"""A layer's fields in a trace document that hold a phase's result."""

START_FIELDS = ("W", "b")
"""A layer's fields that hold the weights and biases the step starts from."""

KIND_FIELD = {
    "forward_z": "z",
    "forward_a": "a",
    "delta_output": "delta",
    "delta_hidden": "delta",
    "grad_W": "dW",
    "grad_b": "db",
    "update_W": "W_new",
    "update_b": "b_new",
}

# Trace-document fields that are not compared (the step's settings and inputs).
_IGNORED_TOP = frozenset(
    {
        "output",
        "loss_after",
        "loss_kind",
        "activations",
        "optimizer",
        "train_biases",
        "batch_size",
        "sample_indices",
        "phases",
    }
)
MAX_DEPTH = 3
"""How deep lists may nest in a given value (a matrix is two; one more is reported as
a shape error rather than refused here)."""

_IGNORED_LAYER = frozenset({"layer", "activation", "state"})

_FLAT = re.compile(r"(z|a|delta|dW|db|W|b)([0-9]{1,4})(_new)?")


class CompareInputError(BackpropError, ValueError):
    """Numbers that cannot be compared: an unknown key, a wrong shape, something that is
    not a number, a file that is neither JSON nor an .npz archive."""


def flat_key(field: str, layer: int | None) -> str:
    """The flat (.npz) key of a layer field: ("delta", 1) → "delta1", ("W_new", 2) →
    "W2_new"; the loss is "loss"."""
    if layer is None:
        return "loss"
    if field.endswith("_new"):
        return f"{field[:-4]}{layer}_new"
    return f"{field}{layer}"


def phase_key(kind: str, layer: int | None) -> str:
    """The flat key that holds a phase's result: ("delta_hidden", 1) → "delta1"."""
    return "loss" if kind == "loss" else flat_key(KIND_FIELD[kind], layer)


def parse_key(key: str) -> tuple[str, int | None]:
    """(field, layer) of a flat key: "W2_new" → ("W_new", 2), "loss" → ("loss", None),
    "x" → ("x", None).
    Raises `CompareInputError` for anything else."""
    if key in ("loss", "x", "y"):
        return key, None
    match = _FLAT.fullmatch(key)
    if match is None:
        raise CompareInputError(f"unknown key {quoted(key)}")
    return match[1] + (match[3] or ""), int(match[2])


@dataclass(frozen=True, eq=False)
class Fitted:
    """One given value in the trace's layout (float64), and whether it was given
    transposed (W as in × out, z as units × samples)."""

    value: Array
    transposed: bool = False


# -- reading ---------------------------------------------------------------------------


def read_given(source: object) -> dict[str, Array]:
    """The person's numbers by flat key, as given (not yet fitted to a step).

    `source` is a mapping in either layout (see the module docstring; values are
    anything numpy reads as numbers, a torch tensor included), or the path of a JSON
    file or an .npz archive (a regular file of at most MAX_GIVEN_BYTES).
    """
    if isinstance(source, str | os.PathLike):
        return read_file(source)
    if isinstance(source, Mapping):
        return _from_mapping(source, "")
    raise CompareInputError(
        "the numbers to compare must be a dict of arrays, a function f(W, b, x, y) that "
        f"returns one, or the path of a JSON or .npz file, not {type(source).__name__}"
    )


def read_file(path: str | os.PathLike[str]) -> dict[str, Array]:
    """The numbers in a JSON file or an .npz archive, told apart by the file's bytes."""
    data = read_regular_file(path, MAX_GIVEN_BYTES)
    where = shown(os.fspath(path), PATH_LIMIT)
    if data[:4] == b"PK\x03\x04":
        return _read_npz(data, where)
    try:
        text = data.decode("utf-8-sig")
        document = json.loads(text)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise CompareInputError(
            f"{where}: neither JSON nor an .npz archive ({shown(error, 120)})"
        ) from None
    except RecursionError:
        raise CompareInputError(f"{where}: the JSON is nested too deeply to read") from None
    if not isinstance(document, dict):
        raise CompareInputError(
            f"{where}: expected a JSON object with loss and layers (as `trace --format json` "
            f"writes), not a {type(document).__name__}"
        )
    return _from_mapping(document, f"{where}: ")


def _read_npz(data: bytes, where: str) -> dict[str, Array]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
        if unpacked > MAX_GIVEN_BYTES:
            raise CompareInputError(
                f"{where}: its arrays unpack to {size(unpacked)}; the limit is "
                f"{size(MAX_GIVEN_BYTES)}"
            )
        with np.load(io.BytesIO(data), allow_pickle=False) as archive:
            arrays = {name: archive[name] for name in archive.files}
    except CompareInputError:
        raise
    except (zipfile.BadZipFile, ValueError, OSError, EOFError) as error:
        raise CompareInputError(
            f"{where}: not a readable .npz archive ({shown(error, 120)})"
        ) from None
    return _from_mapping(arrays, f"{where}: ")


def _from_mapping(source: Mapping[Any, Any], where: str) -> dict[str, Array]:
    out: dict[str, Array] = {}
    for name, value in source.items():
        key = str(name)
        if key == "layers" and isinstance(value, list | tuple):
            for position, entry in enumerate(value):
                _layer_entry(entry, position, where, out)
        elif key in ("input", "target"):
            _put(out, "x" if key == "input" else "y", value, where, key)
        elif key in ("loss", "x", "y") or _FLAT.fullmatch(key):
            _put(out, key, value, where)
        elif key not in _IGNORED_TOP:
            raise CompareInputError(f"{where}unknown key {quoted(key)}{_hint(key)}")
    return out


def _layer_entry(entry: object, position: int, where: str, out: dict[str, Array]) -> None:
    at = f"layers[{position}]"
    if not isinstance(entry, Mapping):
        raise CompareInputError(f"{where}{at} must be an object with z, a, delta, dW, …")
    layer = entry.get("layer", position + 1)
    if isinstance(layer, bool) or not isinstance(layer, int) or layer < 1:
        raise CompareInputError(f"{where}{at}.layer must be a layer number from 1")
    for name, value in entry.items():
        field = str(name)
        if field in FIELDS or field in START_FIELDS:
            _put(out, flat_key(field, layer), value, where, f"{at}.{field}")
        elif field not in _IGNORED_LAYER:
            hint = did_you_mean(field, (*FIELDS, *START_FIELDS))
            raise CompareInputError(
                f"{where}unknown key {quoted(field)} in {at}{hint}; expected any of "
                f"{', '.join(FIELDS)}"
            )


def _hint(key: str) -> str:
    known = ["loss", "layers", "z1", "a1", "delta1", "dW1", "db1", "W1_new", "b1_new"]
    hint = did_you_mean(key, known)
    return hint + "; expected loss, layers, or keys such as z1, a1, delta1, dW1, db1, W1_new"


def _put(out: dict[str, Array], key: str, value: object, where: str, name: str = "") -> None:
    label = name or key
    if key in out:
        raise CompareInputError(f"{where}{shown(key)} is given twice")
    out[key] = numbers(value, f"{where}{shown(label)}")


def numbers(value: object, label: str) -> Array:
    """`value` as a float64 array: a number, nested lists of numbers (None, JSON's null,
    is NaN, as the trace writes a non-finite value) or an array of numbers; a
    `CompareInputError` naming `label` for anything else (text, booleans, ragged lists)."""
    detach = getattr(value, "detach", None)
    if callable(detach):  # a torch tensor: its numbers, without the autograd graph
        value = detach().cpu().numpy()
    if isinstance(value, np.ndarray | np.generic):
        array = np.asarray(value)
        if array.dtype.kind not in "fiu":
            raise CompareInputError(f"{label}: expected numbers, got an array of {array.dtype}")
        return array.astype(np.float64)
    if isinstance(value, list | tuple):
        _check_leaves(value, label)
        try:
            return np.array(_nulls_to_nan(value), dtype=np.float64)
        except OverflowError:
            raise CompareInputError(f"{label}: a whole number too large for a float") from None
        except ValueError:
            raise CompareInputError(
                f"{label}: the rows have different lengths; expected a number, a list of "
                "numbers or a list of equal rows"
            ) from None
    if value is None:
        return np.asarray(np.nan)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise CompareInputError(f"{label}: expected numbers, got {_what(value)}")
    return np.asarray(float(value))


def _check_leaves(value: list | tuple, label: str) -> None:
    """Every leaf a number or None, at most MAX_DEPTH lists deep (so reading it never
    recurses far)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        for v in item:
            if isinstance(v, list | tuple):
                if depth >= MAX_DEPTH:
                    raise CompareInputError(
                        f"{label}: lists nested {MAX_DEPTH + 1} deep; expected a number, a "
                        "list of numbers or a list of rows"
                    )
                stack.append((v, depth + 1))
            elif v is not None and (isinstance(v, bool) or not isinstance(v, int | float)):
                raise CompareInputError(f"{label}: expected numbers, got {_what(v)}")


def _nulls_to_nan(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return [_nulls_to_nan(v) for v in value]
    return np.nan if value is None else value


def _what(value: object) -> str:
    if isinstance(value, str):
        return f"the text {quoted(value, 40)}"
    if isinstance(value, bool):
        return "true/false"
    return f"a {type(value).__name__}"


# -- fitting to the step ---------------------------------------------------------------


def expected_shapes(trace: StepTrace) -> dict[str, tuple[tuple[int, ...], str]]:
    """Every key the step has, with the shape its value has in the trace and what the
    axes are ("samples × units", "out × in", "out"): the phases' results, the batch (x,
    y) and the weights and biases the step starts from, and b after the step (b itself
    when the biases are fixed)."""
    shapes: dict[str, tuple[tuple[int, ...], str]] = {
        "x": (trace.x.shape, "samples × inputs"),
        "y": (trace.y.shape, "samples × outputs"),
        "loss": ((), ""),
    }
    for lt in trace.layers:
        l = lt.layer
        per_sample = (lt.z.shape, "samples × units")
        for field in ("z", "a", "delta"):
            shapes[flat_key(field, l)] = per_sample
        for field in ("W", "dW", "W_new"):
            shapes[flat_key(field, l)] = (lt.W.shape, "out × in")
        for field in ("b", "db", "b_new"):
            shapes[flat_key(field, l)] = (lt.b.shape, "out")
    return shapes


def fit_given(trace: StepTrace, given: Mapping[str, Array]) -> dict[str, Fitted]:
    """Each given value in the trace's layout. A vector may be given as a row, a column
    or flat; a matrix of the transposed shape (in × out for W's out × in, units ×
    samples for z) is transposed back and marked. Raises `CompareInputError` for a key
    the step does not have or a shape that fits neither way, and when nothing is given."""
    shapes = expected_shapes(trace)
    if not given:
        raise CompareInputError(
            "nothing to compare: give at least one of loss, z1, a1, delta1, dW1, db1, W1_new"
        )
    out: dict[str, Fitted] = {}
    for key, value in given.items():
        if key not in shapes:
            raise CompareInputError(_unknown(trace, key, shapes))
        shape, axes = shapes[key]
        out[key] = _fit(key, np.asarray(value, dtype=np.float64), shape, axes)
    return out


def _unknown(trace: StepTrace, key: str, shapes: Mapping[str, object]) -> str:
    match = _FLAT.fullmatch(key)
    L = len(trace.layers)
    if match:
        return f"{key}: the network has {L} weight layer{'s' if L != 1 else ''}, 1 to {L}"
    return f"unknown key {quoted(key)}{did_you_mean(key, shapes)}"


def _vector_like(shape: tuple[int, ...]) -> bool:
    return sum(n != 1 for n in shape) <= 1


def _fit(key: str, value: Array, shape: tuple[int, ...], axes: str) -> Fitted:
    if value.shape == shape:
        return Fitted(value)
    if value.size == int(np.prod(shape)) and _vector_like(value.shape) and _vector_like(shape):
        return Fitted(value.reshape(shape))
    if value.ndim == 2 and len(shape) == 2 and value.shape == shape[::-1]:
        return Fitted(value.T.copy(), transposed=True)
    return _shape_error(key, value.shape, shape, axes)


def _shape_error(key: str, got: tuple[int, ...], shape: tuple[int, ...], axes: str) -> Fitted:
    expected = shape_text(shape) + (f" ({axes})" if axes else "")
    if len(shape) == 2 and shape[0] != shape[1] and 1 not in shape:
        expected += " or its transpose"
    raise CompareInputError(f"{key}: expected {expected}, got {shape_text(got)}")


def shape_text(shape: tuple[int, ...]) -> str:
    """ "a single number", "3 numbers", "2 × 3"."""
    if len(shape) == 0:
        return "a single number"
    if len(shape) == 1:
        return f"{shape[0]} number" + ("" if shape[0] == 1 else "s")
    return " × ".join(map(str, shape))
