"""activation-oracle from Python: correctly rounded activation functions and derivatives as a
reference, and the checks that judge other implementations against it.

    import numpy as np, activation_oracle as ao
    x = np.linspace(-10, 10, 1001, dtype=np.float32)
    ao.reference("gelu", x)                          # correctly rounded, float32
    ao.assert_ulp("gelu", x, my_gelu(x), max_ulp=1)  # AssertionError: the report
    ao.check(my_gelu, "gelu", np.float32)            # the engine drives my_gelu adaptively

Every number is computed by the Swift engine (`activation-oracle engine`), one child process per
Python process; this package only moves bit patterns and renders nothing itself."""

from __future__ import annotations

import numbers
import os
import re
import secrets
from decimal import Decimal
from fractions import Fraction
from typing import Callable, Iterable, Mapping, Optional

import numpy as np

from ._engine import ENGINE, EngineError, InStep, RequestError, find_binary, package_version, payload_bits
from ._formats import TORCH_NAMES, UINT, WIDTH, _torch_module, format_of_dtype, holder_for_dtype, to_bits
from ._report import SVG, Bucket, Case, Report

__version__ = package_version() or "0+source"  # "0+source": imported from the source tree

__all__ = ["reference", "compare", "assert_ulp", "check", "inputs", "functions", "gated", "gated_backward",
           "gated_compare", "GatedReport", "Report", "Case", "Bucket", "SVG", "EngineError", "CallableError",
           "engine_version", "find_binary"]

#: Elements per request: large enough that the pipe costs nothing, small enough to bound the
#: engine's memory whatever the caller passes.
BATCH = 1 << 20

#: The seed a `check` without `seed=` uses: set by the pytest plugin (`--activation-oracle-seed`,
#: or one drawn per session), else $ACTIVATION_ORACLE_SEED, else a new one per call.
session_seed: Optional[int] = None

#: How many checks so far drew random inputs from `session_seed` (the plugin names the seed
#: beside a failed test only when that test used it).
session_seed_uses = 0


class CallableError(InStep, ValueError):
    """The callable under `check` raised, or answered with the wrong number of results."""


class CallableTypeError(InStep, TypeError):
    """The callable under `check` answered with something that is not an array of its input's format."""


def _param_text(name, value) -> str:
    if isinstance(value, bool) or value is None:
        raise TypeError(f"parameter {name!r}: {value!r} is not a number")
    if isinstance(value, str):
        return _text(f"parameter {name!r}", value, 1 << 20)
    if isinstance(value, numbers.Integral):
        if abs(int(value)).bit_length() > 4096:
            raise ValueError(f"parameter {name!r}: an integer of {abs(int(value)).bit_length()} bits is beyond every format")
        return str(int(value))
    if isinstance(value, Fraction):
        return f"{value.numerator}/{value.denominator}"
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (float, np.floating)):
        if not np.isfinite(value):
            raise ValueError(f"parameter {name!r} = {value}: parameters are finite numbers")
        numerator, denominator = value.as_integer_ratio()  # exact, long double included
        return f"{numerator}/{denominator}"
    raise TypeError(f"parameter {name!r}: {type(value).__name__} is not a number (give a str like '0.01', an int, a float or a Fraction)")


def _text(what: str, value: str, limit: int) -> str:
    """A string the engine can read: UTF-8 (no lone surrogates), at most `limit` characters."""
    if len(value) > limit:
        raise ValueError(f"{what}: a string of {len(value)} characters (at most {limit})")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError(f"{what}: {value[:40]!r} is not valid Unicode text (a lone surrogate)") from None
    return value


def _flag(name: str, value) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {value!r}"[:200])
    return bool(value)


