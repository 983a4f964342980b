"""Verification codes of records of completion: bearer secrets, so random (``secrets``), long
enough that guessing one is hopeless (120 bits), and stored only as a digest.

A code is written for people who may type it from paper: 24 characters of Crockford's base 32
(digits and capitals without I, L, O, U) in six groups of four. Reading one back forgives case,
spaces and dashes, and the letters people confuse with digits (O for 0, I and L for 1)."""

from __future__ import annotations

import hashlib
import re
import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
LENGTH = 24  # characters of 5 bits: 120 bits
GROUP = 4
_CONFUSED = str.maketrans({"O": "0", "I": "1", "L": "1"})
_SEPARATORS = re.compile(r"[\s\-‐‑–—]+")
_VALID = re.compile(f"^[{ALPHABET}]{{{LENGTH}}}$")
MAX_INPUT = 64  # anything longer is not a code (and is never hashed)


def new_code() -> str:
    """A fresh code, grouped for reading (``7K4Q-M2XA-...``)."""
    value = secrets.randbits(LENGTH * 5)
    chars = []
    for _ in range(LENGTH):
        value, index = divmod(value, 32)
        chars.append(ALPHABET[index])
    return grouped("".join(chars))


def grouped(code: str) -> str:
    return "-".join(code[i : i + GROUP] for i in range(0, len(code), GROUP))


def normalised(text: str | None) -> str | None:
    """The code in ``text`` without separators, in capitals; None when it cannot be one."""
    if not text or len(text) > MAX_INPUT:
        return None
    plain = _SEPARATORS.sub("", text).upper().translate(_CONFUSED)
    return plain if _VALID.match(plain) else None


def digest(code: str) -> str:
    """What the database keeps of a (normalised) code: its SHA-256, so a copy of the database
    cannot be used to open the records' pages."""
    return hashlib.sha256(code.encode("ascii")).hexdigest()
