"""The simulation engine stays pure: importing it (or any of its modules) in a fresh
interpreter loads neither Flask, SQLAlchemy nor pylti1p3, nor any other part of the app."""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys

import pytest

import lti_tool.simulation

FORBIDDEN = ("flask", "sqlalchemy", "pylti1p3")
MODULES = ["lti_tool.simulation"] + [
    f"lti_tool.simulation.{module.name}"
    for module in pkgutil.iter_modules(lti_tool.simulation.__path__)
]

REPORT = """
import importlib, json, sys
importlib.import_module(sys.argv[1])
print(json.dumps(sorted(sys.modules)))
"""


def modules_loaded_by(module: str) -> list[str]:
    result = subprocess.run(
        [sys.executable, "-c", REPORT, module], capture_output=True, text=True, check=True
    )
    loaded: list[str] = json.loads(result.stdout)
    return loaded


def test_every_engine_module_is_listed() -> None:
    assert {"lti_tool.simulation.engine", "lti_tool.simulation.check"} <= set(MODULES)


@pytest.mark.parametrize("module", MODULES)
def test_importing_the_engine_loads_no_web_or_database_library(module: str) -> None:
    loaded = modules_loaded_by(module)
    assert module in loaded
    for name in FORBIDDEN:
        assert not [m for m in loaded if m == name or m.startswith(f"{name}.")], name
    ours = [m for m in loaded if m.startswith("lti_tool.")]
    assert all(m.startswith("lti_tool.simulation") for m in ours), ours