def _spec(function, fmt: str, derivative, params, convention, order=None) -> dict:
    if not isinstance(function, str):
        raise TypeError(f"function must be a catalog name like 'gelu', got {type(function).__name__}")
    _text("function", function, 200)
    if not function.isprintable():
        raise ValueError(f"function {function!r} holds a control character: not a catalog name")
    header = {"function": function, "format": fmt, "derivative": _flag("derivative", derivative)}
    if order is not None:
        if isinstance(order, (bool, np.bool_)) or not isinstance(order, numbers.Integral):
            raise TypeError(f"order must be 0, 1 or 2 (the derivative's order), got {order!r}"[:200])
        if int(order) not in (0, 1, 2):
            raise ValueError(f"order must be 0, 1 or 2 (the derivative's order), got {order}")
        if header["derivative"] and int(order) != 1:
            raise ValueError(f"derivative=True is order=1: it excludes order={order}")
        header["order"] = int(order)
    if params is not None:
        if not isinstance(params, Mapping):
            raise TypeError(f"params must be a dict like {{'alpha': '0.01'}}, got {type(params).__name__}")
        for key in params:
            if not isinstance(key, str):
                raise TypeError(f"params: the name {key!r} is not a string")
        header["params"] = {_text("params", k, 200): _param_text(k, v) for k, v in params.items()}
    if convention is not None:
        if not isinstance(convention, str):
            raise TypeError(f"convention must be a name (pytorch, jax, tensorflow, left, right), got {type(convention).__name__}")
        header["convention"] = _text("convention", convention, 200)
    return header


def _allowances(max_ulp, allow_ftz, ignore_zero_sign, allow_position_dependence, also_accept) -> dict:
    if isinstance(max_ulp, bool) or not isinstance(max_ulp, numbers.Integral):
        raise TypeError(f"max_ulp must be a whole number, got {max_ulp!r}")
    if not 0 <= int(max_ulp) < 1 << 64:
        raise ValueError(f"max_ulp must be from 0 to 2^64 − 1, got {max_ulp}")
    if isinstance(also_accept, str):
        also_accept = [also_accept]
    if not isinstance(also_accept, Iterable):
        raise TypeError(f"also_accept must be convention names like ['jax'], got {type(also_accept).__name__}")
    also_accept = list(also_accept)
    for name in also_accept:
        if not isinstance(name, str):
            raise TypeError(f"also_accept: {name!r} is not a convention name (pytorch, jax, tensorflow, left, right)"[:200])
        _text("also_accept", name, 200)
    return {"max_ulp": int(max_ulp), "allow_ftz": _flag("allow_ftz", allow_ftz),
            "ignore_zero_sign": _flag("ignore_zero_sign", ignore_zero_sign),
            "allow_position_dependence": _flag("allow_position_dependence", allow_position_dependence),
            "also_accept": also_accept}


def _whole(name, value, lo, hi) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be a whole number, got {value!r}")
    if not lo <= int(value) <= hi:
        raise ValueError(f"{name} must be from {lo} to {hi}, got {value}")
    return int(value)


def _send(bits: np.ndarray, fmt: str) -> memoryview:
    return memoryview(np.ascontiguousarray(bits, dtype=UINT[WIDTH[fmt]]))


