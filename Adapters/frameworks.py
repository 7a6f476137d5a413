#!/usr/bin/env python3
"""Serve a framework's activation functions over activation-oracle's subprocess protocol.

    activation-oracle verify gelu --format f32 --command "python3 Adapters/frameworks.py torch"
    activation-oracle verify gelu --derivative --format f32 --command "python3 Adapters/frameworks.py jax"

Frameworks: torch, torch-compile, jax, tensorflow, tensorflow-xla, onnxruntime, numpy. Each is
imported only when asked for, so only the one you use needs to be installed (plus numpy).
Parameters are the catalog's defaults (`activation-oracle list`), spelled the way each framework
takes them; derivatives come from the framework's autodiff (torch, torch-compile, jax, tensorflow,
tensorflow-xla), second derivatives too (`verify --order 2`: torch's double backward,
`grad(create_graph=True)` twice; `jax.grad(jax.grad(f))`; nested `GradientTape`s); onnxruntime and
numpy give values only. A second derivative the framework cannot take (PyTorch has no derivative of
hardsigmoid_backward; TensorFlow none of SoftsignGrad) is refused at the start, with its message. An entry a framework lacks, or a format
it cannot compute in, is refused on stderr with exit status 3 (verify reports it as an error,
never as a pass).

torch-compile is the torch table with every function wrapped in `torch.compile(fn, dynamic=True)`
(Inductor's CPU code, which needs a C compiler; derivatives through autograd of the compiled
function). tensorflow-xla is the tensorflow table under `tf.function(jit_compile=True)` with a
`[None]` input signature (derivatives: a GradientTape inside the jit-compiled function). Neither
pads a batch: each element is computed at its own index, so a result that depends on where an
input sits in the batch shows as it is. torch.compile compiles one graph for length 1 and one
for every other length (a few seconds each, the first time; Inductor caches them on disk); XLA
compiles once per distinct length (about 50 ms each for one elementwise function on CPU), cached
for the life of the process.

The protocol (README, "The subprocess protocol"): read the header
`activation-oracle-protocol 1 <function> <format> <value|derivative|second-derivative>`, answer `ready`, then for
each batch read a count and that many hex bit patterns and answer as many hex bit patterns.
"""
import math
import os
import sys

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("JAX_PLATFORMS", "cpu")

BITS = {"f16": (np.uint16, np.float16), "f32": (np.uint32, np.float32), "f64": (np.uint64, np.float64),
        "bf16": (np.uint16, None)}
SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946
RRELU_SLOPE = (1 / 8 + 1 / 3) / 2


def refuse(message):
    sys.stderr.write(f"frameworks.py: {message}\n")
    sys.exit(3)


class Native:
    """A framework's own functions on its own arrays: `fns[name](put(numpy_array))`, then `ready(y)`
    waits for the result (JAX is asynchronous). The protocol adapters below and
    Scripts/peer_speed.py both use these tables."""
    def __init__(self, fns, put, ready, version, dtype=None):
        self.fns, self.put, self.ready, self.version, self.dtype = fns, put, ready, version, dtype


def torch_native(dtype_name):
    import torch
    import torch.nn.functional as F
    dtype = {"f16": torch.float16, "bf16": torch.bfloat16, "f32": torch.float32, "f64": torch.float64}[dtype_name]
    fns = {
        "sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": F.relu, "relu6": F.relu6,
        "leaky-relu": lambda x: F.leaky_relu(x, 0.01),
        "prelu": lambda x: F.prelu(x, torch.tensor([0.25], dtype=x.dtype)),
        "rrelu": lambda x: F.rrelu(x, training=False),
        "elu": F.elu, "selu": F.selu, "celu": F.celu, "gelu": F.gelu,
        "gelu-tanh": lambda x: F.gelu(x, approximate="tanh"), "silu": F.silu, "mish": F.mish,
        "softplus": F.softplus, "softsign": F.softsign, "hard-sigmoid": F.hardsigmoid,
        "hard-swish": F.hardswish, "hard-tanh": F.hardtanh, "hard-shrink": F.hardshrink,
        "soft-shrink": F.softshrink, "tanh-shrink": F.tanhshrink,
        "threshold": lambda x: F.threshold(x, 0.0, 0.0), "log-sigmoid": F.logsigmoid,
    }
    return Native(fns, lambda a: torch.from_numpy(a).to(dtype), lambda y: y, f"torch {torch.__version__}", dtype)


