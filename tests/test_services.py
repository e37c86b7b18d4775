"""The scaling tests' component starter: a component that cannot start skips its tests with
the reason, or fails them when QUANT_TEST_SERVICES=require (as .ci/run sets)."""

import pytest

from tests import services
from tests.conftest import _start


def _missing() -> None:
    raise services.Unavailable("PostgreSQL is not installed (apt-get install -y postgresql)")


def test_a_component_that_cannot_start_skips_with_its_reason(monkeypatch):
    monkeypatch.delenv("QUANT_TEST_SERVICES", raising=False)
    with pytest.raises(pytest.skip.Exception, match=r"PostgreSQL unavailable: .*apt-get install"):
        _start("PostgreSQL", _missing)


def test_a_required_component_that_cannot_start_fails(monkeypatch):
    monkeypatch.setenv("QUANT_TEST_SERVICES", "require")
    with pytest.raises(pytest.fail.Exception, match="PostgreSQL is required"):
        _start("PostgreSQL", _missing)


def test_free_port_is_a_bindable_loopback_port():
    port = services.free_port()
    assert 1024 <= port <= 65535
