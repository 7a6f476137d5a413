#!/usr/bin/env python3
"""Measure PyTorch (eager and torch.compile), JAX, TensorFlow (eager and XLA), ONNX Runtime and NumPy
against the oracle and write Reference/frameworks.md (generated: do not edit by hand).

    swift build -c release --product activation-oracle
    python3 Scripts/framework_table.py [--python PY] [--count 20000] [--format f32] [--output Reference/frameworks.md]
    python3 Scripts/framework_table.py --quantities second-derivative --format f64 \
        --output Reference/frameworks-second-derivative-f64.md     # double backward

Each cell is one `activation-oracle verify <function> [--order 1|2] --format F --command
"PY Adapters/frameworks.py <framework>"` run (specials, kinks, thresholds, --count random inputs,
then the adaptive search), summarised from its --json report, with `pos N` where the report's
`position_dependent` count is nonzero (inputs whose result depended on their place in the batch;
a report without the key counts as none). Needs the frameworks installed for PY (pip install numpy
scipy torch jax tensorflow-cpu onnx onnxruntime; torch-compile also needs a C compiler); a missing
one is a blank column. Scripts/position_probe.py measures the position dependence directly
(Reference/frameworks-position.md). Not needed by `swift test`.
"""
import argparse
import datetime
import json
import os
import platform
import struct
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FRAMEWORKS = ["torch", "torch-compile", "jax", "tensorflow", "tensorflow-xla", "onnxruntime", "numpy"]
# the compiled columns run the eager framework's module through its compiler; at kinks they follow
# the eager framework's convention
BASE = {"torch-compile": "torch", "tensorflow-xla": "tensorflow"}
COMPILED = {"torch-compile": "torch.compile(fn, dynamic=True), Inductor on CPU",
            "tensorflow-xla": "tf.function(jit_compile=True)"}


TITLES = {"value": "Values", "derivative": "Derivatives (autodiff)",
          "second-derivative": "Second derivatives (double backward, grad of grad, nested tapes)",
          "d/da": "∂f/∂a = b·g′(a) (autodiff)", "d/db": "∂f/∂b = g(a) (autodiff)"}
GATED_UNITS = {"glu": "torch: F.glu(cat([b, a])) (fused); jax: jax.nn.glu(concatenate([b, a])) (fused); tf: sigmoid(a)*b",
               "reglu": "relu(a)*b", "geglu": "gelu(a)*b (erf)", "geglu-tanh": "gelu(a, tanh)*b", "swiglu": "silu(a)*b"}
GATED_FRAMEWORKS = ("torch", "jax", "tensorflow")


def catalog(tool):
    out = subprocess.run([tool, "list"], capture_output=True, text=True, check=True).stdout
    return [line.split()[0] for line in out.splitlines() if line and not line.startswith(" ")]