def torch_compile_native(dtype_name):
    """torch_native's table, each function wrapped in torch.compile (Inductor on CPU, dynamic shapes)."""
    import torch
    native = torch_native(dtype_name)
    # Every function torch.compile wraps runs through one dynamo code object, whose cache holds only
    # recompile_limit (8) graphs before dynamo runs the rest eagerly, silently: make room for a whole
    # table (a graph for length 1 and one for every other length, with and without autograd), and
    # fail loudly past it.
    config = torch._dynamo.config
    config.recompile_limit = max(config.recompile_limit, 1024)
    config.accumulated_recompile_limit = max(config.accumulated_recompile_limit, 4096)
    config.fail_on_recompile_limit_hit = True
    fns = {k: torch.compile(v, dynamic=True) for k, v in native.fns.items()}
    return Native(fns, native.put, native.ready, f"{native.version} torch.compile(dynamic=True, inductor CPU)",
                  native.dtype)


def torch_functions(dtype_name, make_native=torch_native):
    import torch
    native = make_native(dtype_name)
    dtype = native.dtype

    def wrap(f):
        def forward(a):
            return f(torch.from_numpy(a).to(dtype)).to(torch.float64).numpy() if dtype == torch.bfloat16 \
                else f(torch.from_numpy(a)).numpy()

        def derivative(a):
            x = torch.from_numpy(a).to(dtype).requires_grad_(True) if dtype == torch.bfloat16 \
                else torch.from_numpy(a).requires_grad_(True)
            f(x).backward(torch.ones_like(x))
            g = x.grad
            return g.to(torch.float64).numpy() if dtype == torch.bfloat16 else g.numpy()

        def second(a):
            # double backward: the gradient's graph differentiated again (a gradient that does
            # not depend on x is structurally 0: materialized as zeros, as autograd.grad can)
            x = torch.from_numpy(a).to(dtype).requires_grad_(True) if dtype == torch.bfloat16 \
                else torch.from_numpy(a).requires_grad_(True)
            y = f(x)
            g, = torch.autograd.grad(y, x, torch.ones_like(y), create_graph=True)
            if not g.requires_grad:
                h = torch.zeros_like(x)
            else:
                h, = torch.autograd.grad(g, x, torch.ones_like(g), materialize_grads=True)
            h = h.detach()
            return h.to(torch.float64).numpy() if dtype == torch.bfloat16 else h.numpy()
        return forward, derivative, second
    return {k: wrap(v) for k, v in native.fns.items()}, native.version


def torch_compile_functions(dtype_name):
    return torch_functions(dtype_name, torch_compile_native)


def jax_native(dtype_name):
    """Plain (unjitted) functions: the adapter jits forward and gradient itself, a timing jits them."""
    import jax
    import jax.numpy as jnp
    if dtype_name == "f64":
        jax.config.update("jax_enable_x64", True)
    dtype = {"f16": jnp.float16, "bf16": jnp.bfloat16, "f32": jnp.float32, "f64": jnp.float64}[dtype_name]
    nn = jax.nn
    fns = {
        "sigmoid": nn.sigmoid, "tanh": jnp.tanh, "relu": nn.relu, "relu6": nn.relu6,
        "leaky-relu": lambda x: nn.leaky_relu(x, 0.01), "elu": nn.elu, "selu": nn.selu, "celu": nn.celu,
        "gelu": lambda x: nn.gelu(x, approximate=False), "gelu-tanh": lambda x: nn.gelu(x, approximate=True),
        "silu": nn.silu, "softplus": nn.softplus, "softsign": nn.soft_sign, "hard-sigmoid": nn.hard_sigmoid,
        "hard-swish": nn.hard_swish, "hard-tanh": nn.hard_tanh, "log-sigmoid": nn.log_sigmoid,
    }
    if hasattr(nn, "mish"):
        fns["mish"] = nn.mish
    return Native(fns, lambda a: jax.device_put(jnp.asarray(a).astype(dtype)), lambda y: y.block_until_ready(),
                  f"jax {jax.__version__}", dtype)


