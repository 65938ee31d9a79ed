"""The application layer: TOML recipes (:mod:`.recipe`, checked against one declared schema,
:mod:`.recipe_schema`) and, beside this package, the command line (:mod:`deepgrad.cli`).

It sits on top of the house: it imports every floor below (data, models, train, io, viz) and
nothing imports it. ``deepgrad train recipe.toml`` is :func:`.recipe.run`.
"""
