#!/usr/bin/env python3
"""Measure, without the oracle, whether the frameworks' activation functions give an input a result
that depends on where it sits in the tensor, and how far compiled code (torch.compile, XLA, jax.jit)
departs from the same framework's eager code; write Reference/frameworks-position.md.

    python3 Scripts/position_probe.py [--formats f32,bf16] [--quantities value,derivative]
                                      [--frameworks torch,torch-compile,...] [--output PATH]

For every entry a framework has (Adapters/frameworks.py's tables, imported, not copied), every
format and quantity, the same 4,000 inputs (edge values — ±0, ±inf, NaN, subnormals, −5, the
kinks, the exp/tanh saturation points — then uniform random in [−10, 10], seed 20240601) are
evaluated in three placements:

  long    all 4,000 in one tensor (edge values first);
  alone   each in a tensor of its own (length 1): 4,000 calls;
  short   32 rounds; in round r the inputs go 32 at a time into a tensor of length
          L_r = LENGTHS[r mod 8] (33, 64, 40, 47, 48, 55, 36, 63), input j of a group at index
          (j + r) mod 32 and index 32 + k (k < L_r − 32) filled with the same group's input
          (k + r) mod 32: every input is computed at every index 0..31 of a 33..64-long tensor
          and also at tail indices 32..63 (a vector loop's remainder): 4,000 calls.

An input is position-dependent when the bit patterns of its results are not all equal (every NaN
counts as one value). A second set, 100,001 evenly spaced inputs in [−10, 10] in one tensor, is
compared between eager and compiled code of the same framework (torch / torch-compile,
tensorflow / tensorflow-xla, jax op by op / jax.jit), with the special values' (±0, ±inf, NaN,
subnormal and normal extremes) results listed where they differ.

Each framework runs in its own child process (this script with --worker) with one thread
(torch.set_num_threads(1), OMP_NUM_THREADS=1, TF intra/inter-op 1, XLA_FLAGS single-threaded,
ONNX Runtime intra_op_num_threads=1); a framework that does not import is skipped. jax-nojit is
jax's plain functions dispatched op by op (values only: its derivative would retrace per call).
A full run takes about 15 minutes on one core (XLA compiling once per tensor length is most of it).
"""
import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import tempfile
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "Adapters"))
import frameworks  # noqa: E402  (the tables, to_bits/from_bits)

ALL = ["torch", "torch-compile", "jax-nojit", "jax", "tensorflow", "tensorflow-xla", "onnxruntime", "numpy"]
PAIRS = [("torch", "torch-compile"), ("tensorflow", "tensorflow-xla"), ("jax-nojit", "jax")]
COUNT, ROUNDS, GROUP, LINEAR = 4000, 32, 32, 100001
SEED = 20240601
CANONICAL_NAN = {"f32": 0x7FC00000, "bf16": 0x7FC0, "f16": 0x7E00, "f64": 0x7FF8000000000000}
# ±0, ±inf, ±NaN, ±smallest subnormal, ±largest subnormal, ±smallest normal, ±largest finite
SPECIAL = {"f32": [0x00000000, 0x80000000, 0x7F800000, 0xFF800000, 0x7FC00000, 0xFFC00000, 0x00000001,
                   0x80000001, 0x007FFFFF, 0x807FFFFF, 0x00800000, 0x80800000, 0x7F7FFFFF, 0xFF7FFFFF],
           "bf16": [0x0000, 0x8000, 0x7F80, 0xFF80, 0x7FC0, 0xFFC0, 0x0001, 0x8001, 0x007F, 0x807F,
                    0x0080, 0x8080, 0x7F7F, 0xFF7F]}
# the short tensors' lengths, round r using LENGTHS[r % 8]: few distinct lengths, since XLA (jax.jit,
# tensorflow-xla, and jax op by op) compiles once per length
LENGTHS = [33, 64, 40, 47, 48, 55, 36, 63]
EDGE_DECIMALS = [-5.0, 5.0, 1.0, -1.0, 0.5, -0.5, 3.0, -3.0, 6.0, -6.0, 20.0, -20.0, 88.72284, -88.72284,
                 -87.33655, -103.97208, 9.010913, -9.010913, 15.0, -15.0, 1e-7, -1e-7, 1e-30, -1e-30, 100.0,
                 -100.0, 1e10, -1e10, 10.0, -10.0]


