"""Gated units (two inputs): gated(), gated_backward() and gated_compare() against the committed
independent vectors (Tests/ActivationOracleTests/Data/independent-gated, made by
Scripts/independent_reference.py gated with mpmath and exact fractions, IEEE's rules for NaN,
infinite and zero products written there), and the bad calls."""

import numpy as np
import pytest

import activation_oracle as ao
from conftest import ROOT, UINT, as_array, assert_same_results, bits_of

DATA = ROOT / "Tests" / "ActivationOracleTests" / "Data" / "independent-gated"


def load():
    """{(unit, format, quantity): columns of bit patterns} from the committed files."""
    table = {}
    for path in sorted(DATA.glob("*.txt")):
        for line in path.read_text().splitlines():
            if not line or line.startswith("#"):
                continue
            fmt, quantity, *numbers = line.split()
            table.setdefault((path.stem, fmt, quantity), []).append([int(n, 16) for n in numbers])
    return {k: np.array(v, dtype=UINT[k[1]]).T for k, v in table.items()}


VECTORS = load()


def test_the_vectors_cover_every_unit_format_and_quantity():
    assert {k[0] for k in VECTORS} == {"glu", "reglu", "geglu", "geglu-tanh", "swiglu"}
    assert {(k[1], k[2]) for k in VECTORS} == {(f, q) for f in ("f16", "bf16", "f32", "f64")
                                                 for q in ("value", "d/da", "d/db", "backward-a", "backward-b")}


@pytest.mark.parametrize("key", sorted(VECTORS), ids=lambda k: "-".join(k).replace("/", ""))
def test_gated_matches_the_independent_vectors(key):
    unit, fmt, quantity = key
    columns = VECTORS[key]
    a, b = as_array(columns[0], fmt), as_array(columns[1], fmt)
    if quantity.startswith("backward"):
        g = as_array(columns[2], fmt)
        da, db = ao.gated_backward(unit, a, b, g)
        got = da if quantity == "backward-a" else db
    else:
        got = ao.gated(unit, a, b, wrt={"value": None, "d/da": "a", "d/db": "b"}[quantity])
    assert got.dtype == a.dtype and got.shape == a.shape
    assert_same_results(bits_of(got), columns[-1], fmt, columns[0])


def test_compare_reports_and_judges():
    a = np.array([0, 1, -1, 3], np.float32)
    b = np.array([2, 2, -2, 0.5], np.float32)
    exact = ao.gated("geglu", a, b)
    report = ao.gated_compare("geglu", a, b, exact)
    assert report.passed and report.count == 4 and report.max_ulp == 0
    wrong = exact.copy()
    wrong[1] = np.nextafter(wrong[1], np.float32(10))
    wrong[2] = np.float32(np.nan)
    report = ao.gated_compare("geglu", a, b, wrong, worst=3)
    assert not report.passed and report.classes == {"finite": 1, "nan": 1}
    assert "result: FAIL" in str(report) and "geglu value, f32" in str(report)
    with pytest.raises(AssertionError, match="result: FAIL"):
        report.assert_passed()
    assert ao.gated_compare("geglu", a, b, np.where(np.isnan(wrong), exact, wrong), max_ulp=1).passed
    # shapes other than 1-D keep their elements in place
    grid = ao.gated("swiglu", a.reshape(2, 2), b.reshape(2, 2))
    assert grid.shape == (2, 2) and np.array_equal(bits_of(grid).reshape(-1), bits_of(ao.gated("swiglu", a, b)))


def test_closed_forms():
    """glu(0, b) = b/2; ∂/∂a = b·σ′(0) = b/4; reglu(−1, −2) = (+0)·(−2) = −0; 0·inf = NaN."""
    a = np.array([0, 0, -1, -np.inf, np.inf], np.float64)
    b = np.array([3, -1, -2, np.inf, 0], np.float64)
    y = ao.gated("glu", a, b)
    assert y[0] == 1.5 and y[1] == -0.5
    assert ao.gated("glu", a[:2], b[:2], wrt="a").tolist() == [0.75, -0.25]
    r = ao.gated("reglu", a, b)
    assert r[2] == 0 and np.signbit(r[2]) and np.isnan(r[3]) and np.isnan(r[4])


@pytest.mark.parametrize("call, error, message", [
    (lambda a, b: ao.gated("swiglu", a, b[:2]), ValueError, "b has shape"),
    (lambda a, b: ao.gated("swiglu", a, b.astype(np.float64)), TypeError, "one format for every array"),
    (lambda a, b: ao.gated("silu", a, b), ValueError, "no gated unit"),
    (lambda a, b: ao.gated("swiglu", a, b, wrt="x"), ValueError, "wrt must be 'a' or 'b'"),
    (lambda a, b: ao.gated("swiglu", a.tolist(), b), TypeError, "its format would be a guess"),
    (lambda a, b: ao.gated_backward("swiglu", a, b, b[:1]), ValueError, "grad has shape"),
    (lambda a, b: ao.gated_compare("swiglu", a, b, a, max_ulp=-1), ValueError, "max_ulp"),
    (lambda a, b: ao.gated_compare("swiglu", a[:0], b[:0], a[:0]), ValueError, "nothing to compare"),
    (lambda a, b: ao.reference("swiglu", a), ValueError, "swiglu is a gated unit"),
])
def test_bad_calls_raise(call, error, message):
    a, b = np.array([1, 2, 3], np.float32), np.array([4, 5, 6], np.float32)
    with pytest.raises(error, match=message):
        call(a, b)