def reference(function: str, x, *, derivative: bool = False, params: Optional[Mapping] = None,
              convention: Optional[str] = None, output_format=None, overflow: Optional[str] = None, scale=None,
              order: Optional[int] = None):
    """The correctly rounded f(x) (or f′(x)) for every element of `x`: an array of x's form,
    dtype and shape (NumPy float16/float32/float64, ml_dtypes bfloat16 and the 8-, 6- and 4-bit
    formats; a torch tensor gives a tensor). `params` are exact: {"alpha": "0.01"} is 1/100,
    "f32:0.01" the float32 nearest it, a float is its exact binary value. `convention` picks the
    derivative at kinks (pytorch, jax, tensorflow, left, right; default pytorch). `order=2` gives
    f″(x), what double backward computes (at kinks: the convention's framework's double backward;
    a framework without one there is a ValueError); `order=1` is `derivative=True`.

    `output_format` (a dtype or name: "e4m3fn", ml_dtypes.float8_e4m3fn, torch.float8_e5m2,
    "bf16"), `overflow` ("nan", "saturate" or "inf"; default ml_dtypes' choice per format) and
    `scale` (an exact positive number, like a parameter) give RN_out(scale·f(x)) with one
    rounding — the fused "activation, scale, cast to FP8" result. The answer is an array of the
    output format (an ml_dtypes array, or a torch tensor when x is one and torch has the dtype)."""
    bits, holder = to_bits(x)
    header = {"op": "reference", **_spec(function, holder.format, derivative, params, convention, order)}
    out_holder = _output(header, holder, output_format, overflow, scale)
    width = WIDTH[out_holder.format]
    out = np.empty(bits.shape, dtype=UINT[width])

    def run(engine):
        for start in range(0, max(1, bits.size), BATCH):
            part = bits[start:start + BATCH]
            _, data = engine._exchange(header, _send(part, holder.format))
            out[start:start + part.size] = payload_bits(data, width)
        return out_holder.from_bits(out, holder.shape)
    return ENGINE.call(run)


def _output(header: dict, holder, output_format, overflow, scale):
    """Adds where results go to a request (output format, overflow rule, scale, as `reference`
    takes them) and returns the holder results in that format come back in."""
    out_holder = holder
    if output_format is not None:
        out_fmt = format_of_dtype(output_format)
        header["output_format"] = out_fmt
        if out_fmt != holder.format:
            out_holder = _output_holder(holder, output_format, out_fmt, holder.shape)
    if overflow is not None:
        if not isinstance(overflow, str):
            raise TypeError(f"overflow must be 'nan', 'saturate' or 'inf', got {type(overflow).__name__}")
        header["overflow"] = _text("overflow", overflow, 40)
    if scale is not None:
        header["scale"] = _param_text("scale", scale)
    return out_holder


def _output_holder(holder, output_format, out_fmt: str, shape):
    """Where results in another format go: the caller's dtype object when it named one (a torch
    dtype for a tensor input, an ml_dtypes one), else the natural one for x's kind."""
    if holder.kind == "torch":
        torch = _torch_module(output_format) if not isinstance(output_format, str) else None
        if torch is None:
            import torch
            name = {"f16": "float16", "bf16": "bfloat16", "f32": "float32", "f64": "float64", **TORCH_NAMES}.get(out_fmt)
            if name is None or not hasattr(torch, name):
                raise TypeError(f"torch has no dtype for {out_fmt}: pass a NumPy array to get an ml_dtypes array")
            output_format = getattr(torch, name)
        return holder_for_dtype(output_format, shape, device=holder.device)
    if _torch_module(output_format) is not None:
        raise TypeError("output_format is a torch dtype but x is a NumPy array: name the format ('e4m3fn') instead")
    return holder_for_dtype(output_format, shape)


