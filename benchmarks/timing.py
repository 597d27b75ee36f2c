"""What every benchmark measures with: a call timed in milliseconds, percentiles, and the figure line."""

import statistics
import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def timed(fn: Callable[[], T]) -> tuple[float, T]:
    """(milliseconds `fn()` took, its value)."""
    started = time.perf_counter()
    value = fn()
    return (time.perf_counter() - started) * 1000, value


def percentile(values: list[float], q: int) -> float:
    """The q-th percentile of `values` (inclusive method: a sample's own figures, never beyond its max)."""
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] if len(values) > 1 else values[0]


def line(label: str, values: list[float], *, width: int = 52) -> None:
    """One figure's line: p50, p95 and max in milliseconds."""
    print(f"   {label:<{width}} p50 {statistics.median(values):7.1f} ms   p95 {percentile(values, 95):7.1f} ms   "
          f"max {max(values):7.1f} ms")


def progress_printer(noun: str, *, every: float = 15) -> Callable[[int, int], None]:
    """A generator's progress callback: "… done/total <noun> (seconds so far)", at most every `every` seconds."""
    started = time.perf_counter()
    last = [started]

    def progress(done: int, total: int) -> None:
        if time.perf_counter() - last[0] > every:
            last[0] = time.perf_counter()
            print(f"   … {done:,}/{total:,} {noun} ({time.perf_counter() - started:.0f} s)", flush=True)

    return progress
