"""Common random numbers: counter-based, named random streams.

Every random decision in sectorsim draws from a named stream ("separation", "match.rank",
"offer.accept", ...). A draw is a pure function of

    (run seed, stream name, month, agent key, call index)

computed with the SplitMix64 finalizer, in compiled (numba) kernels over whole key arrays. There
is no generator whose position depends on what else happened earlier in the run, so worker
``i``'s draw for a decision in month ``t`` is the same in every arm of a scenario: two arms that
share a seed differ only because a policy changed a probability, a score or an eligibility rule,
never because the numbers shifted (docs/ODD.md, 'Stochasticity and common random numbers').
Compiled kernels elsewhere draw the same numbers through :func:`key_uniform` and
:func:`pair_uniform` with :meth:`Streams.base`.

Reads: nothing. Writes: nothing. Used by: every process and policy; nothing else in the package may
call ``np.random``, ``random`` or ``model.rng`` (a test enforces it).
"""

from __future__ import annotations

import hashlib
from functools import lru_cache

import numpy as np
from numba import njit
from numpy.typing import NDArray
from scipy.special import ndtri

_MASK = (1 << 64) - 1
_GOLDEN = 0x9E3779B97F4A7C15
_M1 = 0xBF58476D1CE4E5B9
_M2 = 0x94D049BB133111EB
_PAIR = 0xD6E8FEB86659FD93
_U_GOLDEN = np.uint64(_GOLDEN)
_U_M1 = np.uint64(_M1)
_U_M2 = np.uint64(_M2)
_U_PAIR = np.uint64(_PAIR)
_S30, _S27, _S31, _S11 = np.uint64(30), np.uint64(27), np.uint64(31), np.uint64(11)
_INV53 = 2.0**-53

#: Month index used for draws made while building the initial population.
INIT_MONTH = -1


@njit(cache=True, nogil=True)
def fmix(x: np.uint64) -> np.uint64:
    """SplitMix64 finalizer on one uint64 (wraps modulo 2**64); callable from compiled kernels."""
    x ^= x >> _S30
    x *= _U_M1
    x ^= x >> _S27
    x *= _U_M2
    x ^= x >> _S31
    return x


def _fmix_int(x: int) -> int:
    """:func:`fmix` on a Python int (taken modulo 2**64), for seeds and stream bases.

    The same steps in Python integer arithmetic (a test checks it against :func:`fmix`): a stream
    base is a few of these per process step and month, cheaper without a call into compiled code.
    """
    x &= _MASK
    x ^= x >> 30
    x = (x * _M1) & _MASK
    x ^= x >> 27
    x = (x * _M2) & _MASK
    return x ^ (x >> 31)


@njit(cache=True, nogil=True)
def unit(bits: np.uint64) -> float:
    """Top 53 bits of ``bits`` as a uniform on the open interval (0, 1)."""
    return (np.float64(bits >> _S11) + 0.5) * _INV53


@njit(cache=True, nogil=True)
def key_uniform(key: int, base: np.uint64) -> float:
    """The uniform for one key, given the (seed, stream, month, call) base of :meth:`Streams.base`."""
    return unit(fmix(np.uint64(key) * _U_GOLDEN + base))


@njit(cache=True, nogil=True)
def pair_uniform(key_a: int, key_b: int, base: np.uint64) -> float:
    """The uniform for one pair of keys (see :meth:`Streams.uniform_pair`)."""
    a = fmix(np.uint64(key_a) * _U_GOLDEN + base) ^ (np.uint64(key_b) * _U_PAIR)
    return unit(fmix(a))


@njit(cache=True, nogil=True)
def _uniform_kernel(keys: NDArray[np.int64], base: np.uint64) -> NDArray[np.float64]:
    out = np.empty(keys.size, np.float64)
    for i in range(keys.size):  # loop: keys (compiled)
        out[i] = key_uniform(keys[i], base)
    return out


@njit(cache=True, nogil=True)
def _pair_kernel(
    keys_a: NDArray[np.int64], keys_b: NDArray[np.int64], base: np.uint64
) -> NDArray[np.float64]:
    out = np.empty(keys_a.size, np.float64)
    for i in range(keys_a.size):  # loop: key pairs (compiled)
        out[i] = pair_uniform(keys_a[i], keys_b[i], base)
    return out


@njit(cache=True, nogil=True)
def rounded(expected: float, u: float) -> np.int64:
    """An expected count rounded to an integer: floor, plus one when ``u`` < the remainder."""
    expected = max(expected, 0.0)
    base = np.floor(expected)
    return np.int64(base) + (1 if u < expected - base else 0)


