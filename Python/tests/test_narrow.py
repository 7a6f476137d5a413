"""reference() in the 8-, 6- and 4-bit formats, with another output format, overflow rule and scale:
against the committed independent narrow vectors (Tests/ActivationOracleTests/Data/independent-narrow,
made by Scripts/independent_reference.py narrow from the formats' specifications with mpmath and
exact fractions), bit for bit (NaN matches NaN). Needs ml_dtypes for the arrays."""

from fractions import Fraction

import numpy as np
import pytest

import activation_oracle as ao
from conftest import ROOT

ml_dtypes = pytest.importorskip("ml_dtypes")

NARROW = ROOT / "Tests" / "ActivationOracleTests" / "Data" / "independent-narrow"
DTYPE = {"e4m3fn": "float8_e4m3fn", "e5m2": "float8_e5m2", "e4m3fnuz": "float8_e4m3fnuz", "e5m2fnuz": "float8_e5m2fnuz",
         "e2m3": "float6_e2m3fn", "e3m2": "float6_e3m2fn", "e2m1": "float4_e2m1fn", "bf16": "bfloat16"}
FNUZ_NAN = {"e4m3fnuz": 0x80, "e5m2fnuz": 0x80}


def sections():
    """{(function, input, output, overflow, scale, quantity): (x bits, y bits)} from the files."""
    table = {}
    for path in sorted(NARROW.glob("*.txt")):
        head = None
        for line in path.read_text().splitlines():
            if not line or line.startswith("#"):
                continue
            if line.startswith("= "):
                head = (path.stem, *line[2:].split())
                table.setdefault(head, ([], []))
                continue
            x, y = line.split()
            table[head][0].append(int(x, 16))
            table[head][1].append(int(y, 16))
    return table


SECTIONS = sections()


def dtype_of(fmt):
    return np.dtype(getattr(ml_dtypes, DTYPE[fmt])) if fmt in DTYPE else np.dtype({"f32": np.float32}[fmt])


def is_nan(bits, fmt):
    bits = np.asarray(bits).astype(np.uint64)
    if fmt in FNUZ_NAN:
        return bits == FNUZ_NAN[fmt]
    if fmt == "e4m3fn":
        return (bits & 0x7F) == 0x7F
    if fmt == "e5m2":
        return ((bits & 0x7C) == 0x7C) & ((bits & 0x3) != 0)
    if fmt == "bf16":
        return ((bits & 0x7F80) == 0x7F80) & ((bits & 0x7F) != 0)
    return np.zeros(bits.shape, dtype=bool)


@pytest.mark.parametrize("key", sorted(SECTIONS), ids=lambda k: "-".join(k).replace("/", "over"))
def test_narrow_reference_matches_the_independent_vectors(key):
    function, fin, fout, overflow, scale, quantity = key
    xs, ys = SECTIONS[key]
    x = np.array(xs, dtype={"f32": np.uint32, "bf16": np.uint16}.get(fin, np.uint8)).view(dtype_of(fin))
    got = ao.reference(function, x, derivative=quantity == "derivative", output_format=fout, overflow=overflow,
                       scale=None if scale == "1" else Fraction(scale))
    assert got.dtype == dtype_of(fout) and got.shape == x.shape
    got_bits = got.view({1: np.uint8, 2: np.uint16, 4: np.uint32}[got.dtype.itemsize]).astype(np.uint64)
    expected = np.array(ys, dtype=np.uint64)
    bad = np.nonzero((got_bits != expected) & ~(is_nan(got_bits, fout) & is_nan(expected, fout)))[0]
    assert bad.size == 0, [(hex(xs[i]), hex(ys[i]), hex(int(got_bits[i]))) for i in bad[:5]]


