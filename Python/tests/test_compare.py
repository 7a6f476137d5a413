"""compare() and assert_ulp(): classes, allowances and the report's forms, on results whose
expected values come from the independent vectors."""

import numpy as np
import pytest

import activation_oracle as ao
from conftest import as_array, bits_of, independent_vectors

VECTORS = independent_vectors()
X_BITS, EXPECTED = VECTORS[("gelu", "f32", "value")]
X = as_array(X_BITS, "f32")


def results(bits):
    return as_array(np.asarray(bits, dtype=np.uint32), "f32")


def test_correctly_rounded_results_pass():
    report = ao.compare("gelu", X, results(EXPECTED))
    assert report.passed and report.max_ulp == 0 and report.failures == 0
    assert report.count == X.size
    assert sum(report.classes.values()) == 0
    assert [(b.lo, b.hi, b.count, b.label) for b in report.histogram] == [(0, 0, X.size, "0")]
    assert "result: PASS" in str(report)


def finite_index():
    """An input whose correctly rounded result is a normal number (not the largest)."""
    y = np.abs(as_array(EXPECTED, "f32").astype(np.float64))
    return int(np.nonzero((y > 1e-3) & (y < 1e30))[0][0])


def test_one_ulp_off_is_a_finite_failure_unless_allowed():
    actual = EXPECTED.copy()
    i = finite_index()
    actual[i] += 1
    report = ao.compare("gelu", X, results(actual))
    assert not report.passed and report.max_ulp == 1 and report.classes["finite"] == 1
    assert [(b.lo, b.hi, b.count) for b in report.histogram] == [(0, 0, X.size - 1), (1, 1, 1)]
    assert report.count_beyond(0) == 1 and report.count_beyond(1) == 0
    actual[i] += 4  # now 5 ULP: the bucket 5–8
    assert [(b.lo, b.hi, b.label) for b in ao.compare("gelu", X, results(actual)).histogram][1] == (5, 8, "5–8")
    actual[i] -= 4
    case = report.worst[0]
    assert case.x == f"0x{X_BITS[i]:08x}" and case.ulp == 1 and case.kind == "finite"
    assert case.expected == f"0x{EXPECTED[i]:08x}" and case.actual == f"0x{EXPECTED[i] + 1:08x}"
    assert ao.compare("gelu", X, results(actual), max_ulp=1).passed
    with pytest.raises(AssertionError) as failure:
        ao.assert_ulp("gelu", X, results(actual))
    message = str(failure.value)
    assert "result: FAIL" in message and case.x in message and "finite" in message
    ao.assert_ulp("gelu", X, results(actual), max_ulp=1)


def test_flushed_subnormals_zero_signs_and_nans_are_their_own_classes():
    expected_values = as_array(EXPECTED, "f32")
    sub = np.nonzero((np.abs(expected_values) < np.finfo(np.float32).tiny) & (expected_values != 0))[0]
    assert sub.size, "the vectors hold subnormal gelu results"
    actual = EXPECTED.copy()
    actual[sub[0]] = EXPECTED[sub[0]] & 0x80000000  # flushed to a zero of its sign
    report = ao.compare("gelu", X, results(actual))
    assert report.classes["subnormal"] == 1 and not report.passed
    assert ao.compare("gelu", X, results(actual), allow_ftz=True).passed

    zero = np.nonzero(EXPECTED & 0x7FFFFFFF == 0)[0][0]
    actual = EXPECTED.copy()
    actual[zero] ^= 0x80000000
    assert ao.compare("gelu", X, results(actual)).classes["zero_sign"] == 1
    assert ao.compare("gelu", X, results(actual), ignore_zero_sign=True).passed

    actual = EXPECTED.copy()
    actual[finite_index()] = 0x7FC00000
    report = ao.compare("gelu", X, results(actual))
    assert report.classes["nan"] == 1 and [(b.lo, b.hi, b.count) for b in report.histogram if b.label == "NaN"] == [(None, None, 1)]
    assert report.count_beyond(10**30) == 1 and not report.passed


def test_one_input_with_two_results_is_position_dependent():
    i = finite_index()
    x = np.concatenate([X, X[i:i + 1]])
    actual = np.concatenate([EXPECTED, EXPECTED[i:i + 1]])
    assert ao.compare("gelu", x, results(actual)).position_dependent == 0
    actual[-1] = EXPECTED[i] + 1
    report = ao.compare("gelu", x, results(actual), max_ulp=1)
    assert report.position_dependent == 1 and not report.passed
    assert "position-dependent: 1" in str(report)
    assert ao.compare("gelu", x, results(actual), max_ulp=1, allow_position_dependence=True).passed


def test_the_report_renders_for_notebooks():
    actual = EXPECTED.copy()
    actual[finite_index()] += 3
    report = ao.compare("gelu", X, results(actual), worst=3)
    markdown = report._repr_markdown_()
    assert markdown.startswith("## gelu value, f32") and "| finite | 1 |" in markdown
    svg = report.plot()._repr_svg_()
    assert svg.lstrip().startswith("<svg") and svg.rstrip().endswith("</svg>")
    assert report.json["function"] == "gelu" and report.json["max_ulp"] == 3
    assert "FAIL" in repr(report)


def test_many_parts_give_one_report():
    reps = (ao.BATCH * 2) // X.size + 1
    x = np.tile(X, reps)
    actual = np.tile(EXPECTED, reps)
    i = x.size - X.size + finite_index()  # in the last part
    actual[i] += 2
    report = ao.compare("gelu", x, results(actual))
    assert report.count == x.size and report.max_ulp == 2 and report.classes["finite"] == 1
    assert report.position_dependent == 1  # the same input gave the right result in the first part


def test_derivative_and_torch_results():
    torch = pytest.importorskip("torch")
    x_bits, expected = VECTORS[("silu", "f32", "derivative")]
    x = torch.from_numpy(x_bits.view(np.float32).copy())
    actual = torch.from_numpy(expected.view(np.float32).copy())
    assert ao.compare("silu", x, actual, derivative=True).passed
    assert not ao.compare("silu", x, actual).passed  # the derivative is not the value


def test_bad_arguments_are_one_clear_sentence():
    y = results(EXPECTED)
    with pytest.raises(ValueError, match=r"actual has shape \(3,\) but x has shape"):
        ao.compare("gelu", X, y[:3])
    with pytest.raises(TypeError, match="actual is float64 but x is float32"):
        ao.compare("gelu", X, y.astype(np.float64))
    with pytest.raises(TypeError, match="format would be a guess"):
        ao.compare("gelu", [1.0, 2.0], [1.0, 2.0])
    with pytest.raises(TypeError, match="unsupported dtype int32"):
        ao.compare("gelu", np.arange(3, dtype=np.int32), np.arange(3, dtype=np.int32))
    with pytest.raises(ValueError, match="x is empty"):
        ao.compare("gelu", X[:0], y[:0])
    with pytest.raises(ValueError, match="max_ulp must be from 0"):
        ao.compare("gelu", X, y, max_ulp=-1)
    with pytest.raises(TypeError, match="max_ulp must be a whole number"):
        ao.compare("gelu", X, y, max_ulp=1.5)
    with pytest.raises(ValueError, match="unknown kink convention 'sideways'"):
        ao.compare("relu", X, y, also_accept=["sideways"])
    with pytest.raises(ValueError, match="unknown function 'gleu'"):
        ao.compare("gleu", X, y)
    assert ao.compare("gelu", X, y).passed  # the engine is still in step