def compare(function: str, x, actual, *, derivative: bool = False, params: Optional[Mapping] = None,
            convention: Optional[str] = None, max_ulp: int = 0, allow_ftz: bool = False,
            ignore_zero_sign: bool = False, allow_position_dependence: bool = False,
            also_accept: Iterable[str] = (), worst: int = 10, output_format=None, overflow: Optional[str] = None,
            scale=None, order: Optional[int] = None) -> Report:
    """Compares `actual` (results of some implementation on `x`, same shape and format) with the
    correctly rounded ones: a `Report` of classes, ULP histogram and worst cases. Passing means
    every finite result within `max_ulp` ULP and no other disagreement, unless allowed: flushed
    subnormals (`allow_ftz`), the other zero sign (`ignore_zero_sign`), another kink convention
    (`also_accept`), or one input giving two results in two places (`allow_position_dependence`).
    With `output_format`, `overflow` or `scale` (as `reference` takes them), `actual` holds
    results in the output format and is judged against RN_out(scale·f(x)). `order=2` judges
    second derivatives (double backward), as `reference` takes it."""
    xb, xh = to_bits(x, "x")
    ab, ah = to_bits(actual, "actual")
    header = {"op": "compare"}
    out = _output(header, xh, output_format, overflow, scale)
    if ah.format != out.format:
        raise TypeError(f"actual is {ah.describe()} but x is {xh.describe()}: compare results in the format of their inputs"
                        if out is xh else f"actual is {ah.describe()}, but the results were asked in {out.format}")
    if tuple(ah.shape) != tuple(xh.shape):
        raise ValueError(f"actual has shape {tuple(ah.shape)} but x has shape {tuple(xh.shape)}: one result per input")
    header = {**header, **_spec(function, xh.format, derivative, params, convention, order),
              **_allowances(max_ulp, allow_ftz, ignore_zero_sign, allow_position_dependence, also_accept),
              "worst": _whole("worst", worst, 1, 1000), "source": f"arrays ({xb.size} elements, {xh.describe()})"}
    starts = range(0, xb.size, BATCH)
    header["parts"] = len(starts)

    def run(engine):
        engine._send(header)
        for start in starts:
            engine._send({"op": "part"}, bytes(_send(xb[start:start + BATCH], xh.format)) + bytes(_send(ab[start:start + BATCH], ah.format)))
        reply, _ = engine._receive()
        if "error" in reply:
            if reply.get("unparsed"):  # the engine could not read the header, so not its parts either
                raise ValueError(f"compare: the engine refused the request: {reply['error']}")
            raise RequestError(reply["error"])
        return Report(reply)
    if xb.size == 0:
        raise ValueError("x is empty: nothing to compare")
    return ENGINE.call(run)


def assert_ulp(function: str, x, actual, **options) -> Report:
    """`compare` with the same options; raises AssertionError whose message is the report unless
    it passed. Returns the report."""
    __tracebackhide__ = True
    return compare(function, x, actual, **options).assert_passed()


def _seed(seed, uses_seed: bool = True) -> int:
    global session_seed_uses
    if seed is not None:
        return _whole("seed", seed, 0, (1 << 64) - 1)
    if session_seed is not None:
        session_seed_uses += uses_seed
        return session_seed
    text = os.environ.get("ACTIVATION_ORACLE_SEED")
    if text is not None:
        return parse_seed(text, "ACTIVATION_ORACLE_SEED")
    return secrets.randbits(63)


def parse_seed(text: str, source: str) -> int:
    """A seed written as text (an option, an environment variable): ASCII decimal or 0x-hex,
    from 0 to 2^64 − 1. One rule for every place a seed is read."""
    clean = text.strip()
    if re.fullmatch(r"[0-9]{1,20}", clean):
        seed = int(clean, 10)
    elif re.fullmatch(r"0[xX][0-9a-fA-F]{1,16}", clean):
        seed = int(clean, 16)
    else:
        raise ValueError(f"{source}={text[:40]!r} is not a seed (a whole number from 0 to 2^64 − 1, decimal or 0x-hex)")
    if seed >= 1 << 64:
        raise ValueError(f"{source}={clean} is not a seed (a whole number from 0 to 2^64 − 1)")
    return seed