@njit(cache=True, nogil=True)
def _round_kernel(
    keys: NDArray[np.int64], expected: NDArray[np.float64], base: np.uint64
) -> NDArray[np.int64]:
    out = np.empty(keys.size, np.int64)
    for i in range(keys.size):  # loop: keys (compiled)
        out[i] = rounded(expected[i], key_uniform(keys[i], base))
    return out


def _keys(keys: NDArray[np.integer]) -> NDArray[np.int64]:
    return np.ascontiguousarray(keys, dtype=np.int64).reshape(-1)


@lru_cache(maxsize=1024)
def stream_id(name: str) -> int:
    """Return a stable 64-bit identifier for a stream name (independent of PYTHONHASHSEED)."""
    return int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), "little")


def mix_seed(seed: int, *parts: int) -> int:
    """Derive a 64-bit seed from a base seed and integer parts (e.g. a replication index).

    Args:
        seed: Base seed (any non-negative integer).
        *parts: Further integers mixed in order.

    Returns:
        A non-negative integer below 2**63, stable across platforms and Python versions.
    """
    h = _fmix_int(seed + _GOLDEN)
    for p in parts:  # loop: seed parts
        h = _fmix_int(h ^ ((p * _GOLDEN + _PAIR) & _MASK))
    return h >> 1


class Streams:
    """Named, counter-based uniform and normal draws for one run.

    Args:
        seed: The run seed. Two runs with the same seed draw the same numbers for the same
            (stream, month, key, call), whatever else differs between them.
    """

    def __init__(self, seed: int) -> None:
        self.seed = int(seed) & _MASK
        self._named: dict[str, int] = {}  # first hash stage, (seed, stream name), per name

    def base(self, name: str, month: int, call: int = 0) -> np.uint64:
        """The hash of (seed, stream, month, call) that a compiled kernel combines with keys.

        Kernels that draw inside a loop (matching) take this and call :func:`key_uniform` or
        :func:`pair_uniform`; they then draw exactly the numbers :meth:`uniform` would.
        """
        h = self._named.get(name)
        if h is None:
            h = self._named[name] = _fmix_int(self.seed ^ stream_id(name))
        h = _fmix_int(h ^ ((month + 2) * _M1 & _MASK))
        return np.uint64(_fmix_int(h ^ ((call + 1) * _M2 & _MASK)))

    def uniform(self, name: str, month: int, keys: NDArray[np.integer], call: int = 0) -> NDArray[np.float64]:
        """Uniform draws on the open interval (0, 1), one per key.

        Args:
            name: Stream name, one per decision point.
            month: Simulation month (``INIT_MONTH`` during initialization).
            keys: Stable agent keys (worker key, employer key, ...).
            call: Call index, for a second independent draw by the same stream in one month.

        Returns:
            float64 array shaped like ``keys``.
        """
        keys = np.asarray(keys)
        return _uniform_kernel(_keys(keys), self.base(name, month, call)).reshape(keys.shape)

    def uniform_pair(
        self,
        name: str,
        month: int,
        keys_a: NDArray[np.integer],
        keys_b: NDArray[np.integer],
        call: int = 0,
    ) -> NDArray[np.float64]:
        """Uniform draws keyed by a pair of agents, e.g. (worker, employer).

        The draw for a pair does not depend on which other pairs are drawn, so a matching that
        sees more or fewer applicants leaves every existing pair's number unchanged.
        """
        keys_a, keys_b = np.broadcast_arrays(keys_a, keys_b)
        out = _pair_kernel(_keys(keys_a), _keys(keys_b), self.base(name, month, call))
        return out.reshape(keys_a.shape)

    def normal(self, name: str, month: int, keys: NDArray[np.integer], call: int = 0) -> NDArray[np.float64]:
        """Standard normal draws by inverse CDF of :meth:`uniform`."""
        return ndtri(self.uniform(name, month, keys, call))

    def normal_pair(
        self,
        name: str,
        month: int,
        keys_a: NDArray[np.integer],
        keys_b: NDArray[np.integer],
        call: int = 0,
    ) -> NDArray[np.float64]:
        """Standard normal draws keyed by a pair of agents (inverse CDF of ``uniform_pair``)."""
        return ndtri(self.uniform_pair(name, month, keys_a, keys_b, call))

    def round_counts(
        self, name: str, month: int, keys: NDArray[np.integer], expected: NDArray[np.floating]
    ) -> NDArray[np.int64]:
        """Round expected counts to integers: floor plus a hashed draw for the remainder.

        Unbiased (the mean equals ``expected``) and CRN-safe: no sequential generator decides.
        """
        keys, expected = np.broadcast_arrays(keys, np.asarray(expected, dtype=np.float64))
        out = _round_kernel(_keys(keys), np.ascontiguousarray(expected).reshape(-1), self.base(name, month))
        return out.reshape(keys.shape)
