"""The independent reference's narrow formats (Scripts/independent_reference.py, FORMATS/Fmt)
against another implementation, ml_dtypes: every bit pattern decodes to the same value, and
rounding — every bfloat16 and binary16 value, every midpoint between neighbours of each narrow
format and the floats just beside it, the overflow threshold, the infinities — gives the bits
ml_dtypes' casts give, under each format's default overflow mode. And the committed narrow
vectors (Tests/ActivationOracleTests/Data/independent-narrow) are what the script makes, with
ReLU's by definition. Needs numpy, ml_dtypes, mpmath (and gmpy2 for speed)."""

import importlib.util
import math
import random
import sys
from fractions import Fraction as Fr
from pathlib import Path

import pytest

np = pytest.importorskip("numpy")
ml_dtypes = pytest.importorskip("ml_dtypes")
pytest.importorskip("mpmath")

ROOT = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("independent_reference", ROOT / "Scripts" / "independent_reference.py")
ir = importlib.util.module_from_spec(spec)
sys.modules["independent_reference"] = ir
spec.loader.exec_module(ir)

ML = {"e4m3fn": ml_dtypes.float8_e4m3fn, "e5m2": ml_dtypes.float8_e5m2, "e4m3fnuz": ml_dtypes.float8_e4m3fnuz,
      "e5m2fnuz": ml_dtypes.float8_e5m2fnuz, "e2m3": ml_dtypes.float6_e2m3fn, "e3m2": ml_dtypes.float6_e3m2fn,
      "e2m1": ml_dtypes.float4_e2m1fn}
DATA = ROOT / "Tests" / "ActivationOracleTests" / "Data" / "independent-narrow"


def ml_of_bits(name, bits):
    return np.array(bits, dtype=np.uint8).view(ML[name])


def ml_cast_bits(name, values32):
    mask = (1 << ir.Fmt(name).width) - 1
    return (np.asarray(values32, dtype=np.float32).astype(ML[name]).view(np.uint8) & mask).tolist()


@pytest.mark.parametrize("name", ir.NARROW)
def test_every_pattern_decodes_as_ml_dtypes_does(name):
    fmt = ir.Fmt(name)
    bits = list(fmt.patterns())
    values = ml_of_bits(name, bits).astype(np.float64)
    for b, v in zip(bits, values.tolist()):
        assert fmt.is_nan(b) == math.isnan(v), hex(b)
        assert fmt.is_inf(b) == math.isinf(v), hex(b)
        if not (fmt.is_nan(b) or fmt.is_inf(b)):
            assert fmt.value(b) == Fr(v), hex(b)
            assert fmt.neg(b) == (math.copysign(1, v) < 0) or fmt.is_zero(b) and fmt.kind == "fnuz", hex(b)
    finite = [fmt.value(b) for b in bits if not (fmt.is_nan(b) or fmt.is_inf(b))]
    assert max(finite) == fmt.value(fmt.maxbits)


def sources(fmt):
    """float32 values to round: every bfloat16 and binary16 value, and around every midpoint of
    the narrow format (and beyond its largest finite) the midpoint and its float32 neighbours."""
    out = list(np.arange(1 << 16, dtype=np.uint32).__lshift__(16).view(np.float32))
    out += list(np.arange(1 << 16, dtype=np.uint16).view(np.float16).astype(np.float32))
    positives = sorted({fmt.value(b) for b in fmt.patterns() if not (fmt.is_nan(b) or fmt.is_inf(b)) and not fmt.neg(b)})
    step = positives[-1] - positives[-2]
    positives.append(positives[-1] + step)  # the first value beyond: its midpoint is the overflow threshold
    for a, b in zip(positives, positives[1:]):
        m = np.float32((a + b) / 2)
        assert Fr(float(m)) == (a + b) / 2  # midpoints of narrow formats are exact in float32
        for v in (np.nextafter(m, np.float32(0)), m, np.nextafter(m, np.float32(np.inf))):
            out += [v, -v]
    return [v for v in out if not np.isnan(v)]


