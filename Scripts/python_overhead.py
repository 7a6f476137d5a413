#!/usr/bin/env python3
"""The Python package's overhead: `activation_oracle.reference` on N float32 inputs against the
CLI's own `activation-oracle reference --input x.npy --output y.npy` on the same inputs, in one
run, the same executable for both (the engine the package uses), best of --repeat each.

    PYTHONPATH=Python/src python3 Scripts/python_overhead.py [--count 1000000] [--repeat 3]
        [--functions gelu,sigmoid,relu] [--seed 0]

The CLI's time includes its start and the file reading and writing (that is the job the package
replaces); the package's time is one call with its engine already running. Prints a Markdown
table of seconds and the ratio package/CLI, and checks that both gave the same bits. Not a test:
the machine's speed drifts between runs, so only the ratios within one run mean anything."""

import argparse
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

import activation_oracle as ao


def best(repeat, action):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return min(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--functions", default="gelu,sigmoid,relu")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    if args.count < 1 or args.repeat < 1:
        sys.exit("python_overhead: --count and --repeat must be at least 1")

    binary = ao.find_binary()
    rng = np.random.default_rng(args.seed)
    x = rng.uniform(-20, 20, args.count).astype(np.float32)
    print(f"engine: {binary} (version {ao.engine_version()}); {args.count} float32 inputs uniform in [-20, 20], "
          f"seed {args.seed}, best of {args.repeat}\n")
    print("| function | CLI (s) | Python (s) | Python / CLI |")
    print("|---|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as folder:
        xin, yout = os.path.join(folder, "x.npy"), os.path.join(folder, "y.npy")
        np.save(xin, x)
        for name in args.functions.split(","):
            for derivative in (False, True):
                cli = [binary, "reference", name, "--format", "f32", "--input", xin, "--output", yout]
                if derivative:
                    cli.append("--derivative")
                t_cli = best(args.repeat, lambda: subprocess.run(cli, check=True))
                t_py = best(args.repeat, lambda: ao.reference(name, x, derivative=derivative))
                same = np.array_equal(np.load(yout).view(np.uint32), ao.reference(name, x, derivative=derivative).view(np.uint32))
                label = name + ("′" if derivative else "")
                print(f"| {label} | {t_cli:.3f} | {t_py:.3f} | {t_py / t_cli:.2f}× |" + ("" if same else " **bits differ**"))
                if not same:
                    sys.exit(f"python_overhead: {label}: the package and the CLI gave different bits")


if __name__ == "__main__":
    main()