def jax_functions(dtype_name):
    import jax
    import jax.numpy as jnp
    native = jax_native(dtype_name)
    dtype = native.dtype

    def wrap(f):
        fwd = jax.jit(f)
        grad = jax.jit(jax.vmap(jax.grad(lambda x: f(x))))
        grad2 = jax.jit(jax.vmap(jax.grad(jax.grad(lambda x: f(x)))))

        def run(g, a):
            return np.asarray(g(jnp.asarray(a).astype(dtype)).astype(jnp.float64 if dtype_name == "f64" else jnp.float32))
        return (lambda a: run(fwd, a)), (lambda a: run(grad, a)), (lambda a: run(grad2, a))
    return {k: wrap(v) for k, v in native.fns.items()}, native.version


def tensorflow_native(dtype_name):
    import tensorflow as tf
    dtype = {"f16": tf.float16, "bf16": tf.bfloat16, "f32": tf.float32, "f64": tf.float64}[dtype_name]
    fns = {
        "sigmoid": tf.math.sigmoid, "tanh": tf.math.tanh, "relu": tf.nn.relu, "relu6": tf.nn.relu6,
        "leaky-relu": lambda x: tf.nn.leaky_relu(x, alpha=0.01), "elu": tf.nn.elu, "selu": tf.nn.selu,
        "gelu": lambda x: tf.nn.gelu(x, approximate=False), "gelu-tanh": lambda x: tf.nn.gelu(x, approximate=True),
        "silu": tf.nn.silu, "softplus": tf.math.softplus, "softsign": tf.nn.softsign,
        "log-sigmoid": tf.math.log_sigmoid,
        "mish": lambda x: x * tf.math.tanh(tf.math.softplus(x)),  # keras.activations.mish's formula
    }
    return Native(fns, lambda a: tf.cast(tf.constant(a), dtype), lambda y: y, f"tensorflow {tf.__version__}", dtype)


def tensorflow_xla(f, dtype):
    """`f` under tf.function(jit_compile=True) on a rank-1 tensor of any length (one trace; XLA
    compiles once per distinct length)."""
    import tensorflow as tf
    return tf.function(f, jit_compile=True, autograph=False, input_signature=[tf.TensorSpec([None], dtype)])


def tensorflow_xla_native(dtype_name):
    """tensorflow_native's table, each function XLA-compiled (values only: the adapter compiles the
    gradient with the function, tensorflow_functions(..., xla=True))."""
    native = tensorflow_native(dtype_name)
    fns = {k: tensorflow_xla(v, native.dtype) for k, v in native.fns.items()}
    return Native(fns, native.put, native.ready, f"{native.version} tf.function(jit_compile=True)", native.dtype)