def version(python, framework):
    module = BASE.get(framework, framework)
    r = subprocess.run([python, "-c", f"import {module}; print({module}.__version__)"], capture_output=True, text=True,
                       env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    return r.stdout.strip() if r.returncode == 0 else None


def cell(report):
    if report is None:
        return "—"
    parts = [f"{report['max_ulp']}" if report["failures"] else "0"]
    classes = report["classes"]
    for key, label in [("nan", "NaN"), ("inf", "inf"), ("zero_sign", "±0"), ("subnormal", "sub")]:
        if classes.get(key):
            parts.append(f"{label} {classes[key]}")
    if report.get("position_dependent"):
        parts.append(f"pos {report['position_dependent']}")
    return " · ".join(parts)


def decimal(bits, fmt):
    """A result's hex bit pattern as a short decimal (position_cases give bit patterns only)."""
    v = int(bits, 16)
    if fmt == "f64":
        x = struct.unpack("<d", struct.pack("<Q", v))[0]
    elif fmt == "f16":
        x = struct.unpack("<e", struct.pack("<H", v))[0]
    else:
        x = struct.unpack("<f", struct.pack("<I", v << 16 if fmt == "bf16" else v))[0]
    return f"{x:.9g}" if fmt in ("f32", "f64") else f"{x:.4g}"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--python", default=sys.executable)
    parser.add_argument("--tool", default=os.path.join(ROOT, ".build/release/activation-oracle"))
    parser.add_argument("--count", type=int, default=20000)
    parser.add_argument("--format", default="f32")
    parser.add_argument("--output", default=os.path.join(ROOT, "Reference/frameworks.md"))
    parser.add_argument("--quantities", default="value,derivative", help="comma-separated: value, derivative, second-derivative")
    parser.add_argument("--gated", action="store_true",
                        help="the gated units (glu, reglu, geglu, geglu-tanh, swiglu: value, d/da, d/db) as each framework's "
                             "users write them and its fused ops (F.glu, jax.nn.glu), instead of the one-input catalog")
    parser.add_argument("--json-dir", default=None, help="keep every verify report here")
    parser.add_argument("--reuse", action="store_true", help="use reports already in --json-dir instead of running again")
    parser.add_argument("--frameworks", default=None,
                        help="comma-separated: run only these (the others' reports are read from --json-dir when there); "
                             "lets two processes share the work on two cores")
    args = parser.parse_args()
    functions = list(GATED_UNITS) if args.gated else catalog(args.tool)
    if args.gated:
        args.quantities = "value,d/da,d/db"
    versions = {fw: version(args.python, fw) for fw in FRAMEWORKS}
    results, refusals = {}, {}
    keep = args.json_dir or tempfile.mkdtemp()
    os.makedirs(keep, exist_ok=True)
    run = args.frameworks.split(",") if args.frameworks else FRAMEWORKS
    for fw in run:
        if fw not in FRAMEWORKS:
            parser.error(f"unknown framework '{fw}' ({', '.join(FRAMEWORKS)})")
    quantities = args.quantities.split(",")
    for q in quantities:
        if q not in TITLES:
            parser.error(f"unknown quantity '{q}' ({', '.join(TITLES)})")
    for fw in FRAMEWORKS:
        if versions[fw] is None or (args.gated and fw not in GATED_FRAMEWORKS):
            continue
        for fn in functions:
            for quantity in quantities:
                path = os.path.join(keep, f"{fw}-{fn}-{quantity.replace('/', '')}-{args.format}.json")
                command = f"{args.python} {os.path.join(ROOT, 'Adapters/frameworks.py')} {fw}"
                argv = [args.tool, "verify", fn, "--format", args.format, "--count", str(args.count),
                        "--command", command, "--json", path, "--worst", "3", "--timeout", "300"]
                if quantity in ("d/da", "d/db"):
                    argv += ["--wrt", quantity[-1]]
                elif quantity != "value":
                    argv += ["--order", "1" if quantity == "derivative" else "2"]
                if (args.reuse or fw not in run) and os.path.exists(path):
                    with open(path) as f:
                        results[(fw, fn, quantity)] = json.load(f)
                    continue
                if fw not in run:
                    continue
                r = None
                convention = BASE.get(fw, fw)
                if quantity in ("derivative", "second-derivative") and convention in ("jax", "tensorflow"):
                    # accept the framework's own convention at kinks (where the catalog has one)
                    r = subprocess.run(argv + ["--kink-convention", convention], capture_output=True, text=True)
                    if r.returncode == 2 and "kink convention" in r.stderr or (r.returncode == 2 and "has no" in r.stderr):
                        r = None
                if r is None:
                    r = subprocess.run(argv, capture_output=True, text=True)
                if r.returncode in (0, 1) and os.path.exists(path):
                    with open(path) as f:
                        results[(fw, fn, quantity)] = json.load(f)
                    print(f"{fw:12} {fn:17} {quantity:10} {cell(results[(fw, fn, quantity)])}", flush=True)
                elif quantity != "value" and fw not in ("onnxruntime", "numpy") and f"has no {fn}" not in r.stderr:
                    # a framework that has the function but cannot differentiate it (twice): say so
                    refusals[(fw, fn, quantity)] = r.stderr.strip().split("its stderr: ")[-1].rstrip(")")
                elif os.path.exists(path):
                    os.remove(path)
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "<!-- Generated by Scripts/framework_table.py; do not edit by hand. -->",
        f"# Frameworks against the correctly rounded oracle ({args.format})",
        "",
        f"Measured {now} on {platform.machine()} {platform.system()} (Python {platform.python_version()}; "
        + ", ".join(f"{fw} {v}" for fw, v in versions.items() if v and fw not in BASE) + "), CPU only, single process. "
        + " ".join(f"{fw}: the {BASE[fw]} column's functions under {how}." for fw, how in COMPILED.items() if versions[fw]),
        "",
        f"Command: `python3 Scripts/framework_table.py --count {args.count} --format {args.format}"
        + ("" if args.quantities == "value,derivative" else f" --quantities {args.quantities}") + "` — each cell is "
        f"`activation-oracle verify <function> [--order 1|2] --format {args.format} --count {args.count} --command "
        "\"python3 Adapters/frameworks.py <framework>\"`: the specials (±0, ±inf, NaNs, subnormal and normal "
        "extremes), every kink with neighbours, the oracle's saturation/underflow/subnormal/overflow thresholds, "
        f"{args.count} random inputs, then the adaptive search around the worst failures.",
        "",
        "Cell: the largest ULP distance from the correctly rounded result (0 = correctly rounded on every input "
        "tried), then counts of inputs per class when nonzero: NaN (NaN where a number is due or the reverse), "
        "inf (an infinity where a finite value is due or the reverse), ±0 (zero with the wrong sign), sub "
        "(subnormal expected, something else returned: flush to zero and friends). — : the framework has no such "
        "function (or no autodiff, for derivatives). pos N: N inputs got a result that depended on their place in "
        "the batch (the tool sends the same inputs again in batches of other lengths and at other offsets); the "
        "usual cause is a vectorised main loop and its scalar remainder (or a length-1 path) computing differently. "
        "[frameworks-position.md](frameworks-position.md) measures this directly for each framework, without the "
        "oracle (Scripts/position_probe.py). Derivatives at kinks are compared with PyTorch's "
        "convention (jax, tensorflow and tensorflow-xla: their own also accepted); see the worst cases below for "
        "where a framework differs only there (second derivatives: the same, with each framework's "
        "double-backward convention at kinks, `activation-oracle list`). Parameters are the catalog defaults.",
        "",
    ]
    shown = [fw for fw in FRAMEWORKS if versions[fw] and (not args.gated or fw in GATED_FRAMEWORKS)]
    if args.gated:
        lines += ["Gated units f(a, b) = g(a)·b with each framework's own g, as written (the pairs: every edge input of a "
                  "with every edge value of b — ±0, ±inf, NaN, ±1, ± least subnormal, ± largest finite, 1/2, −3, 2 — then "
                  f"{args.count} random pairs; `verify <unit> [--wrt a|b]`). The expressions:", ""]
        lines += [f"- {unit}: {how}" for unit, how in GATED_UNITS.items()] + [""]
    for quantity in quantities:
        lines += [f"## {TITLES[quantity]}", "",
                  "| function | " + " | ".join(shown) + " |",
                  "|---|" + "---|" * len(shown)]
        for fn in functions:
            lines.append(f"| {fn} | " + " | ".join(cell(results.get((fw, fn, quantity))) for fw in shown) + " |")
        lines.append("")
    if refusals:
        lines += ["## Refused", "", "Second derivatives a framework could not take (its adapter's message):", "",
                  "| framework | function | quantity | message |", "|---|---|---|---|"]
        for (fw, fn, quantity), message in sorted(refusals.items()):
            lines.append(f"| {fw} | {fn} | {quantity} | {message.replace('|', '/')[:300]} |")
        lines.append("")
    positional = [(key, report) for key, report in sorted(results.items()) if report.get("position_dependent")]
    if positional:
        lines += ["## Position-dependent results", "",
                  "Cells with `pos`: how many inputs gave another result when asked again in another place, and "
                  "the first such input with both answers and where each was given.", "",
                  "| framework | function | quantity | inputs | x | result | where | other result | where |",
                  "|---|---|---|---:|---|---|---|---|---|"]
        for (fw, fn, quantity), report in positional:
            case = (report.get("position_cases") or [None])[0]
            if case is None:
                lines.append(f"| {fw} | {fn} | {quantity} | {report['position_dependent']} | | | | | |")
                continue
            fmt = report.get("format", args.format)
            lines.append(f"| {fw} | {fn} | {quantity} | {report['position_dependent']} | {decimal(case['x'], fmt)} (`{case['x']}`) | "
                         f"{decimal(case['first'], fmt)} | {case.get('first_place', '')} | {decimal(case['other'], fmt)} | "
                         f"{case.get('other_place', '')} |")
        lines.append("")
    lines += ["## Worst input per framework, function and quantity", "",
              "| framework | function | quantity | x | expected | actual | ULP | class |", "|---|---|---|---|---|---|---:|---|"]
    if args.gated:
        lines[-2:] = ["| framework | function | quantity | a | b | expected | actual | ULP | class |", "|---|---|---|---|---|---|---|---:|---|"]
    for (fw, fn, quantity), report in sorted(results.items()):
        worst = report.get("worst") or []
        if not report["failures"] or not worst:
            continue
        w = worst[0]
        if args.gated:
            ulp = "NaN" if w.get("ulp") is None else str(w["ulp"])
            lines.append(f"| {fw} | {fn} | {quantity} | {w['a_decimal']} | {w['b_decimal']} | {w['expected_decimal']} | {w['actual_decimal']} | {ulp} | {w['class']} |")
            continue
        ulp = "NaN" if w.get("ulp") is None else str(w["ulp"])
        lines.append(f"| {fw} | {fn} | {quantity} | {w['x_decimal']} (`{w['x']}`) | {w['expected_decimal']} | {w['actual_decimal']} | {ulp} | {w['class']} |")
    with open(args.output, "w") as f:
        f.write("\n".join(lines) + "\n")
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
