"""The Kalman detector beats the rolling z-score on labelled synthetic data (seeded)."""

from __future__ import annotations

import numpy as np

from quant.models.anomaly_eval import compare, synthetic_series


def test_generator_is_seeded_and_labels_only_spikes() -> None:
    a, b = synthetic_series(7), synthetic_series(7)
    assert np.array_equal(a.y, b.y) and np.array_equal(a.label, b.label)
    assert a.label.sum() == 40 and not a.label[a.shift_bars].any()
    assert not np.array_equal(a.y, synthetic_series(8).y)


def test_kalman_has_fewer_false_positives_at_equal_or_better_recall() -> None:
    kal, zs = compare(range(3))
    assert kal["recall"] >= zs["recall"]
    assert kal["fp"] < zs["fp"]
    assert kal["precision"] > zs["precision"]