def tensorflow_gradient(f):
    """x ↦ f'(x) elementwise, through a GradientTape (inside a tf.function when called from one)."""
    import tensorflow as tf

    def derivative(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = f(x)
        return tape.gradient(y, x)
    return derivative


def tensorflow_second(f):
    """x ↦ f''(x) elementwise: a GradientTape around another (TensorFlow's usual double backward)."""
    import tensorflow as tf

    def second(x):
        with tf.GradientTape() as outer:
            outer.watch(x)
            with tf.GradientTape() as inner:
                inner.watch(x)
                y = f(x)
            g = inner.gradient(y, x)
        h = outer.gradient(g, x)
        return tf.zeros_like(x) if h is None else h  # None: the gradient does not depend on x
    return second


def tensorflow_functions(dtype_name, xla=False):
    import tensorflow as tf
    native = tensorflow_native(dtype_name)
    dtype = native.dtype
    version = f"{native.version} tf.function(jit_compile=True)" if xla else native.version

    def wrap(f):
        value, gradient, curvature = f, tensorflow_gradient(f), tensorflow_second(f)
        if xla:
            value, gradient, curvature = (tensorflow_xla(g, dtype) for g in (value, gradient, curvature))

        def forward(a):
            return value(tf.cast(tf.constant(a), dtype)).numpy().astype(np.float64)

        def derivative(a):
            return gradient(tf.cast(tf.constant(a), dtype)).numpy().astype(np.float64)

        def second(a):
            return curvature(tf.cast(tf.constant(a), dtype)).numpy().astype(np.float64)
        return forward, derivative, second
    return {k: wrap(v) for k, v in native.fns.items()}, version


def tensorflow_xla_functions(dtype_name):
    return tensorflow_functions(dtype_name, xla=True)


def onnxruntime_native(dtype_name, threads=0):
    """One single-node model per entry; `threads` is its intra-op thread count (0: ORT's default)."""
    import onnx
    import onnxruntime as ort
    from onnx import TensorProto, helper
    if dtype_name != "f32":
        refuse("onnxruntime: only f32 here (its CPU provider lacks most f16/bf16 activation kernels)")
    ops = {
        "sigmoid": ("Sigmoid", {}), "tanh": ("Tanh", {}), "relu": ("Relu", {}),
        "leaky-relu": ("LeakyRelu", {"alpha": 0.01}), "elu": ("Elu", {"alpha": 1.0}),
        "selu": ("Selu", {"alpha": SELU_ALPHA, "gamma": SELU_SCALE}), "celu": ("Celu", {"alpha": 1.0}),
        "gelu": ("Gelu", {}), "gelu-tanh": ("Gelu", {"approximate": "tanh"}), "mish": ("Mish", {}),
        "softplus": ("Softplus", {}), "softsign": ("Softsign", {}),
        "hard-sigmoid": ("HardSigmoid", {"alpha": 1 / 6, "beta": 0.5}), "hard-swish": ("HardSwish", {}),
        "hard-shrink": ("Shrink", {"lambd": 0.5, "bias": 0.0}), "soft-shrink": ("Shrink", {"lambd": 0.5, "bias": 0.5}),
        "thresholded-relu": ("ThresholdedRelu", {"alpha": 1.0}),
    }

    def make(op, attrs):
        node = helper.make_node(op, ["x"], ["y"], **attrs)
        graph = helper.make_graph([node], "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [None])],
                                  [helper.make_tensor_value_info("y", TensorProto.FLOAT, [None])])
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 20)])
        model.ir_version = 9
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        session = ort.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])
        return lambda a: session.run(None, {"x": a})[0]
    return Native({k: make(*v) for k, v in ops.items()}, lambda a: a, lambda y: y,
                  f"onnxruntime {ort.__version__} (onnx {onnx.__version__})")


def onnxruntime_functions(dtype_name):
    native = onnxruntime_native(dtype_name)
    return {k: (v, None, None) for k, v in native.fns.items()}, native.version


def numpy_native(dtype_name):
    """The formulas people write in NumPy (no activation library of its own)."""
    if dtype_name == "bf16":
        refuse("numpy has no bfloat16")
    with_erf = None
    try:
        from scipy.special import erf as with_erf
    except ImportError:
        pass
    c = math.sqrt(2 / math.pi)
    fns = {
        "sigmoid": lambda x: 1 / (1 + np.exp(-x)), "tanh": np.tanh, "relu": lambda x: np.maximum(x, 0),
        "relu6": lambda x: np.minimum(np.maximum(x, 0), 6), "leaky-relu": lambda x: np.where(x >= 0, x, x * x.dtype.type(0.01)),
        "elu": lambda x: np.where(x > 0, x, np.expm1(x)),
        "gelu-tanh": lambda x: 0.5 * x * (1 + np.tanh(x.dtype.type(c) * (x + x.dtype.type(0.044715) * x ** 3))),
        "silu": lambda x: x / (1 + np.exp(-x)), "mish": lambda x: x * np.tanh(np.log1p(np.exp(x))),
        "softplus": lambda x: np.logaddexp(x.dtype.type(0), x), "softsign": lambda x: x / (1 + np.abs(x)),
        "hard-sigmoid": lambda x: np.clip(x / 6 + x.dtype.type(0.5), 0, 1), "hard-tanh": lambda x: np.clip(x, -1, 1),
        "tanh-shrink": lambda x: x - np.tanh(x), "log-sigmoid": lambda x: -np.logaddexp(x.dtype.type(0), -x),
        "step": lambda x: np.heaviside(x, x.dtype.type(0)),
    }
    if with_erf is not None:
        fns["gelu"] = lambda x: 0.5 * x * (1 + with_erf(x / x.dtype.type(math.sqrt(2))))
    return Native(fns, lambda a: a, lambda y: y, f"numpy {np.__version__}")


