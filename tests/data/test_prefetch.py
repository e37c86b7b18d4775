import pytest

from quant.data.prefetch import prefetch
from quant.data.sources import SourceError


def test_prefetch_yields_in_order_and_reraises_a_reader_error():
    def reader():
        yield 1
        yield 2
        raise SourceError("disk went away")

    got = []
    with pytest.raises(SourceError, match="disk went away"):
        for item in prefetch(reader()):
            got.append(item)
    assert got == [1, 2]


def test_prefetch_stops_its_reader_when_the_caller_leaves_early():
    produced = []

    def reader():
        for i in range(1000):
            produced.append(i)
            yield i

    for item in prefetch(reader()):
        if item == 3:
            break
    assert len(produced) <= 6
