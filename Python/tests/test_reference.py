"""reference(): every entry, format and quantity against the independent vectors; shapes,
strides, batches, parameters and the other array libraries."""

from fractions import Fraction

import numpy as np
import pytest

import activation_oracle as ao
from conftest import as_array, assert_same_results, bits_of, independent_vectors

VECTORS = independent_vectors()


def test_the_vectors_cover_every_entry_format_and_quantity():
    names = {f["name"] for f in ao.functions()}
    assert len(names) == 27
    assert {k[0] for k in VECTORS} == names
    assert {(k[1], k[2]) for k in VECTORS} == {(f, q) for f in ("f16", "bf16", "f32", "f64") for q in ("value", "derivative", "second-derivative")}


@pytest.mark.parametrize("key", sorted(VECTORS), ids=lambda k: "-".join(k))
def test_reference_matches_the_independent_vectors(key):
    function, fmt, quantity = key
    x_bits, expected = VECTORS[key]
    x = as_array(x_bits, fmt)
    y = ao.reference(function, x, order=("value", "derivative", "second-derivative").index(quantity))
    assert y.dtype == x.dtype and y.shape == x.shape
    assert_same_results(bits_of(y), expected, fmt, x_bits)


def test_second_derivatives_judge_double_backward():
    """compare(order=2) reports f″; the issue's measurement: silu″(40) = −1.61e−16 in float64,
    where PyTorch 2.15's double backward gives 0 (the stand-in array here holds that 0)."""
    x = np.array([0.0, 40.0])
    exact = ao.reference("silu", x, order=2)
    assert exact[0] == 0.5 and -1.62e-16 < exact[1] < -1.61e-16
    report = ao.compare("silu", x, np.array([0.5, 0.0]), order=2)
    assert not report.passed and report.order == 2 and "silu″ f64" in report.summary()
    assert ao.compare("silu", x, exact, order=2).passed
    with pytest.raises(ValueError, match="order must be 0, 1 or 2"):
        ao.reference("silu", x, order=3)
    with pytest.raises(TypeError, match="order must be 0, 1 or 2"):
        ao.reference("silu", x, order=2.0)
    with pytest.raises(ValueError, match="derivative=True is order=1"):
        ao.reference("silu", x, order=2, derivative=True)
    with pytest.raises(ao.RequestError, match="tensorflow has no second derivative of softsign"):
        ao.reference("softsign", x, order=2, convention="tensorflow")
    assert ao.reference("celu", np.array([0.0]), order=2, convention="jax", params={"alpha": "2"})[0] == 0.125


def test_any_shape_and_strides_keep_their_elements_in_place():
    x_bits, expected = VECTORS[("gelu", "f32", "value")]
    n = x_bits.size - x_bits.size % 6
    x = as_array(x_bits[:n], "f32").reshape(2, 3, -1)
    want = expected[:n].reshape(2, 3, -1)
    assert np.array_equal(bits_of(ao.reference("gelu", x)), want)
    # non-contiguous: every other element, a transpose, a Fortran-ordered copy
    assert np.array_equal(bits_of(ao.reference("gelu", x[:, :, ::2])), want[:, :, ::2])
    assert np.array_equal(bits_of(ao.reference("gelu", x.T)), want.T)
    assert np.array_equal(bits_of(ao.reference("gelu", np.asfortranarray(x))), want)
    # a 0-d array and an empty one
    y0 = ao.reference("gelu", x.reshape(-1)[5].reshape(()))
    assert y0.shape == () and bits_of(y0) == want.reshape(-1)[5]
    assert ao.reference("gelu", np.empty((0, 4), np.float32)).shape == (0, 4)


def test_inputs_are_not_modified():
    x = as_array(VECTORS[("silu", "f16", "value")][0], "f16")
    before = x.copy()
    ao.reference("silu", x)
    assert np.array_equal(bits_of(x), bits_of(before))


