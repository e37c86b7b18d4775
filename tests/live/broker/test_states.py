"""The order state machine allows the documented transitions and refuses the rest by name."""

import pytest

from quant.live.broker import states as st


def test_the_life_cycle_of_a_partly_then_fully_filled_order_is_legal():
    s = st.NEW
    for target in (st.ACCEPTED, st.PARTIAL, st.PARTIAL, st.FILLED):
        s = st.transition("c1", s, target)
    assert s == st.FILLED


@pytest.mark.parametrize(
    ("current", "target"),
    [(st.NEW, st.FILLED), (st.FILLED, st.CANCELLED), (st.CANCELLED, st.ACCEPTED),
     (st.PARTIAL, st.REJECTED), (st.EXPIRED, st.PARTIAL), (st.REJECTED, st.ACCEPTED)],
)  # fmt: skip
def test_illegal_transitions_are_refused_with_both_states_named(current, target):
    with pytest.raises(st.IllegalTransition, match=f"{current} -> {target}"):
        st.transition("c9", current, target)


def test_every_terminal_state_has_no_way_out():
    for t in st.TERMINAL:
        assert st.TRANSITIONS[t] == frozenset()