def edge_bits(fmt):
    """SPECIAL (as bit patterns), then EDGE_DECIMALS rounded to the format."""
    special = SPECIAL[fmt]
    decimals = frameworks.to_bits(np.array(EDGE_DECIMALS, dtype=np.float64), fmt).astype(np.uint64).tolist()
    return [int(b) for b in special] + [int(b) for b in decimals]


def inputs(fmt):
    """The 4,000 probe inputs (edges first) and the 100,001 evenly spaced ones, as values of `fmt`."""
    edges = edge_bits(fmt)
    rng = np.random.default_rng(SEED)
    random = rng.uniform(-10, 10, COUNT - len(edges)).astype(np.float32)
    bits = np.concatenate([np.array(edges, dtype=np.uint64),
                           frameworks.to_bits(random, fmt).astype(np.uint64)])
    linear = np.linspace(-10, 10, LINEAR, dtype=np.float64).astype(np.float32)
    return (np.ascontiguousarray(frameworks.from_bits(bits, fmt)),
            np.ascontiguousarray(frameworks.from_bits(frameworks.to_bits(linear, fmt).astype(np.uint64), fmt)),
            len(edges))


def keys(y, fmt):
    """Results as comparable bit patterns: every NaN one pattern."""
    y = np.asarray(y)
    bits = frameworks.to_bits(y, fmt).astype(np.int64)
    return np.where(np.isnan(y.astype(np.float64)), CANONICAL_NAN[fmt], bits)


# ---------------------------------------------------------------- worker (one framework per process)

def single_thread(name):
    """Before the framework is imported: one thread everywhere we can say so."""
    for var in ["OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "TF_NUM_INTRAOP_THREADS",
                "TF_NUM_INTEROP_THREADS", "TORCHINDUCTOR_COMPILE_THREADS"]:
        os.environ[var] = "1"
    os.environ["XLA_FLAGS"] = (os.environ.get("XLA_FLAGS", "") +
                               " --xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1").strip()
    if name.startswith("torch"):
        import torch
        torch.set_num_threads(1)
        torch.set_num_interop_threads(1)
    if name.startswith("tensorflow"):
        import tensorflow as tf
        tf.config.threading.set_intra_op_parallelism_threads(1)
        tf.config.threading.set_inter_op_parallelism_threads(1)


def jax_nojit_functions(fmt):
    """jax's plain functions, dispatched op by op (values only)."""
    import jax.numpy as jnp
    native = frameworks.jax_native(fmt)
    out = jnp.float64 if fmt == "f64" else jnp.float32

    def wrap(f):
        return (lambda a: np.asarray(f(native.put(a)).astype(out))), None
    return {k: wrap(f) for k, f in native.fns.items()}, native.version + " (op by op, no jit)"


def table(name, fmt):
    if name == "jax-nojit":
        return jax_nojit_functions(fmt)
    if name == "onnxruntime":  # one intra-op thread
        native = frameworks.onnxruntime_native(fmt, threads=1)
        return {k: (v, None) for k, v in native.fns.items()}, native.version
    return frameworks.FRAMEWORKS[name](fmt)


def placements(run, x, fmt):
    """long [N], alone [N], short [ROUNDS, N] and tail [ROUNDS, N] (−1: not placed there) result keys."""
    n = len(x)
    long_ = keys(run(x), fmt)
    alone = np.array([keys(run(x[i:i + 1]), fmt)[0] for i in range(n)], dtype=np.int64)
    short = np.full((ROUNDS, n), -1, dtype=np.int64)
    tail = np.full((ROUNDS, n), -1, dtype=np.int64)
    j = np.arange(GROUP)
    for r in range(ROUNDS):
        length = LENGTHS[r % len(LENGTHS)]
        k = np.arange(length - GROUP)
        for g in range(0, n, GROUP):
            t = np.empty(length, dtype=x.dtype)
            t[(j + r) % GROUP] = x[g + j]
            t[GROUP:] = x[g + (k + r) % GROUP]
            y = keys(run(t), fmt)
            short[r, g + j] = y[(j + r) % GROUP]
            tail[r, g + (k + r) % GROUP] = y[GROUP:]
    return long_, alone, short, tail


