"""A strategy module whose own import fails: a dependency that is not installed."""

import quant_no_such_dependency  # noqa: F401  (the failure under test)

NAME = "broken_test"
