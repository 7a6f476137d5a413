#!/usr/bin/env python3
"""Run `activation-oracle bench --repeat 20 --json` several times and print the table of `bench`
with each cell the fastest of the runs (this VM's speed drifts by 10-50 % between runs of the same
binary, so one run of best-of-20 can catch a slow phase for some rows).

    python3 Scripts/bench_min.py .build/release/activation-oracle [--runs 3] [--format f16]
"""
import argparse
import json
import subprocess

parser = argparse.ArgumentParser()
parser.add_argument("binary")
parser.add_argument("--runs", type=int, default=3)
parser.add_argument("--format", default="f32")
args = parser.parse_args()

best, copy, two, order = {}, None, None, []
for _ in range(args.runs):
    out = subprocess.run([args.binary, "bench", "--format", args.format, "--repeat", "20", "--json"], capture_output=True, text=True, check=True).stdout
    data = json.loads(out)
    copy = data["copy_ns_per_element"] if copy is None else min(copy, data["copy_ns_per_element"])
    t = data.get("two_inputs_ns_per_element", float("nan"))  # absent before 4ab7ac7
    two = t if two is None else min(two, t)
    for r in data["results"]:
        if r["function"] not in order:
            order.append(r["function"])
        key = (r["function"], r["direction"])
        best[key] = min(best.get(key, float("inf")), r["ns_per_element"])

print(f"bench: 1048576 × {args.format}, single thread, best of 20, release build; each cell the fastest of {args.runs} such runs; copy: {copy:.3f} ns/element; two inputs to one output (xor, backward's traffic): {two:.3f}")
print("function           forward ns (×copy)   derivative ns (×copy)   backward ns (×copy)")
for f in order:
    cells = [best[(f, q)] for q in ("forward", "derivative", "backward")]
    print(f"{f:<18}" + "   ".join(f"{c:10.3f} ({c / copy:6.1f}×)" for c in cells))
if ("prelu", "alpha-gradient") in best:
    a = best[("prelu", "alpha-gradient")]
    print(f"prelu d/dalpha summed over the buffer (parameterGradient): {a:.3f} ns/element ({a / copy:.1f}× copy)")
