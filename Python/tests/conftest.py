"""Shared test data. Expected values never come from the package under test: they are the
committed independent vectors (Tests/ActivationOracleTests/Data/independent, made by
Scripts/independent_reference.py with mpmath and exact fractions), closed forms, or NumPy's own
correctly rounded conversions."""

import importlib.util
import os
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]

# The package under test: the installed one (the wheel, in CI), else this source tree (development:
# the engine is then found in ../.build or through ACTIVATION_ORACLE_BIN).
if importlib.util.find_spec("activation_oracle") is None:
    sys.path.insert(0, str(ROOT / "Python" / "src"))
if os.environ.get("ACTIVATION_ORACLE_REQUIRE_WHEEL") == "1":
    import activation_oracle  # noqa: E402

    _bundled = Path(activation_oracle.__file__).parent / "_bin" / "activation-oracle"
    assert _bundled.is_file() and activation_oracle.find_binary() == str(_bundled), (
        f"ACTIVATION_ORACLE_REQUIRE_WHEEL=1 but the package under test is {activation_oracle.__file__}, "
        f"whose engine is {activation_oracle.find_binary()}")

pytest_plugins = ["pytester"]

VECTORS = ROOT / "Tests" / "ActivationOracleTests" / "Data" / "independent"
UINT = {"f16": np.uint16, "bf16": np.uint16, "f32": np.uint32, "f64": np.uint64}


def independent_vectors():
    """{(function, format, quantity): (x bits, expected bits)} from the committed files."""
    table = {}
    for path in sorted(VECTORS.glob("*.txt")):
        for line in path.read_text().splitlines():
            if not line or line.startswith("#"):
                continue
            fmt, quantity, x, y = line.split("#")[0].split()
            table.setdefault((path.stem, fmt, quantity), ([], []))
            table[(path.stem, fmt, quantity)][0].append(int(x, 16))
            table[(path.stem, fmt, quantity)][1].append(int(y, 16))
    return {k: (np.array(a, dtype=UINT[k[1]]), np.array(b, dtype=UINT[k[1]])) for k, (a, b) in table.items()}


def bfloat16_dtype():
    """ml_dtypes' bfloat16, or None."""
    try:
        import ml_dtypes
    except ImportError:
        return None
    return np.dtype(ml_dtypes.bfloat16)


NUMPY_DTYPES = {"f16": np.dtype(np.float16), "f32": np.dtype(np.float32), "f64": np.dtype(np.float64)}


def as_array(bits, fmt):
    """Bit patterns as an array of the format (bf16 through ml_dtypes; skips without it)."""
    if fmt == "bf16":
        dtype = bfloat16_dtype()
        if dtype is None:
            pytest.skip("bfloat16 arrays need ml_dtypes")
        return bits.view(dtype)
    return bits.view(NUMPY_DTYPES[fmt])


def bits_of(array):
    a = np.asarray(array)
    return a.view({2: np.uint16, 4: np.uint32, 8: np.uint64}[a.dtype.itemsize])


EXP = {"f16": 0x7C00, "bf16": 0x7F80, "f32": 0x7F800000, "f64": 0x7FF0000000000000}
FRAC = {"f16": 0x3FF, "bf16": 0x7F, "f32": 0x7FFFFF, "f64": (1 << 52) - 1}


def is_nan(bits, fmt):
    bits = np.asarray(bits, dtype=UINT[fmt])
    return ((bits & UINT[fmt](EXP[fmt])) == EXP[fmt]) & ((bits & UINT[fmt](FRAC[fmt])) != 0)


def assert_same_results(got, expected, fmt, x=None):
    """Bit for bit, except that any NaN matches any NaN."""
    got, expected = np.asarray(got, dtype=UINT[fmt]), np.asarray(expected, dtype=UINT[fmt])
    bad = np.nonzero((got != expected) & ~(is_nan(got, fmt) & is_nan(expected, fmt)))[0]
    where = x if x is not None else np.arange(got.size)
    assert bad.size == 0, [(hex(int(where[i])), hex(int(expected[i])), hex(int(got[i]))) for i in bad[:5]]
