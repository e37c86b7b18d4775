"""borrowed_row: a reference-free row view reads and writes the parent's memory."""

from __future__ import annotations

import numpy as np

from quant.core.jit import njit
from quant.core.sim.views import borrowed_row


@njit
def _read_and_write(feats, state, t, s):
    row = borrowed_row(feats, (t * feats.shape[1] + s) * feats.shape[2])
    st = borrowed_row(state, s * state.shape[1])
    if st.shape[0] > 0:
        st[0] = row[0] + row[-1]
    return row.copy(), st.shape[0]


def test_borrowed_row_is_the_row_of_the_parent_and_writes_through():
    feats = np.arange(5 * 3 * 2, dtype=np.float64).reshape(5, 3, 2)
    state = np.zeros((3, 4))

    row, width = _read_and_write(feats, state, 2, 1)

    np.testing.assert_array_equal(row, feats[2, 1])
    assert width == 4
    assert state[1, 0] == feats[2, 1, 0] + feats[2, 1, 1]
    assert not state[[0, 2]].any()


def test_borrowed_row_of_a_zero_width_state_is_empty():
    feats = np.ones((2, 2, 1))

    _, width = _read_and_write(feats, np.zeros((2, 0)), 1, 1)

    assert width == 0
