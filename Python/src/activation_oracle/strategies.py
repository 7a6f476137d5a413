"""Hypothesis strategies for activation inputs (the `hypothesis` extra).

    from hypothesis import given
    import activation_oracle as ao
    from activation_oracle import strategies

    @given(strategies.arrays("gelu", np.float32))
    def test_my_gelu(x):
        ao.assert_ulp("gelu", x, my_gelu(x), max_ulp=1)

`edges` samples the oracle's own edge inputs of one function (the specials, the kinks with their
neighbours, the thresholds where the function saturates, underflows or first rounds to zero, with
neighbours — what `inputs(..., count=0)` returns); `values` draws any value of the format (every
bit pattern: NaN, ±inf, ±0, subnormals); `elements` mixes the two, and `arrays` makes 1-D arrays
of them. Hypothesis shrinks toward the first edges and toward small bit patterns."""

from __future__ import annotations

from typing import Mapping, Optional

import numpy as np

try:
    from hypothesis import strategies as st
except ImportError as error:  # pragma: no cover - the optional extra
    raise ImportError("activation_oracle.strategies needs Hypothesis: pip install 'activation-oracle[hypothesis]'") from error

from . import inputs
from ._formats import UINT, WIDTH, holder_for_dtype

__all__ = ["edges", "values", "elements", "arrays"]


def _holder(dtype):
    holder = holder_for_dtype(dtype)
    if holder.kind != "numpy":
        raise TypeError(f"strategies draw NumPy values; got {holder.describe()} (convert with torch.from_numpy in the test)")
    return holder


def edges(function: str, dtype, *, params: Optional[Mapping] = None, convention: Optional[str] = None):
    """One of the oracle's edge inputs of `function` in `dtype` (as a 0-d array of that dtype);
    every input of a 16-bit format."""
    holder = _holder(dtype)
    bits = inputs(function, holder.dtype, count=0, params=params, convention=convention).view(UINT[WIDTH[holder.format]])
    return st.sampled_from(bits.tolist()).map(lambda b: _one(b, holder))


def values(dtype):
    """Any value of `dtype`, by bit pattern (NaNs, infinities, zeros and subnormals included)."""
    holder = _holder(dtype)
    width = WIDTH[holder.format]
    return st.integers(0, (1 << width) - 1).map(lambda b: _one(b, holder))


def elements(function: str, dtype, *, params: Optional[Mapping] = None, convention: Optional[str] = None):
    """An edge input of `function` or any value of `dtype`."""
    return st.one_of(edges(function, dtype, params=params, convention=convention), values(dtype))


def arrays(function: str, dtype, *, min_size: int = 1, max_size: int = 64, params: Optional[Mapping] = None,
           convention: Optional[str] = None):
    """1-D arrays of `dtype` whose elements are `elements(function, dtype)`."""
    holder = _holder(dtype)
    element = elements(function, dtype, params=params, convention=convention)
    return st.lists(element, min_size=min_size, max_size=max_size).map(
        lambda xs: np.concatenate([x.reshape(1) for x in xs]) if xs else np.empty(0, dtype=holder.dtype))


def _one(bits: int, holder):
    return np.array(bits, dtype=UINT[WIDTH[holder.format]]).view(holder.dtype)
