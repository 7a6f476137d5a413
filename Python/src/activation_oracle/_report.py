"""A comparison's outcome as the engine rendered it: the same text `activation-oracle verify`
prints, its JSON fields as attributes, Markdown for notebooks and an SVG plot. Nothing is
recomputed here."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np

from ._formats import UINT, WIDTH, values_of_bits


@dataclass(frozen=True)
class Bucket:
    """One nonempty ULP-histogram bucket: `lo` to `hi` ULP inclusive (`hi` None: beyond 2^64 − 1;
    both None: NaN against a number), `count` results, `label` as the text report prints it."""
    label: str
    lo: Optional[int]
    hi: Optional[int]
    count: int


@dataclass(frozen=True)
class Case:
    """One disagreement with the correctly rounded result: bit patterns in hex, values as
    shortest decimals, the ULP distance (None: NaN against a number) and its class."""
    x: str
    expected: str
    actual: str
    x_decimal: str
    expected_decimal: str
    actual_decimal: str
    ulp: Optional[int]
    kind: str
    allowed: bool


class SVG:
    """An SVG drawing that notebooks display."""

    def __init__(self, text: str):
        self.text = text

    def _repr_svg_(self):
        return self.text

    def save(self, path):
        with open(path, "w", encoding="utf-8") as f:
            f.write(self.text)


class Report:
    """The outcome of `compare` or `check`.

    `str(report)` is the text `verify` prints (with the replay line of a `check`); `passed`,
    `max_ulp`, `count`, `failures`, `classes` (disagreements per class: finite, subnormal,
    zero_sign, inf, nan), `histogram` (the nonempty `Bucket`s: lo, hi, count, label), `worst` (Cases),
    `simplest` (class → the simplest failing input after shrinking, as a float), `position_dependent`
    and `json` (every field as the engine wrote it) describe it; in a notebook it renders as
    Markdown, and `plot()` is the ULP error against x as SVG."""

    def __init__(self, reply: dict, replay: Optional[str] = None, seed: Optional[int] = None):
        self.json = reply["report"]
        self.text = reply["text"]
        self.markdown = reply["markdown"]
        self.svg = reply["svg"]
        self.replay = replay
        self.seed = seed
        r = self.json
        self.function = r["function"]
        self.format = r["format"]
        self.derivative = r["derivative"]
        self.order = int(r.get("order", 1 if self.derivative else 0))
        self.passed = bool(r["pass"])
        self.max_ulp = int(r["max_ulp"])
        self.count = int(r["count"])
        self.failures = int(r["failures"])
        self.classes = {k: int(v) for k, v in r["classes"].items()}
        self.histogram = [Bucket(b["ulp"], b.get("lo"), b.get("hi"), int(b["count"])) for b in r["histogram"]]
        self.position_dependent = int(r["position_dependent"])
        self.worst = [Case(w["x"], w["expected"], w["actual"], w["x_decimal"], w["expected_decimal"],
                           w["actual_decimal"], w.get("ulp"), w["class"], w["allowed"]) for w in r["worst"]]
        width = WIDTH[self.format]
        self.simplest = {kind: float(values_of_bits(np.array([int(bits, 16)], dtype=UINT[width]), self.format)[0])
                         for kind, bits in r["simplest"].items()}

    def __str__(self):
        return self.text + (f"\nreplay: {self.replay}" if self.replay else "")

    def count_beyond(self, ulps: int) -> int:
        """Results more than `ulps` ULP away (NaN against a number included)."""
        return sum(b.count for b in self.histogram if b.lo is None or b.lo > ulps)

    @property
    def _subject(self) -> str:
        return f"{self.function}{('', '′', '″')[self.order]} {self.format}"

    def summary(self) -> str:
        """One line: what was compared and the verdict (the first line of a failure message)."""
        verdict = "pass" if self.passed else f"FAIL, {self.failures} results beyond the allowances"
        return f"{self._subject}: {verdict} (max ULP {self.max_ulp} over {self.count} results)"

    def __repr__(self):
        verdict = "pass" if self.passed else f"FAIL, {self.failures} beyond the allowances"
        return f"<activation_oracle.Report {self._subject}: {self.count} results, max ULP {self.max_ulp}, {verdict}>"

    def assert_passed(self) -> "Report":
        """Raises AssertionError whose message is the report unless it passed; returns the report.
        (`assert report.passed, report` would show only the repr: pytest shortens it.)"""
        __tracebackhide__ = True  # pytest: the failure points at the caller's line
        if not self.passed:
            raise AssertionError(f"{self.summary()}\n{self}")
        return self

    def _repr_markdown_(self):
        return self.markdown + (f"\nReplay: `{self.replay}`\n" if self.replay else "")

    def plot(self) -> SVG:
        """ULP error against x (symmetric log axis, classes marked)."""
        return SVG(self.svg)
