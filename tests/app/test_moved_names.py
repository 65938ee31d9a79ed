"""Names that moved up a floor keep working from their old home, with a warning naming the new."""

from __future__ import annotations

import pytest

import deepgrad.train


@pytest.mark.parametrize(
    "name, home",
    [
        ("recipe", "deepgrad.app.recipe"),
        ("recipe_schema", "deepgrad.app.recipe_schema"),
        ("DeepgradClassifier", "deepgrad.integrations.sklearn"),
    ],
)
def test_old_names_warn_and_resolve_to_the_new_home(name, home):
    with pytest.warns(DeprecationWarning, match=f"moved to {home.rsplit('.', 1)[0]}"):
        obj = getattr(deepgrad.train, name)
    module = getattr(obj, "__module__", None) or obj.__name__
    assert module == home


def test_from_import_of_a_moved_module_works():
    with pytest.warns(DeprecationWarning):
        from deepgrad.train import recipe
    from deepgrad.app import recipe as new

    assert recipe is new
