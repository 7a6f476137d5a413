#!/usr/bin/env python3
"""How often "compute in float32 or bfloat16, then cast to the narrow format" misses the correctly
rounded 8-, 6- or 4-bit result, for every entry, on every input of each narrow format; and the
same for the frameworks' own functions followed by their own float8 casts. Writes
Reference/narrow-formats.md (generated: do not edit by hand).

    PYTHONPATH=Python/src python3 Scripts/narrow_tables.py [--frameworks torch,jax,numpy]
        [--output Reference/narrow-formats.md]

The correctly rounded narrow results are the committed independent vectors
(Tests/ActivationOracleTests/Data/independent-narrow, made by Scripts/independent_reference.py
narrow from the formats' specifications). "Perfect f32/bf16, then cast": the oracle's correctly
rounded float32 or bfloat16 result (activation_oracle.reference, the Swift engine) cast by
ml_dtypes — so every miss there is double rounding alone, the best any such kernel can do. The
framework rows: the framework's function (Adapters/frameworks.py, derivatives by its autodiff) in
float32 and bfloat16 at the same inputs, then ml_dtypes' cast, and for PyTorch also its own
`.to(torch.float8_*)`. A cell counts the inputs (of all finite and infinite inputs of the format)
whose result differs from the correctly rounded one under the overflow rule of that cast: NaN
matches NaN. Needs numpy, ml_dtypes and the frameworks named; not needed by the tests.
"""
import argparse
import datetime
import functools
import os
import platform
import sys
from pathlib import Path

import ml_dtypes
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "Adapters"))
sys.path.insert(0, str(ROOT / "Scripts"))
import activation_oracle as ao  # noqa: E402
import frameworks  # noqa: E402
import independent_reference as ir  # noqa: E402

DATA = ROOT / "Tests" / "ActivationOracleTests" / "Data" / "independent-narrow"
ML = {"e4m3fn": ml_dtypes.float8_e4m3fn, "e5m2": ml_dtypes.float8_e5m2, "e4m3fnuz": ml_dtypes.float8_e4m3fnuz,
      "e5m2fnuz": ml_dtypes.float8_e5m2fnuz, "e2m3": ml_dtypes.float6_e2m3fn, "e3m2": ml_dtypes.float6_e3m2fn,
      "e2m1": ml_dtypes.float4_e2m1fn}
WIDE = {"f32": np.dtype(np.float32), "bf16": np.dtype(ml_dtypes.bfloat16)}


@functools.lru_cache(maxsize=None)
def vectors(entry):
    """The entry's committed narrow vectors, read once."""
    return ir.read_narrow(DATA / f"{entry}.txt")


def correct(entry, name, quantity, overflow):
    """{x bits: correctly rounded bits} for every input of the narrow format `name`, under `overflow`."""
    sections = vectors(entry)
    fmt = ir.Fmt(name)
    table = dict(sections[(name, name, fmt.overflow, "1", quantity)])
    if overflow != fmt.overflow:
        table.update(sections.get((name, name, overflow, "1", quantity), {}))
    return table


def inputs(name):
    fmt = ir.Fmt(name)
    bits = [b for b in fmt.patterns() if not fmt.is_nan(b)]
    values = np.array(bits, dtype=np.uint8).view(ML[name]).astype(np.float32)
    return np.array(bits), values


def misses(name, overflow, want, got_bits):
    """(results that differ, of which only in the sign of zero)."""
    fmt = ir.Fmt(name, overflow)
    bad = signs = 0
    for x, y in zip(want[0].tolist(), got_bits):
        w = want[1][x]
        if not (w == y or fmt.is_nan(w) and fmt.is_nan(y)):
            bad += 1
            signs += fmt.is_zero(w) and fmt.is_zero(y)
    return bad, signs


def shown(counts):
    """`f32 / bf16` counts, each with its zero-sign part when there is one; — where not measured."""
    def one(c):
        if c is None:
            return "—"
        bad, signs = c
        return f"{bad} (±0 {signs})" if signs else str(bad)
    return " / ".join(one(c) for c in counts)


def ml_cast(values, name):
    mask = (1 << ir.Fmt(name).width) - 1
    return (np.asarray(values, dtype=np.float32).astype(ML[name]).view(np.uint8) & mask).tolist()


def torch_cast(values, name):
    import torch
    dtype = {"e4m3fn": torch.float8_e4m3fn, "e5m2": torch.float8_e5m2, "e4m3fnuz": torch.float8_e4m3fnuz,
             "e5m2fnuz": torch.float8_e5m2fnuz}.get(name)
    if dtype is None:
        return None
    return torch.from_numpy(np.asarray(values, dtype=np.float32)).to(dtype).view(torch.uint8).tolist()