def check(fn: Callable, function: str, dtype, *, derivative: bool = False, params: Optional[Mapping] = None,
          convention: Optional[str] = None, max_ulp: int = 0, seed: Optional[int] = None, count: int = 10000,
          allow_ftz: bool = False, ignore_zero_sign: bool = False, allow_position_dependence: bool = False,
          also_accept: Iterable[str] = (), worst: int = 10, device=None, output_format=None,
          overflow: Optional[str] = None, scale=None, order: Optional[int] = None) -> Report:
    """Checks the callable `fn` (a 1-D array of `dtype` in, the same number of results of the same
    dtype out) the way `activation-oracle verify --command` checks a program: the specials, the
    kinks with neighbours, the oracle's thresholds, `count` random inputs from `seed` (every input
    for float16 and bfloat16); then a search around the worst failures and the shrinking of each
    failing class to its simplest input; a sample is asked again alone and in batches of other
    lengths, so a result that depends on its place in the array is its own class. `dtype` may be a
    torch dtype: `fn` then gets tensors on `device` (default CPU; "cuda" for a GPU kernel) and may
    return them on any device. Returns the `Report` (its `replay` names the
    seed); raises CallableError/CallableTypeError when fn raises or answers out of shape. With
    `output_format`, `overflow` or `scale` (as `reference` takes them), fn returns results in the
    output format (the fused "activation, scale, cast to FP8" kernel) and is judged against
    RN_out(scale·f(x)). `order=2`: fn computes f″ (a double-backward implementation)."""
    if not callable(fn):
        raise TypeError(f"fn must be a callable (an array in, an array out), got {type(fn).__name__}")
    holder = holder_for_dtype(dtype, device=device)
    seed = _seed(seed, uses_seed=WIDTH[holder.format] > 16)
    count = _whole("count", count, 0, 100_000_000)
    name = getattr(fn, "__qualname__", None) or type(fn).__name__
    every = WIDTH[holder.format] <= 16  # the engine sends every input of a 16-bit or narrower format
    source = f"Python callable {name} ({holder.describe()}), " + ("every input" if every else f"seed {seed}, {count} random inputs")
    header = {"op": "check"}
    out = _output(header, holder, output_format, overflow, scale)
    header = {**header, **_spec(function, holder.format, derivative, params, convention, order),
              **_allowances(max_ulp, allow_ftz, ignore_zero_sign, allow_position_dependence, also_accept),
              "worst": _whole("worst", worst, 1, 1000), "seed": seed, "count": count, "source": source}
    width = WIDTH[holder.format]

    def abort(engine, error):
        engine._send({"op": "abort", "message": str(error)})
        engine._receive()  # the engine's acknowledgement: the exchange is in step again
        raise error

    def run(engine):
        engine._send(header)
        while True:
            reply, data = engine._receive()
            if "report" in reply:
                replay = f"seed {seed}: check(..., seed={seed}), or pytest --activation-oracle-seed={seed}"
                return Report(reply, replay=None if every else replay, seed=seed)
            if "error" in reply:
                raise RequestError(reply["error"])
            if reply.get("op") != "evaluate":
                raise EngineError(f"the engine sent {reply!r} inside a check")
            n = len(data) * 8 // width
            x = holder.from_bits(payload_bits(data, width), shape=(n,))
            try:
                y = fn(x)
            except Exception as error:  # noqa: BLE001 - any failure of the callable is reported
                abort(engine, _chained(CallableError(f"{name} raised {type(error).__name__}: {error} (on {n} {holder.describe()} inputs)"), error))
            try:
                bits, got = to_bits(y, f"the result of {name}")
            except TypeError as error:
                abort(engine, CallableTypeError(str(error)))
            except Exception as error:  # noqa: BLE001 - whatever the result object does when read
                abort(engine, CallableTypeError(f"the result of {name} cannot be read as an array: "
                                                f"{type(error).__name__}: {str(error).splitlines()[0][:200] if str(error) else ''}"))
            if got.format != out.format:
                abort(engine, CallableTypeError(f"{name} returned {got.describe()} for {holder.describe()} inputs: results must have the inputs' dtype"
                                                if out is holder else f"{name} returned {got.describe()}: results were asked in {out.format}"))
            if tuple(got.shape) != (n,):
                abort(engine, CallableError(f"{name} returned shape {tuple(got.shape)} for {n} inputs: one result per input, shape ({n},)"))
            engine._send({"op": "results"}, _send(bits, out.format))
    return ENGINE.call(run)


def _chained(error, cause):
    error.__cause__ = cause
    return error


