"""The learner's country: a built-in, read-only string variable of the condition language.

A case that reads ``country`` in a condition gets it in its variables, '' when the attempt has
no country and otherwise one of ``COUNTRIES``; it is fixed when the attempt starts. Cases that
never read it keep the variables they declare, so their stored states are unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from lti_tool.simulation.conditions import Value

VARIABLE = "country"
COUNTRIES = ("gr", "be", "de", "it", "nl", "fr")
VALUES = ("", *COUNTRIES)


def known(country: object) -> str:
    """``country`` when it is one of COUNTRIES, else ''."""
    return country if isinstance(country, str) and country in COUNTRIES else ""


def with_country(variables: Mapping[str, Value], country: object) -> Mapping[str, Value]:
    if VARIABLE not in variables:
        return variables
    changed = dict(variables)
    changed[VARIABLE] = known(country)
    return MappingProxyType(changed)
