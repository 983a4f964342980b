"""The order in which a decision's options are shown: shuffled per attempt, stable for it.

The order of a node's options comes from the attempt's seed and the node id alone, so the same
attempt sees the same order after a reload, a pause or a resume, and a learner who comes back
to a node sees it as before. Options marked ``fixed`` keep their authored position; the others
fill the remaining positions in a seeded random order. Conditional options are placed like the
others and then left out while their condition is false, so they never move the others around.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from collections.abc import Sequence
from itertools import permutations

from lti_tool.simulation.model import Choice


def shown_order(choices: Sequence[Choice], seed: str, node_id: str) -> list[Choice]:
    """All of a node's ``choices`` in the order this attempt shows them."""
    movable = [choice for choice in choices if not choice.fixed]
    # random.Random with a str seed hashes it with SHA-512: the same order on every machine
    # and Python version (3.2 and later).
    random.Random(f"{seed}/{node_id}").shuffle(movable)
    return _place(choices, movable)


def every_order(choices: Sequence[Choice]) -> Iterator[list[Choice]]:
    """Every order ``shown_order`` can produce, each as likely as the others."""
    movable = [choice for choice in choices if not choice.fixed]
    for arrangement in permutations(movable):
        yield _place(choices, list(arrangement))


def _place(choices: Sequence[Choice], movable: list[Choice]) -> list[Choice]:
    remaining = iter(movable)
    return [choice if choice.fixed else next(remaining) for choice in choices]
