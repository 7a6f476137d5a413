"""check(): the engine drives a Python callable. The naive sigmoid's failures are closed-form
facts (1/(1 + exp(-x)) in float32 underflows to 0 below x ≈ -88.7 where σ(x) ≈ e^x is still a
subnormal, and rounds twice elsewhere); the passing callables return the reference itself."""

import numpy as np
import pytest

import activation_oracle as ao


def naive_sigmoid(x):
    with np.errstate(over="ignore", invalid="ignore"):
        return 1 / (1 + np.exp(-x))


def test_a_naive_float32_sigmoid_fails_with_subnormal_and_finite_classes_and_shrunk_inputs():
    report = ao.check(naive_sigmoid, "sigmoid", np.float32, seed=5)
    assert not report.passed
    assert report.classes["subnormal"] > 0 and report.classes["finite"] > 0
    assert set(report.simplest) >= {"subnormal", "finite"}
    # shrunk: few significant bits; the subnormal one below the underflow of exp(88.72...)
    assert report.simplest["subnormal"] < -87 and float(np.float32(report.simplest["subnormal"])) == report.simplest["subnormal"]
    assert abs(report.simplest["finite"]) < 100
    text = str(report)
    assert "simplest failing input per class" in text and "replay: seed 5" in text
    assert report.seed == 5


def test_a_callable_returning_the_reference_passes_every_format():
    for dtype in (np.float16, np.float32, np.float64):
        for derivative in (False, True):
            report = ao.check(lambda x: ao.reference("silu", x, derivative=derivative), "silu", dtype,
                              derivative=derivative, count=2000, seed=1)
            assert report.passed, report
            assert report.count >= (65536 if dtype == np.float16 else 2000)


def test_binary16_checks_every_input():
    seen = set()

    def f(x):
        seen.update(x.view(np.uint16).tolist())
        return ao.reference("tanh", x)
    assert ao.check(f, "tanh", "float16").passed
    assert len(seen) == 65536


def test_the_same_seed_sends_the_same_inputs_and_the_session_seed_is_the_default():
    def record(log):
        def f(x):
            log.append(x.copy())
            return naive_sigmoid(x)
        return f
    a, b, c = [], [], []
    ao.check(record(a), "sigmoid", np.float32, seed=11, count=500)
    ao.check(record(b), "sigmoid", np.float32, seed=11, count=500)
    assert all(np.array_equal(u.view(np.uint32), v.view(np.uint32)) for u, v in zip(a, b)) and len(a) == len(b)
    saved = ao.session_seed
    try:
        ao.session_seed = 11
        report = ao.check(record(c), "sigmoid", np.float32, count=500)
    finally:
        ao.session_seed = saved
    assert report.seed == 11 and np.array_equal(a[0].view(np.uint32), c[0].view(np.uint32))


def test_results_that_depend_on_their_place_are_found():
    def tail_differs(x):
        y = ao.reference("gelu", x)
        n = x.size
        tail = np.arange(n - n % 8, n)  # a "scalar tail" one ULP up where the result is normal
        v = np.abs(y[tail].astype(np.float64))
        normal = (v > 1e-30) & (v < 1e30)
        y.view(np.uint32)[tail[normal]] += 1
        return y
    report = ao.check(tail_differs, "gelu", np.float32, count=3000, seed=2, max_ulp=1)
    assert report.position_dependent > 0 and not report.passed
    assert ao.check(tail_differs, "gelu", np.float32, count=3000, seed=2, max_ulp=1, allow_position_dependence=True).passed


def test_nan_and_garbage_are_reported_by_class():
    report = ao.check(lambda x: np.full_like(x, np.nan), "relu", np.float32, count=100, seed=1)
    assert not report.passed and report.classes["nan"] > 0
    report = ao.check(lambda x: x[::-1].copy(), "relu", np.float32, count=100, seed=1)
    assert not report.passed and report.failures > 0


def test_a_callable_that_raises_or_answers_out_of_shape_is_one_clear_sentence():
    def broken(x):
        raise RuntimeError("kernel not compiled")
    with pytest.raises(ValueError, match=r"broken raised RuntimeError: kernel not compiled \(on \d+ float32 inputs\)") as error:
        ao.check(broken, "gelu", np.float32)
    assert isinstance(error.value.__cause__, RuntimeError)
    with pytest.raises(ValueError, match=r"returned shape \(1,\) for \d+ inputs"):
        ao.check(lambda x: x[:1], "gelu", np.float32)
    with pytest.raises(ValueError, match=r"returned shape \(\d+, 1\)"):
        ao.check(lambda x: x.reshape(-1, 1), "gelu", np.float32)
    with pytest.raises(TypeError, match="returned float64 for float32 inputs"), np.errstate(invalid="ignore"):
        ao.check(lambda x: x.astype(np.float64), "gelu", np.float32)  # signalling NaNs among the inputs
    with pytest.raises(TypeError, match="format would be a guess"):
        ao.check(lambda x: x.tolist(), "gelu", np.float32)
    with pytest.raises(TypeError, match="fn must be a callable"):
        ao.check("gelu", "gelu", np.float32)
    with pytest.raises(TypeError, match="unsupported dtype"):
        ao.check(naive_sigmoid, "sigmoid", np.int8)
    with pytest.raises(ValueError, match="count must be from 0"):
        ao.check(naive_sigmoid, "sigmoid", np.float32, count=-1)
    with pytest.raises(ValueError, match="unknown function 'sigmod'"):
        ao.check(naive_sigmoid, "sigmod", np.float32)
    # after all of that, the engine is in step
    assert ao.check(lambda x: ao.reference("gelu", x), "gelu", np.float32, count=100).passed


def test_an_interrupt_inside_the_callable_stops_the_engine_and_the_next_call_starts_one():
    def interrupted(x):
        raise KeyboardInterrupt
    with pytest.raises(KeyboardInterrupt):
        ao.check(interrupted, "gelu", np.float32)
    assert ao.check(lambda x: ao.reference("gelu", x), "gelu", np.float32, count=100).passed


def test_torch_callables_get_tensors():
    torch = pytest.importorskip("torch")
    seen = []

    def f(x):
        seen.append(type(x))
        return ao.reference("gelu", x)
    assert ao.check(f, "gelu", torch.bfloat16).passed
    assert seen and all(t is torch.Tensor for t in seen)
