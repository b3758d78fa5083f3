"""The ledger modules' public surface: `__all__` names what each defines, and only that."""

from __future__ import annotations

import importlib
import inspect

import pytest

MODULES = [
    "canonical", "checkpoint", "cosignature", "errors", "keys", "merkle", "notes", "witness",
]


@pytest.mark.parametrize("name", MODULES)
def test_all_lists_the_public_names_defined_in_the_module(name: str) -> None:
    module = importlib.import_module(f"treatyline.ledger.{name}")
    exported = module.__all__
    assert len(exported) == len(set(exported))
    for public in exported:
        assert hasattr(module, public), f"{module.__name__}.__all__ names missing {public}"
    defined = {
        attribute
        for attribute, value in vars(module).items()
        if not attribute.startswith("_")
        and (inspect.isfunction(value) or inspect.isclass(value))
        and value.__module__ == module.__name__
    }
    assert defined <= set(exported), f"{module.__name__} does not export {defined - set(exported)}"
