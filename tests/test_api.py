"""The public API is what ``tallyroom.__all__`` lists, and the list is complete."""

from __future__ import annotations

import tallyroom
from tallyroom import errors, model


def test_all_names_exist() -> None:
    for name in tallyroom.__all__:
        assert hasattr(tallyroom, name), name


def test_all_is_complete_for_model_and_errors() -> None:
    exported = set(tallyroom.__all__)
    for module in (model, errors):
        for name in module.__all__:
            value = getattr(module, name)
            if isinstance(value, type):
                assert name in exported, f"{module.__name__}.{name} is not exported"
