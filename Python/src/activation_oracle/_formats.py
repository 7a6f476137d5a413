"""Arrays in, bit patterns out, and back: the only place that knows how NumPy, ml_dtypes and
PyTorch hold the four formats. The engine sees bit patterns only (little-endian unsigned
integers of the format's width), so nothing here rounds or computes."""

from __future__ import annotations

import numpy as np

# The engine's format names, the bits each pattern is stored in (the 6- and 4-bit MX formats take
# a byte each, as in ml_dtypes), and the unsigned NumPy type of their patterns.
NARROW = ("e4m3fn", "e5m2", "e4m3fnuz", "e5m2fnuz", "e2m3", "e3m2", "e2m1")
WIDTH = {"f16": 16, "bf16": 16, "f32": 32, "f64": 64, **{name: 8 for name in NARROW}}
UINT = {8: np.dtype("u1"), 16: np.dtype("<u2"), 32: np.dtype("<u4"), 64: np.dtype("<u8")}
# ml_dtypes' names of the narrow formats (also accepted as dtype names).
ML_NAMES = {"e4m3fn": "float8_e4m3fn", "e5m2": "float8_e5m2", "e4m3fnuz": "float8_e4m3fnuz",
            "e5m2fnuz": "float8_e5m2fnuz", "e2m3": "float6_e2m3fn", "e3m2": "float6_e3m2fn", "e2m1": "float4_e2m1fn"}
# PyTorch's dtypes of the narrow formats it has (names; torch is imported only when a tensor comes).
TORCH_NAMES = {"e4m3fn": "float8_e4m3fn", "e5m2": "float8_e5m2", "e4m3fnuz": "float8_e4m3fnuz", "e5m2fnuz": "float8_e5m2fnuz"}

_NAMES = {
    "f16": "f16", "float16": "f16", "half": "f16", "binary16": "f16",
    "bf16": "bf16", "bfloat16": "bf16",
    "f32": "f32", "float32": "f32", "single": "f32",
    "f64": "f64", "float64": "f64", "double": "f64",
    **{name: name for name in NARROW}, **{ml: name for name, ml in ML_NAMES.items()},
}
_NUMPY = {np.dtype(np.float16): "f16", np.dtype(np.float32): "f32", np.dtype(np.float64): "f64"}


def _ml_dtypes():
    try:
        import ml_dtypes
    except ImportError:
        return None
    return ml_dtypes


def _torch_module(obj):
    """torch, when `obj` is a torch tensor or dtype (torch is never imported otherwise)."""
    module = type(obj).__module__
    if module.startswith("torch"):
        import torch
        return torch
    return None


def format_of_dtype(dtype) -> str:
    """The engine's name for a dtype: a NumPy or ml_dtypes dtype, a torch dtype, or a name
    ('float32', 'bf16', ...). Anything else is a TypeError naming what is supported."""
    if dtype is None:
        raise TypeError("dtype is None: name one of float16, bfloat16, float32 or float64")
    if isinstance(dtype, str):
        name = _NAMES.get(dtype.strip().lower())
        if name is None:
            if dtype.strip().lower() == "float":
                raise TypeError("dtype 'float' is ambiguous (float64 in NumPy, float32 in PyTorch): say float32 or float64")
            try:
                return format_of_dtype(np.dtype(dtype.strip()))  # NumPy's own spellings: 'f4', '<f4', 'e'
            except TypeError:
                raise TypeError(f"unsupported dtype {dtype[:40]!r}: use float16, bfloat16, float32 or float64") from None
        return name
    torch = _torch_module(dtype)
    if torch is not None and isinstance(dtype, torch.dtype):
        table = {torch.float16: "f16", torch.bfloat16: "bf16", torch.float32: "f32", torch.float64: "f64",
                 **{getattr(torch, t): name for name, t in TORCH_NAMES.items() if hasattr(torch, t)}}
        if dtype not in table:
            raise TypeError(f"unsupported dtype {dtype}: use torch.float16, torch.bfloat16, torch.float32 or torch.float64")
        return table[dtype]
    try:
        np_dtype = np.dtype(dtype)
    except TypeError:
        shown = repr(dtype) if len(repr(dtype)) <= 60 else f"a {type(dtype).__name__}"
        raise TypeError(f"unsupported dtype {shown}: use float16, bfloat16, float32 or float64") from None
    if np_dtype.kind == "f" and not np_dtype.isnative:
        np_dtype = np_dtype.newbyteorder("=")  # byte-swapped: read (and answered) in its own order
    if np_dtype in _NUMPY:
        return _NUMPY[np_dtype]
    ml = _ml_dtypes()
    if ml is not None and np_dtype == np.dtype(ml.bfloat16):
        return "bf16"
    if ml is not None:
        for name, ml_name in ML_NAMES.items():
            if hasattr(ml, ml_name) and np_dtype == np.dtype(getattr(ml, ml_name)):
                return name
    raise TypeError(f"unsupported dtype {np_dtype}: use float16, bfloat16 (ml_dtypes), float32 or float64")


