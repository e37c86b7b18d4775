"""borrowed_row / borrowed: reference-free views read and write the parent's memory;
prefetch is only a hint."""

from __future__ import annotations

import numpy as np

from quant.core.jit import njit
from quant.core.records import empty_orders
from quant.core.sim.views import borrowed, borrowed_row, prefetch


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


@njit
def _through_borrowed(a, orders):
    b = borrowed(a)
    prefetch(b, 1, False)
    prefetch(b, b.size + 1000, True)  # past the end: a hint never faults
    prefetch(orders, 3, True)
    b[1, 2] = -1.0
    return b.sum(), b.shape[0], b.shape[1]


def test_borrowed_is_the_whole_parent_and_prefetch_changes_nothing():
    a = np.arange(12, dtype=np.float64).reshape(3, 4)
    orders = empty_orders(8)
    before = orders.tobytes()

    total, rows, cols = _through_borrowed(a, orders)

    assert (rows, cols) == (3, 4)
    assert a[1, 2] == -1.0
    assert total == a.sum()
    assert orders.tobytes() == before