def worker(name, formats, quantities, out_path):
    single_thread(name)
    started = time.time()
    arrays, meta = {}, {"framework": name, "entries": {}, "errors": {}, "refused": {}, "seconds": {}}
    for fmt in formats:
        x, linear, _ = inputs(fmt)
        try:
            fns, version = table(name, fmt)
        except SystemExit:
            meta["refused"][fmt] = "format refused by Adapters/frameworks.py"
            continue
        meta["version"] = version
        for entry, pair in fns.items():
            for q, run in zip(["value", "derivative"], pair):
                if q not in quantities or run is None:
                    continue
                key = f"{fmt}|{entry}|{q}"
                t0 = time.time()
                try:
                    if name == "torch-compile":
                        import torch
                        torch._dynamo.reset()  # one entry's graphs at a time
                    with np.errstate(all="ignore"):
                        long_, alone, short, tail = placements(run, x, fmt)
                        lin = keys(run(linear), fmt)
                except Exception as e:  # noqa: BLE001 — reported in the page, never a silent pass
                    meta["errors"][key] = f"{type(e).__name__}: {str(e).splitlines()[0][:200] if str(e) else ''}"
                    continue
                for part, a in [("long", long_), ("alone", alone), ("short", short), ("tail", tail), ("linear", lin)]:
                    arrays[f"{key}|{part}"] = a
                meta["entries"][key] = True
                meta["seconds"][key] = round(time.time() - t0, 2)
                print(f"  {name:15} {key:32} {time.time() - t0:6.1f}s", file=sys.stderr, flush=True)
    meta["total_seconds"] = round(time.time() - started, 1)
    np.savez_compressed(out_path, **arrays)
    with open(out_path + ".json", "w") as f:
        json.dump(meta, f)


# ---------------------------------------------------------------- parent: run workers, write the page

def value_text(k, fmt):
    if k < 0:
        return "—"
    v = float(frameworks.from_bits(np.array([k], dtype=np.uint64), fmt)[0])
    return "NaN" if np.isnan(v) else f"{v:.9g}" if fmt == "f32" else f"{v:.4g}"


