#!/usr/bin/env python3
"""Run `activation-oracle bench --repeat 20 --json` several times and print the table of `bench`
with each cell the fastest of the runs (this VM's speed drifts by 10-50 % between runs of the same
binary, so one run of best-of-20 can catch a slow phase for some rows), plus backward ÷ forward.

    python3 Scripts/bench_min.py .build/release/activation-oracle [MORE BINARIES...] [--runs 3] [--format f16]

With several binaries (builds, or a binary before and after a change) the runs are interleaved
(A, B, A, B, ...), so a slow phase of the machine falls on all of them alike, and one table per
binary is printed in the order given.
"""
import argparse
import json
import os
import subprocess

parser = argparse.ArgumentParser()
parser.add_argument("binaries", nargs="+", metavar="binary")
parser.add_argument("--runs", type=int, default=3)
parser.add_argument("--format", default="f32")
args = parser.parse_args()
for binary in args.binaries:
    if not (os.path.isfile(binary) and os.access(binary, os.X_OK)):
        parser.error(f"not an executable file: {binary} (build it with swift build -c release --product activation-oracle)")
if args.runs < 1:
    parser.error(f"--runs must be at least 1 (got {args.runs})")


class Fastest:
    def __init__(self):
        self.best, self.copy, self.two, self.order = {}, None, None, []

    def add(self, data):
        self.copy = data["copy_ns_per_element"] if self.copy is None else min(self.copy, data["copy_ns_per_element"])
        t = data.get("two_inputs_ns_per_element", float("nan"))  # absent before 4ab7ac7
        self.two = t if self.two is None else min(self.two, t)
        for r in data["results"]:
            if r["function"] not in self.order:
                self.order.append(r["function"])
            key = (r["function"], r["direction"])
            self.best[key] = min(self.best.get(key, float("inf")), r["ns_per_element"])

    def print(self, runs, fmt):
        best, copy = self.best, self.copy
        print(f"bench: 1048576 × {fmt}, single thread, best of 20, release build; each cell the fastest of {runs} such runs; copy: {copy:.3f} ns/element; two inputs to one output (xor, backward's traffic): {self.two:.3f}")
        print("function           forward ns (×copy)   derivative ns (×copy)   backward ns (×copy)   backward ÷ forward")
        for f in self.order:
            cells = [best[(f, q)] for q in ("forward", "derivative", "backward")]
            print(f"{f:<18}" + "   ".join(f"{c:10.3f} ({c / copy:6.1f}×)" for c in cells) + f"   {cells[2] / cells[0]:10.2f}×")
        if ("prelu", "alpha-gradient") in best:
            a = best[("prelu", "alpha-gradient")]
            print(f"prelu d/dalpha summed over the buffer (parameterGradient): {a:.3f} ns/element ({a / copy:.1f}× copy)")


tables = [Fastest() for _ in args.binaries]
for _ in range(args.runs):
    for binary, table in zip(args.binaries, tables):
        run = subprocess.run([binary, "bench", "--format", args.format, "--repeat", "20", "--json"],
                             capture_output=True, text=True)
        if run.returncode != 0:
            parser.exit(2, f"bench_min.py: {binary} bench failed: {run.stderr.strip().splitlines()[-1] if run.stderr.strip() else f'exit {run.returncode}'}\n")
        out = run.stdout
        table.add(json.loads(out))
for i, (binary, table) in enumerate(zip(args.binaries, tables)):
    if len(args.binaries) > 1:
        print(("\n" if i else "") + f"# {binary}")
    table.print(args.runs, args.format)
