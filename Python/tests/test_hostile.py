"""Inputs from a hostile pass over the API (a stranger trying to break it), each kept as a test:
what once desynchronised the engine, deadlocked, rounded a parameter silently, or escaped as a raw
traceback. Expected values are closed forms (ReLU, the threshold function, identities)."""

import os
import threading
from fractions import Fraction

import numpy as np
import pytest

import activation_oracle as ao
from activation_oracle import _engine

X = np.array([-1.0, 0.5, 2.0], dtype=np.float32)
RELU_X = np.array([0.0, 0.5, 2.0], dtype=np.float32)  # relu by definition


def engine_pids():
    return {e._process.pid for e in _engine.ENGINE._engines if e._alive()}


def test_a_compare_header_the_engine_cannot_read_does_not_put_later_answers_out_of_step():
    y = ao.reference("relu", X)
    with pytest.raises(TypeError, match="also_accept: 5 is not a convention name"):
        ao.compare("relu", X, y, also_accept=[5])
    with pytest.raises(TypeError, match="also_accept must be convention names"):
        ao.compare("relu", X, y, also_accept=5)
    with pytest.raises(ValueError, match="not valid Unicode text"):
        ao.compare("relu\ud800", X, y)
    with pytest.raises(ValueError, match="not valid Unicode text"):
        ao.compare("relu", X, y, also_accept=["\udcff"])
    assert np.array_equal(ao.reference("relu", X), RELU_X)
    # gelu(2) < 2 and gelu(-1) < 0: not the relu answer of a call one step behind
    g = ao.reference("gelu", X)
    assert g[0] < 0 and 0 < g[2] < 2