def inputs(function: str, dtype, *, count: int = 10000, seed: int = 0, params: Optional[Mapping] = None,
           convention: Optional[str] = None):
    """The gate's own inputs for `function` in `dtype`: the specials, the kinks with neighbours,
    the oracle's thresholds with neighbours, and `count` random inputs from `seed` — every input
    for float16 and bfloat16. A 1-D array of `dtype`."""
    holder = holder_for_dtype(dtype)
    header = {"op": "inputs", **_spec(function, holder.format, False, params, convention),
              "count": _whole("count", count, 0, 100_000_000), "seed": _whole("seed", seed, 0, (1 << 64) - 1)}
    _, data = ENGINE.request(header)
    bits = payload_bits(data, WIDTH[holder.format])
    return holder.from_bits(bits, shape=(bits.size,))


_catalog = None


def functions() -> list:
    """The catalog: one dict per entry (name, aliases, definition, derivative, parameters with
    defaults and constraints, kinks)."""
    global _catalog
    if _catalog is None:
        _catalog = ENGINE.request({"op": "catalog"})[0]["functions"]
    return [dict(entry) for entry in _catalog]


def engine_version() -> str:
    """The version of the engine this process talks to (starting it if needed)."""
    ENGINE.call(lambda engine: None)
    return ENGINE.version


# ---------------------------------------------------------------- gated linear units

def _gated_arrays(what_fn: str, arrays):
    """Bit patterns of equally shaped arrays of one format (a, b, and g or results)."""
    converted = [to_bits(x, name) for name, x in arrays]
    (_, first), fmt = converted[0], converted[0][1].format
    for (name, _), (_, holder) in zip(arrays[1:], converted[1:]):
        if holder.format != fmt:
            raise TypeError(f"{what_fn}: {name} is {holder.describe()} but a is {first.describe()}: one format for every array")
        if tuple(holder.shape) != tuple(first.shape):
            raise ValueError(f"{what_fn}: {name} has shape {tuple(holder.shape)} but a has shape {tuple(first.shape)}: one element of each per pair")
    if WIDTH[fmt] < 16:
        raise TypeError(f"{what_fn}: gated units take float16, bfloat16, float32 or float64, not {first.describe()}")
    return [bits for bits, _ in converted], first


def _gated_header(op: str, function, fmt: str, wrt, convention) -> dict:
    header = {"op": op, **_spec(function, fmt, False, None, convention)}
    if wrt is not None:
        if wrt not in ("a", "b"):
            raise ValueError(f"wrt must be 'a' or 'b' (the input to differentiate by), got {wrt!r}"[:200])
        header["wrt"] = wrt
    return header


