"""The columnar history: records in, records out, views that later changes never touch."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from backprop_tui.core.training.history import (
    EMPTY,
    MAX_BLOCKS,
    RECENT,
    EpochRecord,
    History,
    HistoryView,
)

RECORDS = [
    EpochRecord(1, 0.5, 0.6, 0.25, 0.5),
    EpochRecord(2, 0.25, None, 0.75, None),
    EpochRecord(3, 0.125),
]


def filled(records=RECORDS) -> History:
    history = History(capacity=1)  # every append past the first grows the buffer
    for record in records:
        history.append(record)
    return history


def test_records_come_back_as_they_went_in_with_none_for_what_was_not_measured() -> None:
    history = filled()
    assert list(history) == RECORDS
    assert [history[i] for i in range(3)] == RECORDS
    assert history[-1] == RECORDS[-1] == history.last
    assert isinstance(history[0].epoch, int)
    assert history == RECORDS and history.view() == tuple(RECORDS)
    assert list(history[1:]) == RECORDS[1:]


def test_an_index_past_either_end_raises_index_error() -> None:
    history = filled()
    with pytest.raises(IndexError):
        history[3]
    with pytest.raises(IndexError):
        history[-4]
    with pytest.raises(IndexError):
        history.view()[3]


def test_at_picks_rows_by_position_as_a_read_only_view() -> None:
    picked = filled().view().at(np.array([0, 2]))
    assert list(picked) == [RECORDS[0], RECORDS[2]]
    assert not picked.column("train_loss").flags.writeable


def test_columns_are_read_only_with_nan_where_a_figure_is_missing() -> None:
    view = filled().view()
    test = view.column("test_loss")
    assert test[0] == 0.6 and np.isnan(test[1:]).all()
    assert view.column("epoch").tolist() == [1.0, 2.0, 3.0]
    # Test accuracy where there is one, else train accuracy, as EpochRecord.accuracy.
    assert view.accuracy[:2].tolist() == [0.5, 0.75] and np.isnan(view.accuracy[2])
    assert [r.accuracy for r in RECORDS][:2] == [0.5, 0.75]
    with pytest.raises(ValueError):
        test[0] = 1.0


def test_a_view_never_changes_when_the_history_grows_or_is_cut_short() -> None:
    history = filled(RECORDS[:2])
    before = history.view()
    copy = list(before)
    for epoch in range(3, 600):  # past several reallocations
        history.append(EpochRecord(epoch, 1.0 / epoch))
    assert list(before) == copy
    long = history.view()
    history.truncate(1)
    history.append(EpochRecord(2, 99.0))  # where row 2 of `long` was
    assert long[1].train_loss == 0.25 and len(long) == 599
    assert list(history) == [RECORDS[0], EpochRecord(2, 99.0)]
    assert history.last == EpochRecord(2, 99.0)


def test_extend_appends_the_rows_of_a_view() -> None:
    source = filled()
    target = History()
    target.extend(source.view(0)[:1])
    target.extend(source.view(1))
    assert list(target) == RECORDS
    assert target.last == RECORDS[-1]
    target.truncate(0)
    assert len(target) == 0 and target.last is None and target.view() == EMPTY


def test_a_pickled_view_carries_only_its_own_rows() -> None:
    history = filled([EpochRecord(e, 1.0 / e) for e in range(1, 10_001)])
    tail = history.view(9_990)
    data = pickle.dumps(tail)
    assert len(data) < 2_000  # ten rows of five float64, not ten thousand
    back = pickle.loads(data)
    assert back == tail and list(back) == list(tail) and back[0].epoch == 9_991


def test_views_built_from_records_equal_sequences_of_the_same_records() -> None:
    view = HistoryView.of(RECORDS)
    assert view == RECORDS and view != RECORDS[:2] and view == HistoryView.of(view)
    assert HistoryView.of([]) == () == EMPTY
    assert len(EMPTY) == 0 and EMPTY != RECORDS


def test_rows_of_the_wrong_shape_are_refused() -> None:
    with pytest.raises(ValueError, match="n × 5"):
        HistoryView(np.zeros((3, 4)))


# -- long runs: bounded memory, the chart's rows exact ----------------------------------

CHART = 160
"""The loss chart's points (`LossChart`'s max_points)."""


def reference_positions(loss: np.ndarray, points: int) -> list[int]:
    """Where the chart draws a run of these train losses, by its definition: every epoch
    up to `points`; else the first, the last, and for blocks of the smallest
    power-of-two size S with ⌊(n − 1) / S⌋ ≤ ⌊(points − 4) / 2⌋ (from position 1; the
    last one unfinished) the first smallest and the first largest finite loss of each."""
    n = len(loss)
    if n <= max(points, 2):
        return list(range(n))
    most, size = max((points - 4) // 2, 1), 1
    while (n - 1) // size > most:
        size *= 2
    keep = {0, n - 1}
    for start in range(1, n, size):
        block = loss[start : start + size]
        finite = np.isfinite(block)
        keep.add(start + int(np.argmin(np.where(finite, block, np.inf))))
        keep.add(start + int(np.argmax(np.where(finite, block, -np.inf))))
    return sorted(keep)


def synthetic_loss(start: int, stop: int) -> np.ndarray:
    """The train losses of epochs start + 1 … stop: a noisy decay with ties, NaN, ±inf."""
    p = np.arange(start, stop)
    loss = np.round(np.exp(-p / 3e5) + 0.3 * np.sin(p * 0.37) * np.cos(p * 0.011), 2)
    loss[p % 997 == 5] = np.nan
    loss[p % 1499 == 7] = np.inf
    loss[p % 2003 == 11] = -np.inf
    return loss


def synthetic(start: int, stop: int) -> np.ndarray:
    """The rows of epochs start + 1 … stop."""
    p = np.arange(start, stop)
    loss = synthetic_loss(start, stop)
    rows = np.empty((len(p), 5))
    rows[:, 0], rows[:, 1], rows[:, 2] = p + 1, loss, loss * 1.5
    rows[:, 3], rows[:, 4] = np.nan, (p % 100) / 100
    return rows


def grow(history: History, stop: int, chunk: int) -> None:
    """Append epochs up to `stop`: whole chunks as the controller does, single records
    as the trainer does, by turns."""
    while history.epochs < stop:
        rows = synthetic(history.epochs, min(history.epochs + chunk, stop))
        if history.epochs // chunk % 2:
            history.extend(HistoryView(rows))
        else:
            for epoch, train, test, _, acc in rows.tolist():
                history.append(EpochRecord(int(epoch), train, test, None, acc))


@pytest.mark.parametrize(("recent", "points"), [(64, 20), (64, 60), (200, CHART), (500, 1024)])
def test_a_long_history_draws_exactly_the_rows_of_the_whole_run(recent, points) -> None:
    history = History(recent=recent)
    for stop in (1, 2, 15, 60, 61, 200, 999, 4_321, 30_001):
        grow(history, stop, chunk=37 if stop < 1000 else 1_234)
        drawn = history.view().drawn(points)
        full = synthetic(0, stop)
        want = full[reference_positions(full[:, 1], points)]
        assert np.array_equal(drawn._all(), want, equal_nan=True), stop
    assert not history.view().complete


def test_memory_stays_bounded_after_ten_million_epochs() -> None:
    history, most = History(), 2 * RECENT + 2 * MAX_BLOCKS + 2
    for stop in range(1_000_000, 10_000_001, 1_000_000):
        for start in range(history.epochs, stop, 250_000):
            history.extend(HistoryView(synthetic(start, start + 250_000)))
        assert history.nbytes < 3_000_000 and len(history) <= most
    assert history.epochs == 10_000_000 and history.last.epoch == 10_000_000
    positions = reference_positions(synthetic_loss(0, 10_000_000), CHART)
    want = np.concatenate([synthetic(p, p + 1) for p in positions])
    assert np.array_equal(history.view().drawn(CHART)._all(), want, equal_nan=True)


def test_a_chart_draws_at_most_its_points_with_the_first_and_last_epoch() -> None:
    history = History(recent=100)
    for stop in (10, 300, 5_000, 12_345):
        grow(history, stop, chunk=400)
        epochs = history.view().drawn(50).column("epoch")
        assert len(epochs) <= 50 and epochs[0] == 1 and epochs[-1] == stop
        assert np.all(np.diff(epochs) > 0)


def test_a_chart_keeps_the_extremes_and_never_a_nan() -> None:
    history = History(recent=64)
    losses = np.ones(5_000)
    losses[1234], losses[4321], losses[77] = -7.0, 9.0, np.nan
    for epoch, loss in enumerate(losses.tolist(), 1):
        history.append(EpochRecord(epoch, loss))
    drawn = history.view().drawn(50)
    assert {1235, 4322} <= set(drawn.column("epoch").tolist()) and 78 not in drawn.column("epoch")


def test_a_short_history_is_drawn_whole() -> None:
    view = filled().view()
    assert view.drawn(300) == view and list(view.drawn(300)) == RECORDS


def test_a_long_history_holds_its_first_epoch_the_charts_rows_and_the_newest_whole() -> None:
    history = History(recent=100)
    grow(history, 1_000, chunk=30)
    view = history.view()
    assert (view.epochs, history.epochs, view.complete) == (1_000, 1_000, False)
    assert 100 <= 1_000 - view.exact_from <= 200 and history.exact_from == view.exact_from
    epochs = [record.epoch for record in view]
    newest = list(range(view.exact_from + 1, 1_001))
    assert epochs[0] == 1 and epochs[-len(newest) :] == newest
    assert len(view) == len(history) == len(epochs) < 1_000
    assert set(view.drawn(CHART).column("epoch").tolist()) <= set(epochs)
    assert history[-1] == history.last == view[-1] and history[0].epoch == 1


def test_a_pickled_long_history_rebuilds_the_same_history_elsewhere() -> None:
    history = History(recent=100)
    grow(history, 3_000, chunk=70)
    back = pickle.loads(pickle.dumps(history.view()))
    elsewhere = History(recent=100)
    elsewhere.extend(back)
    grow(history, 5_000, chunk=70)
    grow(elsewhere, 5_000, chunk=70)
    assert elsewhere.view() == history.view()
    assert elsewhere.view().drawn(60) == history.view().drawn(60)
    with pytest.raises(ValueError, match="empty"):
        elsewhere.extend(back)


def test_a_long_history_can_be_cleared_but_not_cut_and_gives_only_held_rows() -> None:
    history = History(recent=50)
    grow(history, 500, chunk=20)
    with pytest.raises(ValueError, match="summarized"):
        history.view(history.exact_from - 1)
    assert [r.epoch for r in history.view(480)] == list(range(481, 501))
    with pytest.raises(ValueError, match="cut"):
        history.truncate(10)
    history.truncate(0)
    assert history.epochs == 0 and history.view() == EMPTY and history.last is None
    grow(history, 30, chunk=7)
    assert [r.epoch for r in history] == list(range(1, 31))


def test_a_long_run_copies_its_rows_once_every_recent_epochs_not_at_each_one() -> None:
    # Past 2 · recent epochs the history drops its older rows to stay bounded; doing so
    # at every epoch copied the whole buffer each time (xor fell from 21k to 6k steps a
    # second at 65k epochs). Now it keeps the newest `recent` and copies again only when
    # the buffer is full: its first held epoch moves in jumps of `recent`.
    history = History(capacity=16, recent=8)
    moves = []
    for epoch in range(1, 201):
        before = history.exact_from
        history.append(EpochRecord(epoch, 1.0 / epoch))
        if history.exact_from != before:
            moves.append(history.exact_from - before)
    assert set(moves) == {8} and len(moves) == (200 - 17) // 8 + 1  # epochs 17, 25, …
    assert history.last.epoch == 200 and 8 <= len(history.view(history.exact_from)) <= 16
