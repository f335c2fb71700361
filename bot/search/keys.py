"""Term keys: stable 64-bit numbers for terms, and for terms derived from other terms' keys."""

from __future__ import annotations

import hashlib

import numpy as np


def term_key(term: str | int) -> int:
    """A stable 64-bit key for a term, the same in every process and every run."""
    if isinstance(term, int):
        return term
    digest = hashlib.blake2b(term.encode("utf-8", "surrogatepass"), digest_size=8).digest()
    return int.from_bytes(digest, "little", signed=True)


# Keys of derived terms are computed from the keys they derive from, the same way in Python
# (questions) and in NumPy (whole corpora): multiply by an odd constant, mix, wrap at 64 bits.
_PAIR_MIX = 0x9E3779B97F4A7C15
_BORROWED_MIX = 0xC2B2AE3D27D4EB4F
_MASK = (1 << 64) - 1


def pair_key(first: int, second: int) -> int:
    """Key of the pair of neighbouring words with these stem keys."""
    return _signed((((first & _MASK) * _PAIR_MIX) & _MASK) ^ (second & _MASK))


def borrowed_key(stem: int) -> int:
    """Key of a stem a sentence borrows from the sentence before it."""
    return _signed((((stem & _MASK) * _BORROWED_MIX) + 1) & _MASK)


def pair_keys_of(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """`pair_key` over arrays of int64 keys."""
    mixed = first.view(np.uint64) * np.uint64(_PAIR_MIX)
    return (mixed ^ second.view(np.uint64)).view(np.int64)


def borrowed_keys_of(stems: np.ndarray) -> np.ndarray:
    """`borrowed_key` over an array of int64 stem keys."""
    return (stems.view(np.uint64) * np.uint64(_BORROWED_MIX) + np.uint64(1)).view(np.int64)


def _signed(value: int) -> int:
    return value - (1 << 64) if value >= 1 << 63 else value
