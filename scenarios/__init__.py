"""The shipped scenarios, installed as the package data of ``sectorsim.scenarios`` (see pyproject.toml).

This folder stays where users expect it (``sectorsim run scenarios/default.yaml`` from a checkout);
this file only makes it a regular package, so editable installs and wheels find it the same way.
Read the files through ``sectorsim.shipped``.
"""