def test_several_batches_keep_their_order():
    x_bits, expected = VECTORS[("mish", "f32", "derivative")]
    reps = (ao.BATCH * 5 // 2) // x_bits.size + 1  # crosses two batch boundaries
    x = as_array(np.tile(x_bits, reps), "f32")
    assert x.size > 2 * ao.BATCH
    assert np.array_equal(bits_of(ao.reference("mish", x, derivative=True)), np.tile(expected, reps))


def test_parameters_are_exact_numbers_in_every_form():
    x = np.array([-1.0, -3.0, 2.0], dtype=np.float32)
    # leaky-relu(x) = alpha·x for x < 0: with alpha = 1/100 the result is -1/100 and -3/100,
    # correctly rounded (NumPy's conversion of a decimal string is correctly rounded).
    want = np.array([np.float32("-0.01"), np.float32("-0.03"), 2.0], dtype=np.float32)
    for alpha in ("0.01", "1/100", Fraction(1, 100)):
        assert np.array_equal(ao.reference("leaky-relu", x, params={"alpha": alpha}), want), alpha
    # a float is its exact binary value, and "f32:0.01" the float32 nearest 0.01
    double = np.float32(-3 * 0.01)  # -3 times the double nearest 0.01, exact in binary64, then rounded
    assert ao.reference("leaky-relu", x, params={"alpha": 0.01})[1] == double
    f32 = np.float32(0.01)
    assert ao.reference("leaky-relu", x, params={"alpha": "f32:0.01"})[0] == -f32
    assert ao.reference("leaky-relu", x, params={"alpha": f32})[0] == -f32


def test_kink_conventions_choose_the_derivative_at_the_kink():
    x = np.array([0.0], dtype=np.float32)
    # relu′(0): PyTorch and JAX give 0, TensorFlow 0; left 0, right 1 (closed form: the one-sided slopes)
    assert ao.reference("relu", x, derivative=True, convention="left")[0] == 0
    assert ao.reference("relu", x, derivative=True, convention="right")[0] == 1


def test_inputs_are_the_gates_own():
    x16 = ao.inputs("gelu", np.float16)
    assert x16.dtype == np.float16 and x16.size == 65536
    assert len(set(bits_of(x16).tolist())) == 65536
    x = ao.inputs("relu6", "float32", count=100, seed=7)
    assert x.dtype == np.float32
    assert {0.0, 6.0} <= set(x.tolist())  # the kinks
    assert np.isnan(x).any() and np.isinf(x).any()  # the specials
    assert np.array_equal(bits_of(x), bits_of(ao.inputs("relu6", np.float32, count=100, seed=7)))
    assert not np.array_equal(bits_of(x), bits_of(ao.inputs("relu6", np.float32, count=100, seed=8)))


def test_torch_tensors_come_back_as_tensors():
    torch = pytest.importorskip("torch")
    for fmt, dtype in (("f32", torch.float32), ("bf16", torch.bfloat16), ("f16", torch.float16), ("f64", torch.float64)):
        x_bits, expected = VECTORS[("sigmoid", fmt, "value")]
        signed = {16: torch.int16, 32: torch.int32, 64: torch.int64}[x_bits.itemsize * 8]
        x = torch.from_numpy(x_bits.astype(x_bits.dtype.str.replace("u", "i"))).view(signed).view(dtype)
        y = ao.reference("sigmoid", x.reshape(-1, 1))
        assert isinstance(y, torch.Tensor) and y.dtype == dtype and y.shape == (x.numel(), 1)
        assert_same_results(y.reshape(-1).view(signed).numpy().view(x_bits.dtype), expected, fmt, x_bits)


def test_jax_arrays_are_read_through_numpy():
    jnp = pytest.importorskip("jax.numpy")
    x_bits, expected = VECTORS[("tanh", "f32", "value")]
    x = jnp.asarray(x_bits.view(np.float32))
    y = ao.reference("tanh", x)
    assert_same_results(bits_of(y), expected, "f32", x_bits)
