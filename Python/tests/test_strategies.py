"""Hypothesis strategies: the edges hold the catalog's kinks and thresholds (closed forms below),
values cover every bit pattern, and a property test built on them finds the naive sigmoid's
failure and passes the reference."""

import numpy as np
import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, find, given, settings  # noqa: E402

import activation_oracle as ao  # noqa: E402
from activation_oracle import strategies  # noqa: E402


def drawn(strategy, n=400):
    out = []

    @settings(max_examples=n, database=None, suppress_health_check=list(HealthCheck), deadline=None, derandomize=True)
    @given(strategy)
    def collect(x):
        out.append(np.asarray(x))
    collect()
    return out


def test_edges_hold_the_kinks_and_their_neighbours():
    edges = ao.inputs("hard-sigmoid", np.float32, count=0)
    bits = set(edges.view(np.uint32).tolist())
    three = int(np.float32(3).view(np.uint32))  # hard-sigmoid = clip(x/6 + 1/2, 0, 1): kinks at ±3
    for k in (three, three | 0x80000000):
        assert {k - 1, k, k + 1} <= bits
    seen = {int(x.view(np.uint32)) for x in drawn(strategies.edges("hard-sigmoid", np.float32), 2000)}
    assert seen <= bits and len(seen) > 20


def test_values_reach_nan_infinities_and_subnormals():
    kinds = set()
    for x in drawn(strategies.values(np.float16), 1000):
        v = float(x)
        kinds.add("nan" if v != v else "inf" if abs(v) == np.inf else "sub" if 0 < abs(v) < 2.0**-14 else "other")
    assert {"nan", "other"} <= kinds and len(kinds) >= 3


def test_a_property_test_finds_the_naive_sigmoid_and_passes_the_reference():
    def naive(x):
        with np.errstate(over="ignore", invalid="ignore"):
            return (1 / (1 + np.exp(-x))).astype(x.dtype)

    def wrong(x):
        return not ao.compare("sigmoid", x, naive(x), max_ulp=1).passed
    # derandomized: the search is the same on every run (a random one missed 1 time in 40)
    failing = find(strategies.arrays("sigmoid", np.float32, max_size=8), wrong,
                   settings=settings(max_examples=500, database=None, deadline=None, derandomize=True))
    assert failing.size == 1  # shrunk to one element

    @settings(max_examples=50, database=None, deadline=None, derandomize=True)
    @given(strategies.arrays("sigmoid", np.float64))
    def reference_passes(x):
        ao.assert_ulp("sigmoid", x, ao.reference("sigmoid", x))
    reference_passes()


def test_bfloat16_and_torch_dtypes():
    ml_dtypes = pytest.importorskip("ml_dtypes")
    x = drawn(strategies.arrays("silu", ml_dtypes.bfloat16, max_size=4), 20)[0]
    assert x.dtype == np.dtype(ml_dtypes.bfloat16)
    torch = pytest.importorskip("torch")
    with pytest.raises(TypeError, match="strategies draw NumPy values"):
        strategies.values(torch.float32)