class Holder:
    """How an array was held (NumPy with its dtype, or a torch tensor with dtype and device), so
    that results come back in the same form and shape."""

    def __init__(self, kind, fmt, shape, dtype, device=None):
        self.kind, self.format, self.shape, self.dtype, self.device = kind, fmt, tuple(shape), dtype, device

    def describe(self) -> str:
        return f"{self.dtype}" if self.kind == "numpy" else f"torch {self.dtype}"

    def from_bits(self, bits: np.ndarray, shape=None):
        """An array in this holder's form from bit patterns (C order)."""
        shape = self.shape if shape is None else shape
        bits = np.ascontiguousarray(bits, dtype=UINT[WIDTH[self.format]])
        if self.kind == "torch":
            import torch
            signed = {8: torch.int8, 16: torch.int16, 32: torch.int32, 64: torch.int64}[WIDTH[self.format]]
            t = torch.from_numpy(bits.view(bits.dtype.str.replace("u", "i")).copy()).view(signed).view(self.dtype)
            return t.reshape(shape).to(self.device)
        if not self.dtype.isnative:  # answered in the caller's byte order
            return bits.view(self.dtype.newbyteorder("=")).astype(self.dtype).reshape(shape)
        return bits.view(self.dtype).reshape(shape)


def holder_for_dtype(dtype, shape=(0,), device=None) -> Holder:
    """A holder for a dtype named by the caller (check and inputs take a dtype, not an array);
    `device` only for torch dtypes."""
    fmt = format_of_dtype(dtype)
    torch = _torch_module(dtype)
    if torch is not None:
        return Holder("torch", fmt, shape, dtype, torch.device(device if device is not None else "cpu"))
    if device is not None:
        raise TypeError(f"device={device!r} is for torch dtypes; NumPy arrays live on the CPU")
    if isinstance(dtype, str):
        if fmt == "bf16" or fmt in NARROW:
            ml = _ml_dtypes()
            ml_name = "bfloat16" if fmt == "bf16" else ML_NAMES[fmt]
            if ml is None or not hasattr(ml, ml_name):
                raise TypeError(f"{ml_name} as a NumPy array needs ml_dtypes (pip install ml_dtypes)")
            return Holder("numpy", fmt, shape, np.dtype(getattr(ml, ml_name)))
        return Holder("numpy", fmt, shape, np.dtype({"f16": np.float16, "f32": np.float32, "f64": np.float64}[fmt]))
    return Holder("numpy", fmt, shape, np.dtype(dtype))