@pytest.mark.parametrize("name", ir.NARROW)
def test_rounding_matches_ml_dtypes_casts_under_the_default_overflow(name):
    fmt = ir.Fmt(name)
    values = sources(fmt)
    expected = ml_cast_bits(name, values)
    for v, want in zip(values, expected):
        if np.isinf(v):
            got = fmt.inf(v < 0)
        elif v == 0:
            got = fmt.zero(bool(np.signbit(v)))  # a Fraction has no -0
        else:
            got = fmt.round(Fr(float(v)))
        if fmt.is_nan(want):
            assert fmt.is_nan(got), (name, float(v), hex(want), hex(got))
        else:
            assert got == want, (name, float(v), hex(want), hex(got))


def test_overflow_modes():
    # e4m3fn: 448 is the largest finite; 464 ties to 448 (even), 465 is beyond.
    sat, nan = ir.Fmt("e4m3fn", "saturate"), ir.Fmt("e4m3fn")
    assert sat.round(Fr(464)) == nan.round(Fr(464)) == 0x7E
    assert nan.round(Fr(465)) == 0x7F and nan.round(Fr(-465)) == 0xFF
    assert sat.round(Fr(465)) == 0x7E and sat.round(Fr(-10**9)) == 0xFE and sat.inf(False) == 0x7E
    # e5m2: 57344 largest; 61440 ties upward (57344's last bit is odd) and overflows
    assert ir.Fmt("e5m2").round(Fr(61440)) == 0x7C and ir.Fmt("e5m2", "nan").round(Fr(61440)) & 0x7F > 0x7C
    assert ir.Fmt("e5m2", "saturate").round(Fr(61440)) == 0x7B
    assert ir.Fmt("e5m2", "saturate").inf(True) == 0xFB and ir.Fmt("e5m2").inf(True) == 0xFC
    # fnuz: one NaN, no -0
    assert ir.Fmt("e4m3fnuz").round(Fr(-10**9)) == 0x80 and ir.Fmt("e4m3fnuz").zero(True) == 0
    assert ir.Fmt("e4m3fnuz").round(Fr(-1, 10**9)) == 0
    for name, mode in [("e4m3fn", "inf"), ("e2m1", "nan"), ("e2m1", "inf")]:
        with pytest.raises(ValueError, match="has no"):
            ir.Fmt(name, mode)


def test_pytorch_saturates_e4m3fn_where_ml_dtypes_gives_nan():
    torch = pytest.importorskip("torch")
    x = torch.tensor([465.0, float("inf"), -1e9], dtype=torch.float32)
    got = x.to(torch.float8_e4m3fn).view(torch.uint8).tolist()
    sat = ir.Fmt("e4m3fn", "saturate")
    assert got == [sat.round(Fr(465)), sat.inf(False), sat.round(Fr(-10**9))]


def test_the_vectors_cover_every_narrow_format_and_entry():
    files = sorted(p.stem for p in DATA.glob("*.txt"))
    assert files == sorted(ir.FUNCTIONS)
    for path in DATA.glob("*.txt"):
        sections = ir.read_narrow(path)
        for name in ir.NARROW:
            fmt = ir.Fmt(name)
            for quantity in ("value", "derivative"):
                cases = sections[(name, name, fmt.overflow, "1", quantity)]
                assert list(cases) == list(fmt.patterns()), (path.stem, name, quantity)


@pytest.mark.parametrize("name", ir.NARROW)
def test_relu_vectors_are_relu_by_definition(name):
    fmt = ir.Fmt(name)
    cases = ir.read_narrow(DATA / "relu.txt")[(name, name, fmt.overflow, "1", "value")]
    for x in fmt.patterns():
        if fmt.is_nan(x):
            assert fmt.is_nan(cases[x])
        elif fmt.neg(x) or fmt.is_zero(x):
            assert cases[x] == 0  # relu(x <= 0) = +0 (PyTorch: x <= 0 ? 0 : x)
        else:
            assert cases[x] == x


@pytest.mark.parametrize("entry", ["relu", "hard-sigmoid", "sigmoid"])
def test_the_committed_vectors_are_what_the_script_makes(entry, tmp_path, monkeypatch):
    monkeypatch.setattr(ir, "FUNCTIONS", {entry: ir.FUNCTIONS[entry]})
    ir.cmd_narrow(type("Args", (), {"outdir": str(tmp_path), "per_case": 64})())
    def data(path):  # the header names the mpmath version; the values must not depend on it
        return [line for line in path.read_text().splitlines() if not line.startswith("#")]
    assert data(tmp_path / f"{entry}.txt") == data(DATA / f"{entry}.txt")