def gated(function: str, a, b, *, wrt: Optional[str] = None, convention: Optional[str] = None):
    """A gated unit f(a, b) = g(a)·b — "glu" (σ), "reglu" (relu), "geglu" (gelu, erf form),
    "geglu-tanh", "swiglu" (silu) — correctly rounded: one rounding of the exact product, for
    every pair of elements of `a` and `b` (arrays of one format and shape; the gate takes `a`).
    `wrt="a"` gives ∂f/∂a = b·g′(a), `wrt="b"` gives ∂f/∂b = g(a). NaN in either is NaN; 0·inf
    is NaN (g's limit 0 at ±inf counts as 0); an exactly zero product is signed as IEEE signs it.
    PyTorch's F.glu(x) = x₁·σ(x₂) is gated("glu", a=x₂, b=x₁)."""
    (ab, bb), holder = _gated_arrays("gated", [("a", a), ("b", b)])
    header = _gated_header("gated", function, holder.format, wrt, convention)
    width = WIDTH[holder.format]
    flat_a, flat_b = ab.reshape(-1), bb.reshape(-1)
    out = np.empty(flat_a.shape, dtype=UINT[width])

    def run(engine):
        for start in range(0, max(1, flat_a.size), BATCH // 2):
            pa, pb = flat_a[start:start + BATCH // 2], flat_b[start:start + BATCH // 2]
            _, data = engine._exchange(header, bytes(_send(pa, holder.format)) + bytes(_send(pb, holder.format)))
            out[start:start + pa.size] = payload_bits(data, width)
        return holder.from_bits(out.reshape(ab.shape), holder.shape)
    return ENGINE.call(run)


def gated_backward(function: str, a, b, grad, *, convention: Optional[str] = None):
    """A gated unit's backward for the incoming gradient `grad`: (grad·b·g′(a), grad·g(a)), each
    one rounding of the exact product — what a fused two-output backward kernel returns."""
    (ab, bb, gb), holder = _gated_arrays("gated_backward", [("a", a), ("b", b), ("grad", grad)])
    header = _gated_header("gated_backward", function, holder.format, None, convention)
    width = WIDTH[holder.format]
    fa, fb, fg = ab.reshape(-1), bb.reshape(-1), gb.reshape(-1)
    da, db = np.empty(fa.shape, dtype=UINT[width]), np.empty(fa.shape, dtype=UINT[width])

    def run(engine):
        step = BATCH // 3
        for start in range(0, max(1, fa.size), step):
            pa, pb, pg = fa[start:start + step], fb[start:start + step], fg[start:start + step]
            payload = bytes(_send(pa, holder.format)) + bytes(_send(pb, holder.format)) + bytes(_send(pg, holder.format))
            _, data = engine._exchange(header, payload)
            both = payload_bits(data, width)
            da[start:start + pa.size], db[start:start + pa.size] = both[:pa.size], both[pa.size:]
        return holder.from_bits(da.reshape(ab.shape), holder.shape), holder.from_bits(db.reshape(ab.shape), holder.shape)
    return ENGINE.call(run)


class GatedReport:
    """A gated unit's results judged against the oracle: `passed`, `max_ulp`, `count`,
    `failures`, `classes` and `worst` (pairs with expected and actual, as the JSON holds them);
    `str()` is the text report, `assert_passed()` raises AssertionError with it."""

    def __init__(self, reply: dict):
        self.json = reply["report"]
        self.text = reply["text"]
        r = self.json
        self.function, self.quantity, self.format = r["function"], r["quantity"], r["format"]
        self.passed = bool(r["pass"])
        self.max_ulp, self.count, self.failures = int(r["max_ulp"]), int(r["count"]), int(r["failures"])
        self.classes = {k: int(v) for k, v in r["classes"].items()}
        self.worst = list(r["worst"])

    def __str__(self):
        return self.text

    def __repr__(self):
        return f"<GatedReport {self.function} {self.quantity} {self.format}: {'PASS' if self.passed else 'FAIL'}, max {self.max_ulp} ULP over {self.count} pairs>"

    def assert_passed(self) -> "GatedReport":
        if not self.passed:
            raise AssertionError(self.text)
        return self


def gated_compare(function: str, a, b, actual, *, wrt: Optional[str] = None, max_ulp: int = 0,
                  convention: Optional[str] = None, worst: int = 10) -> GatedReport:
    """Judges `actual` (an implementation's f(a, b), or ∂f/∂a, ∂f/∂b with `wrt`) against the
    correctly rounded results: every finite result within `max_ulp` ULP, and no NaN, infinity,
    zero sign or flushed subnormal that differs."""
    (ab, bb, yb), holder = _gated_arrays("gated_compare", [("a", a), ("b", b), ("actual", actual)])
    if ab.size == 0:
        raise ValueError("gated_compare: a is empty: nothing to compare")
    header = _gated_header("gated_compare", function, holder.format, wrt, convention)
    header.update({"max_ulp": _allowances(max_ulp, False, False, False, ())["max_ulp"], "worst": _whole("worst", worst, 1, 1000),
                   "source": f"arrays ({ab.size} pairs, {holder.describe()})"})
    payload = b"".join(bytes(_send(x.reshape(-1), holder.format)) for x in (ab, bb, yb))
    if ab.size * 3 > 3 * BATCH:
        raise ValueError(f"gated_compare: {ab.size} pairs at once is more than {BATCH}; compare in parts")

    def run(engine):
        reply, _ = engine._exchange(header, payload)
        return GatedReport(reply)
    return ENGINE.call(run)