def cast_overflow(cast, name):
    """The overflow rule a cast follows, measured: what it makes of 1e30 (beyond every format)."""
    fmt = ir.Fmt(name)
    got = cast(np.array([1e30], dtype=np.float32), name)[0]
    for mode in ("inf", "nan", "saturate"):
        try:
            if ir.Fmt(name, mode).overflowed(False) == got or mode == "nan" and fmt.is_nan(got):
                return mode
        except ValueError:
            continue
    raise SystemExit(f"narrow_tables: the {name} cast gives 0x{got:x} for 1e30: no overflow rule of the spec")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frameworks", default="torch,jax,numpy")
    parser.add_argument("--output", default=str(ROOT / "Reference" / "narrow-formats.md"))
    args = parser.parse_args()
    entries = sorted(ir.FUNCTIONS, key=list(ir.FUNCTIONS).index)
    out = ["<!-- Generated by Scripts/narrow_tables.py; do not edit by hand. -->",
           "# Narrow formats: computing wide, then casting",
           "",
           f"Measured {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC on {platform.machine()} "
           f"{platform.system()} (Python {platform.python_version()}; numpy {np.__version__}, ml_dtypes "
           f"{ml_dtypes.__version__}; engine {ao.engine_version()}). Command: `PYTHONPATH=Python/src python3 "
           f"Scripts/narrow_tables.py --frameworks {args.frameworks}`.",
           "",
           "Every input of each narrow format (NaNs left out: every row gets them right). Correctly rounded "
           "results: the independent reference's vectors (`Data/independent-narrow`, from the formats' specifications). "
           "A cell is `float32 / bfloat16`: how many inputs, out of the count in the header, get another "
           "result than the correctly rounded one when f is computed in that format and then cast; `(±0 k)`: "
           "k of them differ only in the sign of a zero (the fnuz formats have no −0, so there they cannot).",
           ""]
    formats = ir.NARROW

    def table(title, note, cell):
        for quantity in ("value", "derivative"):
            out.append(f"## {title}: {'f' if quantity == 'value' else 'f′'}")
            out.append("")
            if note:
                out.append(note)
                out.append("")
            out.append("| entry | " + " | ".join(f"{n} ({len(inputs(n)[0])})" for n in formats) + " |")
            out.append("|---|" + "---:|" * len(formats))
            for entry in entries:
                cells = [cell(entry, quantity, n) for n in formats]
                if all(c is None for c in cells):
                    continue
                out.append(f"| {entry} | " + " | ".join("—" if c is None else c for c in cells) + " |")
            out.append("")

    def perfect(entry, quantity, name):
        bits, values = inputs(name)
        fmt = ir.Fmt(name)
        want = (bits, correct(entry, name, quantity, fmt.overflow))
        counts = []
        for w in ("f32", "bf16"):
            y = ao.reference(entry, values.astype(WIDE[w]), derivative=quantity == "derivative")
            counts.append(misses(name, fmt.overflow, want, ml_cast(y.astype(np.float32), name)))
        return shown(counts)
    table("Correctly rounded float32 / bfloat16, then ml_dtypes' cast (double rounding alone)", None, perfect)

    for framework in [f for f in args.frameworks.split(",") if f]:
        tables = {}
        for w in ("f32", "bf16"):
            try:
                tables[w] = frameworks.FRAMEWORKS[framework](w)
            except (Exception, SystemExit):  # noqa: BLE001 - not installed, or no such format: a blank half
                pass
        if not tables:
            out.append(f"## {framework}: not installed here")
            out.append("")
            continue
        version = next(iter(tables.values()))[1]
        casts = [("ml_dtypes' cast", ml_cast)] + ([("its own cast", torch_cast)] if framework.startswith("torch") else [])
        for label, cast in casts:
            def cell(entry, quantity, name, cast=cast):
                if cast(np.zeros(1, np.float32), name) is None:
                    return None
                mode = cast_overflow(cast, name)
                bits, values = inputs(name)
                want = (bits, correct(entry, name, quantity, mode))
                counts = []
                for w in ("f32", "bf16"):
                    functions = tables[w][0] if w in tables else {}
                    forward, derivative = functions.get(entry, (None, None))
                    run = forward if quantity == "value" else derivative
                    if run is None:
                        counts.append(None)
                        continue
                    with np.errstate(all="ignore"):
                        y = np.asarray(run(values.copy()), dtype=np.float64).astype(np.float32)
                    counts.append(misses(name, mode, want, cast(y, name)))
                if all(c is None for c in counts):
                    return None
                return shown(counts) + ("" if mode == ir.Fmt(name).overflow else f" ({mode})")
            table(f"{version}, then {label}", "A cell marked (saturate) or (nan) compares with the correctly rounded "
                  "result under the overflow rule that cast follows (measured: what it makes of 1e30)." if label != "ml_dtypes' cast" else None, cell)
    text = "\n".join(out) + "\n"
    tmp = args.output + ".tmp"
    with open(tmp, "w") as fh:
        fh.write(text)
    os.replace(tmp, args.output)
    print(args.output)


if __name__ == "__main__":
    main()
