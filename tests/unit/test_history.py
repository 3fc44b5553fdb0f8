"""The columnar history: records in, records out, views that later changes never touch."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from backprop_tui.core.training.history import EMPTY, EpochRecord, History, HistoryView

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