def numpy_functions(dtype_name):
    native = numpy_native(dtype_name)
    return {k: (v, None, None) for k, v in native.fns.items()}, native.version


FRAMEWORKS = {"torch": torch_functions, "torch-compile": torch_compile_functions, "jax": jax_functions,
              "tensorflow": tensorflow_functions, "tensorflow-xla": tensorflow_xla_functions,
              "onnxruntime": onnxruntime_functions, "numpy": numpy_functions}
NATIVE = {"torch": torch_native, "torch-compile": torch_compile_native, "jax": jax_native,
          "tensorflow": tensorflow_native, "tensorflow-xla": tensorflow_xla_native,
          "onnxruntime": onnxruntime_native, "numpy": numpy_native}


# Gated units f(a, b) = g(a)*b as each framework's users write them, and the fused ops that exist:
# PyTorch's F.glu and JAX's jax.nn.glu take one array and split it in halves (x1, x2) -> x1*sigmoid(x2),
# so glu(a, b) is F.glu(cat([b, a])). Derivatives d/da and d/db come from autodiff of the expression.
GATED = ("glu", "reglu", "geglu", "geglu-tanh", "swiglu")


def torch_gated(dtype_name):
    import torch
    import torch.nn.functional as F
    dtype = torch_native(dtype_name).dtype
    fns = {
        "glu": lambda a, b: F.glu(torch.cat([b, a]), dim=-1),  # the fused op
        "reglu": lambda a, b: F.relu(a) * b, "geglu": lambda a, b: F.gelu(a) * b,
        "geglu-tanh": lambda a, b: F.gelu(a, approximate="tanh") * b, "swiglu": lambda a, b: F.silu(a) * b,
    }

    def wrap(f):
        def run(a, b, wrt):
            ta = torch.from_numpy(a).to(dtype).requires_grad_(wrt == "a")
            tb = torch.from_numpy(b).to(dtype).requires_grad_(wrt == "b")
            y = f(ta, tb)
            if wrt is not None:
                y.backward(torch.ones_like(y))
                y = (ta if wrt == "a" else tb).grad
            return y.detach().to(torch.float64).numpy()
        return run
    return {k: wrap(v) for k, v in fns.items()}, f"torch {torch.__version__}"


def jax_gated(dtype_name):
    import jax
    import jax.numpy as jnp
    dtype = jax_native(dtype_name).dtype  # (enables x64 for f64)
    nn = jax.nn
    fns = {
        "glu": lambda a, b: nn.glu(jnp.concatenate([b, a]), axis=-1),
        "reglu": lambda a, b: nn.relu(a) * b, "geglu": lambda a, b: nn.gelu(a, approximate=False) * b,
        "geglu-tanh": lambda a, b: nn.gelu(a, approximate=True) * b, "swiglu": lambda a, b: nn.silu(a) * b,
    }

    def wrap(f):
        value = jax.jit(f)
        da = jax.jit(jax.vmap(jax.grad(lambda a, b: f(a[None], b[None])[0], argnums=0)))
        db = jax.jit(jax.vmap(jax.grad(lambda a, b: f(a[None], b[None])[0], argnums=1)))

        def run(a, b, wrt):
            g = {None: value, "a": da, "b": db}[wrt]
            out = g(jnp.asarray(a).astype(dtype), jnp.asarray(b).astype(dtype))
            return np.asarray(out.astype(jnp.float64 if dtype_name == "f64" else jnp.float32)).astype(np.float64)
        return run
    return {k: wrap(v) for k, v in fns.items()}, f"jax {jax.__version__}"


def tensorflow_gated(dtype_name):
    import tensorflow as tf
    dtype = tensorflow_native(dtype_name).dtype
    fns = {
        "glu": lambda a, b: tf.math.sigmoid(a) * b, "reglu": lambda a, b: tf.nn.relu(a) * b,
        "geglu": lambda a, b: tf.nn.gelu(a, approximate=False) * b,
        "geglu-tanh": lambda a, b: tf.nn.gelu(a, approximate=True) * b, "swiglu": lambda a, b: tf.nn.silu(a) * b,
    }

    def wrap(f):
        def run(a, b, wrt):
            ta, tb = tf.cast(tf.constant(a), dtype), tf.cast(tf.constant(b), dtype)
            if wrt is None:
                return f(ta, tb).numpy().astype(np.float64)
            with tf.GradientTape() as tape:
                tape.watch(ta if wrt == "a" else tb)
                y = f(ta, tb)
            return tape.gradient(y, ta if wrt == "a" else tb).numpy().astype(np.float64)
        return run
    return {k: wrap(v) for k, v in fns.items()}, f"tensorflow {tf.__version__}"


