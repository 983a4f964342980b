"""Errors raised while playing a case."""


class ChoiceNotOffered(Exception):
    """The choice id is unknown at the current node or not offered under the current state."""


class CaseFinished(Exception):
    """The state is at an ending: there is nothing left to choose."""


class StateInvalid(Exception):
    """Saved state data does not fit the case (tampered, corrupted or from another case)."""