def to_bits(x, name: str = "x"):
    """(bit patterns as a flat C-order array, holder) for an array of one of the four formats:
    a NumPy array (any shape, any strides), a torch tensor (any device; detached), or anything
    NumPy can hold with such a dtype (a JAX array). Python lists and scalars are refused: their
    format would be a guess."""
    torch = _torch_module(x)
    if torch is not None:
        if not isinstance(x, torch.Tensor):
            raise TypeError(f"{name} must be an array or a tensor, got {type(x).__name__}")
        fmt = format_of_dtype(x.dtype)
        signed = {8: torch.int8, 16: torch.int16, 32: torch.int32, 64: torch.int64}[WIDTH[fmt]]
        if x.layout != torch.strided or x.is_nested or x.device.type == "meta":
            what = "a meta tensor (no data)" if x.device.type == "meta" else f"a {x.layout} tensor".replace("torch.", "")
            raise TypeError(f"{name} is {what}: pass a dense tensor with data")
        try:
            t = torch.resolve_neg(torch.resolve_conj(x.detach())).to("cpu").contiguous()
            bits = t.view(signed).numpy().view(UINT[WIDTH[fmt]]).reshape(-1)
        except Exception as error:  # noqa: BLE001 - a tensor whose values torch will not hand over
            raise TypeError(f"{name}: cannot read the tensor's values ({str(error).splitlines()[0][:200]})") from None
        return bits, Holder("torch", fmt, tuple(x.shape), x.dtype, x.device)
    if isinstance(x, np.ma.MaskedArray):
        raise TypeError(f"{name} is a masked array: its masked elements would be computed too; pass x.filled(...) or x.compressed()")
    if isinstance(x, np.generic):
        x = np.asarray(x)  # a NumPy scalar knows its format (np.float64 is also a Python float)
    elif isinstance(x, (list, tuple, int, float, complex, bool)) or x is None:
        raise TypeError(f"{name} must be a NumPy array (or a tensor) of float16, bfloat16, float32 or float64, "
                        f"got {type(x).__name__}: its format would be a guess")
    try:
        a = np.asarray(x)
    except Exception as error:  # noqa: BLE001 - any conversion failure is the caller's type error
        raise TypeError(f"{name} must be an array of float16, bfloat16, float32 or float64, got {type(x).__name__} ({error})") from None
    try:
        fmt = format_of_dtype(a.dtype)
    except TypeError as error:
        raise TypeError(f"{name}: {error}") from None
    native = a if a.dtype.isnative else a.astype(a.dtype.newbyteorder("="))
    bits = np.ascontiguousarray(native).view(UINT[WIDTH[fmt]]).reshape(-1)
    return bits, Holder("numpy", fmt, a.shape, a.dtype)


def values_of_bits(bits, fmt: str) -> np.ndarray:
    """float64 values of bit patterns (exact for every format): for messages and strategies."""
    bits = np.asarray(bits, dtype=UINT[WIDTH[fmt]])
    if fmt == "f16":
        return bits.view(np.float16).astype(np.float64)
    if fmt == "bf16":
        return (bits.astype(np.uint32) << np.uint32(16)).view(np.float32).astype(np.float64)
    if fmt == "f32":
        return bits.view(np.float32).astype(np.float64)
    if fmt in NARROW:
        return np.array([narrow_value(int(b), fmt) for b in bits.reshape(-1)], dtype=np.float64).reshape(bits.shape)
    return bits.view(np.float64).copy()


# (exponent bits, fraction bits, specials) of the narrow formats, from their specifications: for
# messages only (the engine does all rounding).
_LAYOUT = {"e4m3fn": (4, 3, "fn"), "e5m2": (5, 2, "ieee"), "e4m3fnuz": (4, 3, "fnuz"), "e5m2fnuz": (5, 2, "fnuz"),
           "e2m3": (2, 3, "none"), "e3m2": (3, 2, "none"), "e2m1": (2, 1, "none")}


def narrow_value(b: int, fmt: str) -> float:
    """The value of one narrow bit pattern (NaN and ±inf included)."""
    e_bits, m_bits, kind = _LAYOUT[fmt]
    sign = -1.0 if b >> (e_bits + m_bits) & 1 else 1.0
    e, m = b >> m_bits & ((1 << e_bits) - 1), b & ((1 << m_bits) - 1)
    bias = (1 << (e_bits - 1)) - 1 + (kind == "fnuz")
    if kind == "fnuz" and b == 1 << (e_bits + m_bits):
        return float("nan")
    if kind == "ieee" and e == (1 << e_bits) - 1:
        return sign * float("inf") if m == 0 else float("nan")
    if kind == "fn" and e == (1 << e_bits) - 1 and m == (1 << m_bits) - 1:
        return float("nan")
    if e == 0:
        return sign * m * 2.0 ** (1 - bias - m_bits)
    return sign * (1 + m / (1 << m_bits)) * 2.0 ** (e - bias)
