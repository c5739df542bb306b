"""Random draws for many rows at once, and the arithmetic on amounts in cents that the demo
data shares: what ``random.choices``, ``randint`` and ``Decimal.quantize`` did row by row,
done for a whole column with numpy."""

import numpy as np

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ3789"
_ALPHABET = np.frombuffer(CODE_ALPHABET.encode(), dtype=np.uint8)


def generator(seed: int, *stream: int) -> np.random.Generator:
    """The generator of one part of the demo data: the same seed and stream numbers always
    give the same numbers, whatever else is drawn."""
    return np.random.default_rng([abs(seed), int(seed < 0), *stream])


def pick(rng: np.random.Generator, count: int, cum_weights) -> np.ndarray:
    """An index per row, drawn with cumulative weights (as ``random.choices`` takes them)."""
    cum = np.asarray(cum_weights, dtype=float)
    return np.searchsorted(cum / cum[-1], rng.random(count), side="right")


def chance(rng: np.random.Generator, count: int, probability: float) -> np.ndarray:
    return rng.random(count) < probability


def between(rng: np.random.Generator, low: int, high: int, count: int) -> np.ndarray:
    """Whole numbers from ``low`` to ``high``, both included."""
    return rng.integers(low, high + 1, count)


def tokens(rng: np.random.Generator, count: int, length: int) -> list[str]:
    """Codes of ``length`` letters and digits that cannot be mistaken for each other."""
    letters = _ALPHABET[rng.integers(0, len(CODE_ALPHABET), (count, length))]
    joined = letters.tobytes().decode("ascii")
    return [joined[i : i + length] for i in range(0, count * length, length)]


def spelled(numbers: np.ndarray, length: int) -> list[str]:
    """Numbers written with the code alphabet in ``length`` places: different numbers give
    different codes."""
    digits = np.empty((len(numbers), length), dtype=np.int64)
    rest = np.asarray(numbers, dtype=np.int64)
    for place in range(length - 1, -1, -1):
        rest, digits[:, place] = np.divmod(rest, len(CODE_ALPHABET))
    joined = _ALPHABET[digits].tobytes().decode("ascii")
    return [joined[i : i + length] for i in range(0, len(numbers) * length, length)]


def hex_secrets(rng: np.random.Generator, count: int, digits: int = 32) -> list[str]:
    """Random hexadecimal secrets, like pretix's order and ticket secrets."""
    joined = rng.bytes(count * digits // 2).hex()
    return [joined[i : i + digits] for i in range(0, count * digits, digits)]


def percent_of(cents: np.ndarray, percent: np.ndarray | int) -> np.ndarray:
    """``percent``% of an amount, rounded half up to the cent."""
    return (cents * percent + 50) // 100


def tax_of(cents: np.ndarray, rate: np.ndarray | int) -> np.ndarray:
    """The tax in a gross amount at ``rate`` (hundredths of a percent), rounded half up to
    the cent, as ``Decimal.quantize(ROUND_HALF_UP)`` rounds it."""
    cents, rate = np.asarray(cents, dtype=np.int64), np.asarray(rate, dtype=np.int64)
    size = np.abs(cents)
    tax = (2 * size * rate + 10000 + rate) // (2 * (10000 + rate))
    return np.sign(cents) * tax


def first_of_groups(groups: np.ndarray, count: int) -> np.ndarray:
    """For rows sorted by group (0 … count-1): the index of each group's first row."""
    sizes = np.bincount(groups, minlength=count)
    return np.cumsum(sizes) - sizes


def rank_in_group(groups: np.ndarray, count: int) -> np.ndarray:
    """For rows sorted by group: 1 for each group's first row, 2 for the next, …"""
    return np.arange(len(groups)) - first_of_groups(groups, count)[groups] + 1