def test_plain_casts_of_exact_results_match_ml_dtypes():
    """relu is exact, so RN_e4m3fn(relu(x)) for float32 x is ml_dtypes' own cast of relu(x)
    (its rounding is correct, with its default overflow per format)."""
    rng = np.random.default_rng(7)
    x = np.concatenate([rng.standard_normal(2000).astype(np.float32) * 300, np.float32([0, -0.0, 464, 465, 1e30, -1e30])])
    for fmt in ("e4m3fn", "e5m2", "e4m3fnuz", "e5m2fnuz", "e2m3", "e3m2", "e2m1"):
        got = ao.reference("relu", x, output_format=fmt)
        want = np.maximum(x, 0).astype(dtype_of(fmt))
        gb, wb = got.view(np.uint8), want.view(np.uint8)
        same = (gb == wb) | (is_nan(gb, fmt) & is_nan(wb, fmt))
        assert same.all(), (fmt, x[~same][:5], gb[~same][:5], wb[~same][:5])


def test_overflow_rules_and_scale():
    x = np.float32([465, -1000, 1.0])
    nan_mode = ao.reference("relu", x, output_format="e4m3fn").view(np.uint8)
    assert list(nan_mode) == [0x7F, 0x00, 0x38]  # 465 overflows to NaN; relu(−1000) = +0
    saturate = ao.reference("relu", x, output_format=ml_dtypes.float8_e4m3fn, overflow="saturate").view(np.uint8)
    assert list(saturate) == [0x7E, 0x00, 0x38]  # 448
    scaled = ao.reference("relu", x, output_format="e4m3fn", scale="1/16").view(np.uint8)
    assert list(scaled) == [0x5F, 0x00, 0x18]  # 465/16 = 29.06 → 30; 1/16 = 2^−4


def test_bad_output_options_raise_clear_errors():
    x = np.float32([1.0, np.nan])
    with pytest.raises(ao.RequestError, match="has no NaN"):
        ao.reference("gelu", x, output_format="e2m1")
    with pytest.raises(ao.RequestError, match="no infinity"):
        ao.reference("gelu", x[:1], output_format="e4m3fn", overflow="inf")
    with pytest.raises(ao.RequestError, match="positive"):
        ao.reference("gelu", x[:1], output_format="e4m3fn", scale=0)
    with pytest.raises(ValueError, match="finite"):
        ao.reference("gelu", x[:1], output_format="e4m3fn", scale=float("inf"))
    with pytest.raises(TypeError, match="unsupported dtype"):
        ao.reference("gelu", x[:1], output_format="e9m9")
    with pytest.raises(TypeError):
        ao.reference("gelu", x[:1], overflow=3)


def test_compare_and_check_in_an_output_format():
    """compare and check judge results in the output format against RN_out(scale·f(x)): the
    correctly rounded answer passes, a compute-in-float32-then-cast kernel is caught."""
    x = np.linspace(-8, 8, 4001).astype(ml_dtypes.bfloat16)
    exact = ao.reference("gelu", x, output_format="e4m3fn", scale="1/16")
    assert ao.compare("gelu", x, exact, output_format="e4m3fn", scale="1/16").passed

    def cast_after(v):  # f in float32 (erf-free tanh form), then the cast: not correctly rounded
        f = v.astype(np.float32)
        with np.errstate(all="ignore"):
            return (f * 0.5 * (1 + np.tanh(np.float32(0.7978845608) * (f + np.float32(0.044715) * f ** 3))) / 16).astype(ml_dtypes.float8_e4m3fn)

    report = ao.compare("gelu", x, cast_after(x), output_format="e4m3fn", scale="1/16")
    assert not report.passed and report.max_ulp >= 1
    checked = ao.check(lambda v: ao.reference("gelu", v, output_format="e4m3fn", scale="1/16"), "gelu", "bf16",
                       output_format="e4m3fn", scale="1/16")
    assert checked.passed
    assert not ao.check(cast_after, "gelu", "bf16", output_format="e4m3fn", scale="1/16").passed
    with pytest.raises(TypeError, match="asked in e4m3fn"):
        ao.compare("gelu", x, x, output_format="e4m3fn")