GATED_FRAMEWORKS = {"torch": torch_gated, "jax": jax_gated, "tensorflow": tensorflow_gated}


def serve_gated(framework, function, fmt, quantity):
    """The protocol for a gated unit: each input line holds `a b`."""
    if framework not in GATED_FRAMEWORKS:
        refuse(f"{framework}: no gated units here (torch, jax, tensorflow)")
    wrt = {"value": None, "d/da": "a", "d/db": "b"}.get(quantity, "?")
    if wrt == "?":
        refuse(f"unknown quantity {quantity} for a gated unit (value, d/da, d/db)")
    functions, version = GATED_FRAMEWORKS[framework](fmt)
    run = functions[function]
    serve(fmt, 2, lambda a, b: run(a, b, wrt))


def serve(fmt, arity, run):
    """Answers `ready`, then each batch: n lines of `arity` hex bit patterns in, n results out."""
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    while True:
        line = sys.stdin.readline()
        if not line:
            break
        rows = [sys.stdin.readline().split() for _ in range(int(line))]
        columns = [np.ascontiguousarray(from_bits(np.array([int(r[i], 16) for r in rows], dtype=np.uint64), fmt))
                   for i in range(arity)]
        with np.errstate(all="ignore"):
            y = run(*columns)
        out = to_bits(y, fmt)
        sys.stdout.write("".join(f"0x{int(v):0{BITS[fmt][0]().nbytes * 2}x}\n" for v in out))
        sys.stdout.flush()


def to_bits(values, fmt):
    if fmt == "bf16":
        f32 = np.asarray(values, dtype=np.float64).astype(np.float32)
        u = f32.view(np.uint32).astype(np.uint64)
        # round to nearest even; NaN stays NaN (the framework already rounded: this is exact)
        rounded = (u + 0x7FFF + ((u >> 16) & 1)) >> 16
        rounded = np.where(np.isnan(f32), 0x7FC0, rounded)
        return rounded.astype(np.uint16)
    ubits, ftype = BITS[fmt]
    return np.asarray(values).astype(ftype).view(ubits)


def from_bits(bits, fmt):
    if fmt == "bf16":
        return (bits.astype(np.uint32) << 16).view(np.float32)
    ubits, ftype = BITS[fmt]
    return bits.astype(ubits).view(ftype)


def main():
    if len(sys.argv) != 2 or sys.argv[1] not in FRAMEWORKS:
        refuse(f"usage: frameworks.py {{{','.join(FRAMEWORKS)}}}")
    header = sys.stdin.readline().split()
    if len(header) != 5 or header[:2] != ["activation-oracle-protocol", "1"]:
        refuse(f"unexpected header {header}")
    function, fmt, quantity = header[2:]
    if fmt not in BITS:
        refuse(f"unknown format {fmt}")
    if function in GATED:
        serve_gated(sys.argv[1], function, fmt, quantity)
        return
    functions, version = FRAMEWORKS[sys.argv[1]](fmt)
    if function not in functions:
        refuse(f"{version} has no {function}")
    quantities = ("value", "derivative", "second-derivative")
    if quantity not in quantities:
        refuse(f"unknown quantity {quantity}")
    run = functions[function][quantities.index(quantity)]
    if run is None:
        refuse(f"{version}: no {quantity} for {function} here (no autodiff)")
    try:  # a derivative the framework cannot take fails here, before `ready`, with its own words
        with np.errstate(all="ignore"):
            run(np.ascontiguousarray(from_bits(np.zeros(2, dtype=np.uint64), fmt)))
    except Exception as error:  # noqa: BLE001 - any framework error is a refusal, never a pass
        refuse(f"{version}: {quantity} of {function}: {type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}")
    serve(fmt, 1, run)


if __name__ == "__main__":
    main()
