#!/usr/bin/env python3
"""Time the frameworks' own float32 activation kernels and ours side by side in one run, and write
Reference/peer-speed.md (generated: do not edit by hand).

    swift build -c release --product activation-oracle
    python3 Scripts/peer_speed.py [--python-frameworks numpy,jax,tensorflow,onnxruntime,torch]
        [--tool .build/release/activation-oracle] [--tool-label default] [--tool PATH --tool-label LABEL ...]
        [--count 1048576] [--repeat 20] [--format f32|f16|bf16] [--output Reference/peer-speed.md]

Every kernel runs single-threaded over the same --count contiguous inputs of --format (float32 by
default; binary16 and bfloat16 write peer-speed-f16.md / peer-speed-bf16.md), uniform in [-8, 8]
(as `activation-oracle bench`); a timing is the best of --repeat calls, in ns per element,
of the framework's own call on its own array (JAX jitted, waiting for the result; ONNX Runtime one
single-node model per entry, intra-op threads 1; TensorFlow eager with intra-op threads 1). The
framework tables are Adapters/frameworks.py's, so the functions timed are the ones the accuracy
table (Reference/frameworks.md) measured. A plain NumPy copy of the array is timed in the same run;
`activation-oracle bench --json` gives ours, with its own copy in its own process. A framework that
is not installed is a blank column. Not needed by `swift test`.
"""
import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import time

os.environ.setdefault("XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1")
os.environ.setdefault("TF_NUM_INTRAOP_THREADS", "1")
os.environ.setdefault("TF_NUM_INTEROP_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "Adapters"))
import numpy as np  # noqa: E402
import frameworks  # noqa: E402


def best(run, repeat):
    run()  # warm up (JIT, allocation)
    times = []
    for _ in range(repeat):
        start = time.perf_counter_ns()
        run()
        times.append(time.perf_counter_ns() - start)
    return min(times)


def native(name, fmt):
    if name == "onnxruntime":
        return frameworks.onnxruntime_native(fmt, threads=1)
    if name == "torch":
        import torch
        torch.set_num_threads(1)
    if name == "tensorflow":
        import tensorflow as tf
        tf.config.threading.set_intra_op_parallelism_threads(1)
        tf.config.threading.set_inter_op_parallelism_threads(1)
    n = frameworks.NATIVE[name](fmt)
    if name == "jax":
        import jax
        n.fns = {k: jax.jit(f) for k, f in n.fns.items()}
    return n


def time_framework(name, x, repeat, fmt):
    try:
        n = native(name, fmt)
    except (ImportError, SystemExit) as error:
        sys.stderr.write(f"peer_speed: {name} skipped ({error})\n")
        return None, {}
    arg = n.put(x)
    n.ready(arg)
    results = {}
    with np.errstate(all="ignore"):
        for function, f in n.fns.items():
            results[function] = best(lambda: n.ready(f(arg)), repeat) / x.size
    return n.version, results


def ours(tool, count, repeat, fmt):
    out = subprocess.run([tool, "bench", "--json", "--format", fmt, "--count", str(count), "--repeat", str(repeat)],
                         capture_output=True, text=True, check=True).stdout
    report = json.loads(out)
    forward = {r["function"]: r["ns_per_element"] for r in report["results"] if r["direction"] == "forward"}
    return report["copy_ns_per_element"], forward


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--python-frameworks", default="numpy,jax,tensorflow,onnxruntime,torch")
    parser.add_argument("--tool", action="append", default=[])
    parser.add_argument("--tool-label", action="append", default=[])
    parser.add_argument("--count", type=int, default=1 << 20)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--format", default="f32", choices=["f32", "f16", "bf16"])
    parser.add_argument("--output")
    args = parser.parse_args()
    if args.output is None:
        name = "peer-speed.md" if args.format == "f32" else f"peer-speed-{args.format}.md"
        args.output = os.path.join(ROOT, "Reference", name)
    tools = args.tool or [os.path.join(ROOT, ".build/release/activation-oracle")]
    labels = args.tool_label or ["ours"] * len(tools)
    if len(labels) != len(tools):
        sys.exit("peer_speed: give one --tool-label per --tool")

    x = np.random.default_rng(20261202).uniform(-8, 8, args.count).astype(np.float32)
    if args.format == "f16":
        x = x.astype(np.float16)  # NumPy computes in its own float16; the others convert on `put`
    out = np.empty_like(x)
    copy = best(lambda: np.copyto(out, x), args.repeat) / x.size
    peers, versions = {}, []
    for name in args.python_frameworks.split(","):
        version, results = time_framework(name, x, args.repeat, args.format)
        if version:
            peers[name], versions = results, versions + [version]
    mine = [(label, *ours(tool, args.count, args.repeat, args.format)) for tool, label in zip(tools, labels)]

    functions = list(mine[0][2].keys())
    header = ["function"] + [f"ours, {label}" for label, _, _ in mine] + list(peers) + ["fastest peer"] + \
        [f"{label} ÷ fastest" for label, _, _ in mine]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for function in functions:
        row = [function] + [f"{m[2][function]:.3f}" for m in mine]
        timings = {p: peers[p][function] for p in peers if function in peers[p]}
        row += [f"{peers[p][function]:.3f}" if function in peers[p] else "" for p in peers]
        if timings:
            fastest = min(timings, key=timings.get)
            row += [f"{timings[fastest]:.3f} ({fastest})"]
            row += [f"{m[2][function] / timings[fastest]:.2g}×" for m in mine]
        else:
            row += [""] * (1 + len(mine))
        lines.append("| " + " | ".join(row) + " |")
    cpu = "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            flags = next((l for l in f if l.startswith("flags")), "")
        cpu = "AVX-512" if "avx512f" in flags else ("AVX2" if "avx2" in flags else "SSE")
    except OSError:
        pass
    accuracy = """Accuracy of the same calls: [frameworks.md](frameworks.md); ours are within 1 ULP of the correctly
rounded result (declared in `KernelBounds`, enforced by the gate, and on all 2^32 inputs wherever
a certificate in [README.md](README.md) covers the entry).""" if args.format == "f32" else \
        """Ours are correctly rounded on every one of the 65,536 inputs (the gate in `swift test` and
`activation-oracle check --format f16,bf16` compare each with the oracle); the frameworks' accuracy
in this format: [frameworks.md](frameworks.md)."""
    text = f"""# Speed beside the frameworks (generated: do not edit)

Regenerate: `python3 Scripts/peer_speed.py {'' if args.format == 'f32' else f'--format {args.format} '}{' '.join(f'--tool {t} --tool-label {l}' for t, l in zip(tools, labels)) if args.tool else ''}`
(see the script's header for how each kernel is called). {args.count:,} contiguous {dict(f32='float32', f16='binary16', bf16='bfloat16')[args.format]} in
[−8, 8], single thread, forward, best of {args.repeat}, ns per element; one run, {datetime.date.today()},
{platform.machine()} ({cpu}), {os.cpu_count()} cores. Frameworks: {', '.join(versions)}.
A plain copy: NumPy {copy:.3f} ns/element; {'; '.join(f'ours ({l}) {c:.3f}' for l, c, _ in mine)}.
{accuracy}

{chr(10).join(lines)}
"""
    with open(args.output, "w") as f:
        f.write(text)
    print(text)


if __name__ == "__main__":
    main()