def test_nested_and_concurrent_checks_beyond_the_pool_never_deadlock():
    n = _engine.POOL + 1
    barrier = threading.Barrier(n)
    done = []

    def fn(x):
        try:
            barrier.wait(10)
        except threading.BrokenBarrierError:
            pass
        return ao.reference("relu", x)

    def work():
        done.append(ao.check(fn, "relu", np.float32, seed=1, count=10).passed)
    threads = [threading.Thread(target=work, daemon=True) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert done == [True] * n

    def nested(depth):
        first = [True]

        def fn(x):
            if depth and first[0]:  # one nested check per level (every batch would be exponential)
                first[0] = False
                assert nested(depth - 1)
            return ao.reference("relu", x)
        return ao.check(fn, "relu", np.float32, seed=1, count=0).passed
    result = []
    t = threading.Thread(target=lambda: result.append(nested(_engine.POOL + 2)), daemon=True)
    t.start()
    t.join(300)
    assert result == [True]
    assert len(_engine.ENGINE._engines) <= _engine.POOL  # the extra children were stopped


def test_a_long_double_parameter_is_exact():
    below_one = np.longdouble(1) - np.longdouble(2) ** -60
    if below_one == 1:
        pytest.skip("long double is binary64 here")
    # threshold(x) = x if x > threshold else value: 1 > 1 − 2^−60, so the result is 1
    got = ao.reference("threshold", np.array([1.0]), params={"threshold": below_one, "value": 0})
    assert got.tolist() == [1.0]
    assert ao.reference("threshold", np.array([1.0]), params={"threshold": Fraction(2**60 - 1, 2**60), "value": 0}).tolist() == [1.0]


def test_parameters_of_every_float_width_are_their_exact_values():
    x = np.array([-1.0], dtype=np.float64)
    for alpha in (np.float16(0.1), np.float32(0.1), 0.1, np.float64(0.1)):
        n, d = alpha.as_integer_ratio()
        assert ao.reference("leaky-relu", x, params={"alpha": alpha})[0] == -float(Fraction(n, d))


def test_flags_are_booleans_not_truthy_values():
    y = ao.reference("relu", X)
    for name in ("allow_ftz", "ignore_zero_sign", "allow_position_dependence"):
        with pytest.raises(TypeError, match=f"{name} must be True or False"):
            ao.compare("relu", X, y, **{name: "False"})
    with pytest.raises(TypeError, match="derivative must be True or False"):
        ao.reference("relu", X, derivative=1)


def test_ambiguous_or_missing_dtypes_are_refused():
    with pytest.raises(TypeError, match="dtype is None"):
        ao.inputs("gelu", None)
    with pytest.raises(TypeError, match="'float' is ambiguous"):
        ao.check(lambda x: x, "gelu", "float")


def test_byte_swapped_arrays_are_read_and_answered_in_their_order():
    x = np.array([-1.5, 0.25, 3.0, -0.0], dtype=np.float64)
    for dtype in (">f2", ">f4", ">f8"):
        swapped = x.astype(dtype)
        y = ao.reference("relu", swapped)
        assert y.dtype == np.dtype(dtype)
        assert y.astype(np.float64).tolist() == [0.0, 0.25, 3.0, 0.0]
        assert np.array_equal(y.astype(dtype[1:]), ao.reference("relu", x.astype(dtype[1:])))


def test_numpy_scalars_know_their_format_and_masked_arrays_are_refused():
    assert ao.reference("relu", np.float64(-2.0)) == 0.0 and ao.reference("relu", np.float64(-2.0)).dtype == np.float64
    assert ao.reference("relu", np.float32(3.0)).dtype == np.float32
    with pytest.raises(TypeError, match="masked array"):
        ao.reference("relu", np.ma.masked_array(X, mask=[0, 1, 0]))


def test_tensors_without_readable_values_are_type_errors():
    torch = pytest.importorskip("torch")
    with pytest.raises(TypeError, match="meta tensor"):
        ao.reference("relu", torch.empty(3, device="meta"))
    with pytest.raises(TypeError, match="sparse"):
        ao.reference("relu", torch.tensor([0.0, -1.0]).to_sparse())
    negated = torch._neg_view(torch.tensor([1.0, -2.0]))  # a dense tensor with the negative bit
    assert ao.reference("relu", negated).tolist() == [0.0, 2.0]
    with pytest.raises(TypeError, match="the result of .* is a meta tensor"):
        ao.check(lambda x: torch.empty(x.shape, device="meta"), "relu", torch.float32, count=10, seed=1)


def test_oversized_names_and_parameters_are_refused_before_the_engine_sees_them():
    ao.reference("relu", X)
    pids = engine_pids()
    with pytest.raises(ValueError, match="function: a string of"):
        ao.reference("g" * (20 << 20), X)
    with pytest.raises(ValueError, match="parameter 'alpha': a string of"):
        ao.reference("leaky-relu", X, params={"alpha": "1" * (20 << 20)})
    with pytest.raises(ValueError, match="parameter 'alpha': an integer of 16610 bits"):
        ao.reference("leaky-relu", X, params={"alpha": 10**5000})
    with pytest.raises(ValueError, match="control character"):
        ao.reference("gelu\x00", X)
    assert engine_pids() == pids  # nothing reached the child; it is still the same


def test_a_failure_message_starts_with_its_summary():
    y = ao.reference("relu", X) + np.float32(1)
    with pytest.raises(AssertionError) as error:
        ao.assert_ulp("relu", X, y)
    first = str(error.value).splitlines()[0]
    assert first.startswith("relu f32: FAIL, 3 results beyond the allowances")


@pytest.mark.parametrize("text, seed", [("0", 0), ("010", 10), ("0x10", 16), (" 42 ", 42),
                                        (str((1 << 64) - 1), (1 << 64) - 1)])
def test_one_seed_syntax_everywhere(text, seed):
    assert ao.parse_seed(text, "seed") == seed


@pytest.mark.parametrize("text", ["1_000", "\u0663", "-1", "1.0", "", str(1 << 64), "0x" + "f" * 17, "9" * 5000])
def test_seeds_that_are_not_whole_numbers_in_range_are_refused(text):
    with pytest.raises(ValueError, match="is not a seed") as error:
        ao.parse_seed(text, "ACTIVATION_ORACLE_SEED")
    assert len(str(error.value)) < 200


def test_a_wrapper_script_engine_is_stopped_with_everything_it_started(monkeypatch, tmp_path):
    monkeypatch.setattr(_engine, "HELLO_SECONDS", 1.0)
    marker = tmp_path / "pid"
    fake = tmp_path / "wrapper"
    fake.write_text(f"#!/bin/sh\nsleep 300 &\necho $! > {marker}\nwait\n")
    fake.chmod(0o755)
    monkeypatch.setenv("ACTIVATION_ORACLE_BIN", str(fake))
    saved = _engine.ENGINE._engines, _engine.ENGINE._busy
    _engine.ENGINE._engines, _engine.ENGINE._busy = [], set()
    try:
        with pytest.raises(ao.EngineError, match=r"did not answer as an activation-oracle engine \(no answer within 1 s\)"):
            ao.reference("relu", X)
    finally:
        _engine.ENGINE.kill()
        _engine.ENGINE._engines, _engine.ENGINE._busy = saved
    grandchild = int(marker.read_text())
    def gone(pid):
        try:
            with open(f"/proc/{pid}/stat") as stat:
                return stat.read().rsplit(")", 1)[1].split()[0] in ("Z", "X")  # a zombie is dead
        except OSError:
            return True
    for _ in range(50):
        if gone(grandchild):
            break
        try:
            os.waitpid(grandchild, os.WNOHANG)
        except ChildProcessError:
            pass
        threading.Event().wait(0.1)
    else:
        pytest.fail("the wrapper's child is still running")


def test_a_parameter_the_entry_lacks_is_named_as_such_whatever_its_value():
    with pytest.raises(ValueError, match="gelu has no parameter 'approximate'"):
        ao.reference("gelu", X, params={"approximate": "tanh"})


def test_check_hands_torch_callables_tensors_on_the_device_asked_for():
    torch = pytest.importorskip("torch")
    devices = set()

    def fn(x):
        devices.add(x.device.type)
        return ao.reference("relu", x)
    assert ao.check(fn, "relu", torch.float32, count=10, seed=1, device="cpu").passed and devices == {"cpu"}
    with pytest.raises(TypeError, match="device='cpu' is for torch dtypes"):
        ao.check(fn, "relu", np.float32, device="cpu")