def position_stats(a, fmt, x):
    long_, alone, short, tail = a["long"], a["alone"], a["short"], a["tail"]
    n = len(long_)
    in_short = (short != long_[None, :]).any(axis=0)
    in_tail = ((tail != long_[None, :]) & (tail >= 0)).any(axis=0)
    differs_alone = alone != long_
    anywhere = differs_alone | in_short | in_tail
    example = None
    if anywhere.any():
        minus5 = np.nonzero((x == -5.0) & anywhere)[0]
        i = int(minus5[0]) if len(minus5) else int(np.nonzero(anywhere)[0][0])
        seen = sorted(set(short[:, i].tolist()) | set(t for t in tail[:, i].tolist() if t >= 0))
        example = (f"x = {value_text(int(frameworks.to_bits(x[i:i + 1], fmt)[0]), fmt)}: long {value_text(int(long_[i]), fmt)}, "
                   f"alone {value_text(int(alone[i]), fmt)}, short tensors {' / '.join(value_text(s, fmt) for s in seen)}")
    return {"n": n, "any": int(anywhere.sum()), "alone": int(differs_alone.sum()), "short": int(in_short.sum()),
            "tail": int(in_tail.sum()), "example": example}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    parser.add_argument("--frameworks", default=",".join(ALL))
    parser.add_argument("--formats", default="f32,bf16")
    parser.add_argument("--quantities", default="value,derivative")
    parser.add_argument("--python", default=sys.executable)
    parser.add_argument("--keep", default=None, help="keep the workers' raw results in this directory")
    parser.add_argument("--output", default=os.path.join(ROOT, "Reference/frameworks-position.md"))
    args = parser.parse_args()
    formats, quantities = args.formats.split(","), args.quantities.split(",")
    if args.worker:
        worker(args.worker, formats, quantities, args.out)
        return
    names = args.frameworks.split(",")
    keep = args.keep or tempfile.mkdtemp(prefix="position-probe-")
    os.makedirs(keep, exist_ok=True)
    data, meta, skipped = {}, {}, {}
    started = time.time()
    for name in names:
        out = os.path.join(keep, f"{name}.npz")
        print(f"{name} …", file=sys.stderr, flush=True)
        t0 = time.time()
        r = subprocess.run([args.python, os.path.abspath(__file__), "--worker", name, "--out", out,
                            "--formats", args.formats, "--quantities", args.quantities],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                           env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "JAX_PLATFORMS": "cpu"})
        if r.returncode != 0 or not os.path.exists(out + ".json"):
            last = [line for line in r.stderr.splitlines() if line.strip()][-1:] or ["(no message)"]
            skipped[name] = f"exit {r.returncode}: {last[0][:200]}"
            print(f"{name}: skipped ({skipped[name]})", file=sys.stderr, flush=True)
            continue
        with open(out + ".json") as f:
            meta[name] = json.load(f)
        data[name] = dict(np.load(out))
        print(f"{name}: {time.time() - t0:.0f}s", file=sys.stderr, flush=True)
    present = [n for n in names if n in meta]

    def arrays(name, key):
        d = data[name]
        return {part: d[f"{key}|{part}"] for part in ["long", "alone", "short", "tail", "linear"]}

    entries = []  # catalog order as the tables give it, torch's first
    for name in present:
        for key in meta[name]["entries"]:
            entry = key.split("|")[1]
            if entry not in entries:
                entries.append(entry)
    stats = {}
    for name in present:
        for key in meta[name]["entries"]:
            fmt = key.split("|")[0]
            stats[(name, key)] = position_stats(arrays(name, key), fmt, inputs(fmt)[0])

    import importlib.metadata as md
    versions = []
    for package in ["torch", "jax", "jaxlib", "tensorflow", "onnxruntime", "numpy", "scipy", "ml_dtypes"]:
        try:
            versions.append(f"{package} {md.version(package)}")
        except md.PackageNotFoundError:
            pass
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            info = f.read()
        cpu = next(line.split(":", 1)[1].strip() for line in info.splitlines() if line.startswith("model name"))
        flags = next(line for line in info.splitlines() if line.startswith("flags"))
        isa = [f for f in ["avx2", "fma", "avx512f", "avx512_bf16", "avx512_fp16"] if f" {f}" in flags]
        cpu += " (" + ", ".join(isa) + ")"
    except (OSError, StopIteration):
        pass
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    command = "python3 Scripts/position_probe.py" + (
        f" --frameworks {args.frameworks}" if args.frameworks != ",".join(ALL) else "") + (
        f" --formats {args.formats}" if args.formats != "f32,bf16" else "") + (
        f" --quantities {args.quantities}" if args.quantities != "value,derivative" else "")
    lines = [
        "<!-- Generated by Scripts/position_probe.py; do not edit by hand. -->",
        "# Position-dependent results in the frameworks",
        "",
        f"Measured {now} on {platform.machine()} {platform.system()}, {cpu}, {os.cpu_count()} cores; Python "
        f"{platform.python_version()}; {', '.join(versions)}. CPU only, one thread per framework. Run time "
        f"{(time.time() - started) / 60:.1f} min.",
        "",
        f"Command: `{command}` (no Swift needed; the functions are Adapters/frameworks.py's, the same calls "
        "[frameworks.md](frameworks.md) measures against the oracle).",
        "",
        "The same 4,000 inputs per format (edge values: ±0, ±inf, NaNs, the subnormal and normal extremes, −5, "
        "±0.5, ±1, ±3, ±6, ±20, the exp/tanh saturation points; then uniform random in [−10, 10]) are "
        "evaluated **long** (all in one tensor), **alone** (each in a tensor of length 1) and in **short** "
        "tensors (32 rounds: every input at every index 0..31 of a tensor of length 33..64 — lengths "
        f"{', '.join(map(str, LENGTHS))} — and at that tensor's indices from 32 on, a vector loop's remainder). A cell counts the inputs whose results are "
        "not all the same bit pattern (every NaN counts as one value); 0: position-independent on these "
        "inputs; —: the framework lacks the entry (or autodiff, or the format). torch-compile is "
        "`torch.compile(fn, dynamic=True)` (Inductor, CPU); tensorflow-xla is `tf.function(jit_compile=True)`; "
        "jax is `jax.jit`, jax-nojit the same functions op by op.",
        "",
    ]
    if skipped:
        lines += ["Skipped: " + "; ".join(f"{n} ({why})" for n, why in skipped.items()) + ".", ""]
    for fmt in formats:
        for q in quantities:
            cols = [n for n in present if any(k.startswith(f"{fmt}|") and k.endswith(f"|{q}") for k in meta[n]["entries"])]
            if not cols:
                continue
            lines += [f"## {fmt} {'values' if q == 'value' else 'derivatives'}: inputs (of {COUNT}) whose result depends on position", "",
                      "| entry | " + " | ".join(cols) + " |", "|---|" + "---:|" * len(cols)]
            for entry in entries:
                cells = []
                for n in cols:
                    s = stats.get((n, f"{fmt}|{entry}|{q}"))
                    err = meta[n]["errors"].get(f"{fmt}|{entry}|{q}")
                    cells.append("error" if err else "—" if s is None else f"**{s['any']}**" if s["any"] else "0")
                if any(c != "—" for c in cells):
                    lines.append(f"| {entry} | " + " | ".join(cells) + " |")
            lines.append("")
    lines += ["## Where the differences are", "",
              "For each nonzero cell above: inputs whose **alone** result differs from the **long** one, inputs "
              "whose result at some index 0..31 of a short tensor differs from the long one, the same at a "
              "short tensor's tail indices, and one input (−5 when it is among them) with its results.", "",
              "| framework | format | quantity | entry | any | alone ≠ long | short ≠ long | tail ≠ long | example |",
              "|---|---|---|---|---:|---:|---:|---:|---|"]
    for (n, key), s in sorted(stats.items(), key=lambda kv: (present.index(kv[0][0]), kv[0][1])):
        if s["any"]:
            fmt, entry, q = key.split("|")
            lines.append(f"| {n} | {fmt} | {q} | {entry} | {s['any']} | {s['alone']} | {s['short']} | {s['tail']} | {s['example']} |")
    lines.append("")
    # eager against compiled
    lines += ["## Eager against compiled code", "",
              f"Inputs of {LINEAR:,} evenly spaced in [−10, 10] (rounded to the format), each framework's whole "
              "set in one tensor, whose results differ bit-wise between the eager and the compiled code of the "
              "same framework; then the special values whose result differs.", ""]
    pairs = [(a, b) for a, b in PAIRS if a in present and b in present]
    for fmt in formats:
        for q in quantities:
            cols = [(a, b) for a, b in pairs if any(k == f"{fmt}|{e}|{q}" for e in entries for k in meta[b]["entries"])
                    and any(k == f"{fmt}|{e}|{q}" for e in entries for k in meta[a]["entries"])]
            if not cols:
                continue
            lines += [f"### {fmt} {'values' if q == 'value' else 'derivatives'}", "",
                      "| entry | " + " | ".join(f"{a} vs {b}" for a, b in cols) + " |", "|---|" + "---:|" * len(cols)]
            for entry in entries:
                key = f"{fmt}|{entry}|{q}"
                cells = []
                for a, b in cols:
                    if key in meta[a]["entries"] and key in meta[b]["entries"]:
                        d = int((arrays(a, key)["linear"] != arrays(b, key)["linear"]).sum())
                        cells.append(f"**{d}**" if d else "0")
                    else:
                        cells.append("—")
                if any(c != "—" for c in cells):
                    lines.append(f"| {entry} | " + " | ".join(cells) + " |")
            lines.append("")
    special_rows = []
    for fmt in formats:
        x, _, _ = inputs(fmt)
        xbits = frameworks.to_bits(x, fmt).astype(np.int64)
        width = 8 if fmt == "f32" else 4
        for q in quantities:
            for a, b in pairs:
                for entry in entries:
                    key = f"{fmt}|{entry}|{q}"
                    if key not in meta[a]["entries"] or key not in meta[b]["entries"]:
                        continue
                    ea, eb = arrays(a, key), arrays(b, key)
                    for i in range(len(SPECIAL[fmt])):
                        if ea["long"][i] != eb["long"][i] or ea["alone"][i] != eb["alone"][i]:
                            special_rows.append(
                                f"| {fmt} | {q} | {entry} | {value_text(int(xbits[i]), fmt)} (`0x{int(xbits[i]):0{width}x}`) | {a} {value_text(int(ea['long'][i]), fmt)}"
                                f" (alone {value_text(int(ea['alone'][i]), fmt)}) | {b} {value_text(int(eb['long'][i]), fmt)}"
                                f" (alone {value_text(int(eb['alone'][i]), fmt)}) |")
    if special_rows:
        lines += ["### Special values where eager and compiled differ (long tensor; alone in brackets)", "",
                  "| format | quantity | entry | x | eager | compiled |", "|---|---|---|---|---|---|"] + special_rows + [""]
    errors = [(n, k, e) for n in present for k, e in meta[n]["errors"].items()]
    if errors:
        lines += ["## Errors", "", "| framework | format/entry/quantity | error |", "|---|---|---|"]
        lines += [f"| {n} | {k} | {e} |" for n, k, e in errors] + [""]
    lines += ["## Run time per framework (worker process, one thread)", "",
              "| framework | version | seconds |", "|---|---|---:|"]
    lines += [f"| {n} | {meta[n].get('version', '')} | {meta[n]['total_seconds']} |" for n in present] + [""]
    with open(args.output, "w") as f:
        f.write("\n".join(lines) + "\n")
    print(f"wrote {args.output} ({(time.time() - started) / 60:.1f} min)", file=sys.stderr)


if __name__ == "__main__":
    main()
