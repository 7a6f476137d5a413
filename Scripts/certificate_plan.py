#!/usr/bin/env python3
"""The work of remaking the exhaustive float32 certificates on many machines, planned once.

One job per entry, quantity (value, derivative) and shard k/n of the 2^32 inputs; the entries come
from the tool itself (`activation-oracle list --json`), so a new catalog entry joins the plan
without editing a list here or in the workflow. Both engines that scale the work out use this
plan, so they cannot disagree about names, shards or commands:

  GitHub Actions (.github/workflows/certificates.yml):
    certificate_plan.py --matrix [--shards 4] [--entries "gelu silu"]   >> "$GITHUB_OUTPUT"
    certificate_plan.py --run ENTRY QUANTITY K --shards N --out DIR      one matrix job
    certificate_plan.py --merge DIR --output Reference/certificates      the merge job
  Slurm (Scripts/slurm-certify):
    certificate_plan.py --count [--shards N]       the array size
    certificate_plan.py --run-task I --out DIR     array task I (SLURM_ARRAY_TASK_ID)
    certificate_plan.py --merge DIR --output ...   the dependent merge job

--merge refuses (exit 2, one line) when a shard of some certificate is missing or from another
run; `activation-oracle exhaustive merge` checks that the shards tile the inputs exactly.
"""
import argparse
import glob
import json
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
QUANTITIES = ("value", "derivative")
# GitHub Actions runs at most 256 jobs from one matrix.
MATRIX_LIMIT = 256


class PlanError(Exception):
    pass


def entries(tool, only=None):
    """The one-input entries in catalog order (or the named subset, checked against the catalog)."""
    try:
        out = subprocess.run([tool, "list", "--json"], capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError) as e:
        raise PlanError(f"{tool} list --json failed ({e}): build it first (swift build -c release)")
    names = [e["name"] for e in json.loads(out) if e["inputs"] == 1]
    if not only:
        return names
    unknown = [n for n in only if n not in names]
    if unknown:
        raise PlanError(f"not one-input catalog entries: {', '.join(unknown)} (see activation-oracle list)")
    return [n for n in names if n in only]


def certificate_name(entry, quantity):
    """The file name Scripts/certify.sh gives (Reference/certificates/<entry>[-derivative].json)."""
    return entry + ("-derivative" if quantity == "derivative" else "")


def jobs(names, shards):
    if shards < 1 or shards > 4096 or shards & (shards - 1):
        raise PlanError(f"--shards must be a power of two from 1 to 4096 (got {shards})")
    return [{"entry": e, "quantity": q, "shard": k, "shards": shards, "name": certificate_name(e, q)}
            for e in names for q in QUANTITIES for k in range(shards)]


def shard_file(job):
    return f"{job['name']}-{job['shard']}-of-{job['shards']}.json"


def command(tool, job, out):
    argv = [tool, "exhaustive", "run", job["entry"]]
    if job["quantity"] == "derivative":
        argv.append("--derivative")
    return argv + ["--shard", f"{job['shard']}/{job['shards']}", "--quiet", "-o", os.path.join(out, shard_file(job))]


def run(tool, job, out):
    """One shard; its exit code (1: a result beyond the bound — the certificate is still written)."""
    os.makedirs(out, exist_ok=True)
    argv = command(tool, job, out)
    print(" ".join(argv), flush=True)
    return subprocess.run(argv).returncode


def merge(tool, directory, output):
    """Every complete set of shards in `directory` → one certificate per entry and quantity."""
    groups = {}
    for path in sorted(glob.glob(os.path.join(directory, "**", "*-of-*.json"), recursive=True)):
        m = re.fullmatch(r"(.+)-(\d+)-of-(\d+)\.json", os.path.basename(path))
        if m:
            groups.setdefault((m.group(1), int(m.group(3))), {})[int(m.group(2))] = path
    if not groups:
        raise PlanError(f"{directory}: no shard certificates (<name>-<k>-of-<n>.json)")
    names = {}
    for (name, n), found in groups.items():
        if name in names:
            raise PlanError(f"{directory}: {name} has shards of {names[name]} and of {n}: one run at a time")
        names[name] = n
        for k, path in found.items():
            try:
                with open(path) as f:
                    cert = json.load(f)
            except (OSError, ValueError) as e:
                raise PlanError(f"{path}: not a certificate ({e})")
            said = (cert.get("function", "") + ("-derivative" if cert.get("derivative") else ""), cert.get("shard"))
            if said != (name, f"{k}/{n}"):
                raise PlanError(f"{path}: holds {said[0]} shard {said[1]}, its name says {name} {k}/{n}")
        missing = [k for k in range(n) if k not in found]
        if missing:
            shown = ", ".join(f"{k}/{n}" for k in missing[:5]) + (", …" if len(missing) > 5 else "")
            raise PlanError(f"{directory}: {name} lacks {len(missing)} of its {n} shards ({shown})")
    # Every certificate is merged into a temporary file first; the targets are replaced only when
    # all merged and each covers all 2^32 inputs, so a refused merge leaves the old ones untouched.
    os.makedirs(output, exist_ok=True)
    made, lines, failed = [], [], 0
    try:
        for (name, n), found in sorted(groups.items()):
            target = os.path.join(output, name + ".json")
            partial = target + ".merging"
            made.append((partial, target))
            r = subprocess.run([tool, "exhaustive", "merge", *[found[k] for k in range(n)], "-o", partial],
                               capture_output=True, text=True)
            if r.returncode != 0:
                raise PlanError(f"{name}: {r.stderr.strip() or r.stdout.strip()}")
            with open(partial) as f:
                cert = json.load(f)
            if (cert.get("first_input"), cert.get("end_input")) != (0, 1 << 32):
                raise PlanError(f"{name}: the shards cover [{cert.get('first_input')}, {cert.get('end_input')}), not all 2^32 inputs")
            ok = cert.get("pass") is True
            failed += not ok
            lines.append(f"{name}: {n} shards, max {cert.get('max_ulp')} ULP (bound {cert.get('bound')}), "
                         f"{'pass' if ok else 'BEYOND THE BOUND'} -> {target}")
    except BaseException:
        for partial, _ in made:
            if os.path.exists(partial):
                os.remove(partial)
        raise
    for partial, target in made:
        os.replace(partial, target)
    print("\n".join(lines), flush=True)
    return 1 if failed else 0


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--tool", default=os.path.join(ROOT, ".build/release/activation-oracle"))
    p.add_argument("--shards", type=int, default=4, help="shards per entry and quantity (a power of two; default 4)")
    p.add_argument("--entries", default="", help="space- or comma-separated one-input entries (default: all)")
    p.add_argument("--out", default="certificate-shards", help="where --run/--run-task write shard certificates")
    p.add_argument("--output", default=os.path.join(ROOT, "Reference/certificates"), help="where --merge writes")
    mode = p.add_mutually_exclusive_group(required=True)
    mode.add_argument("--matrix", action="store_true", help="print matrix=<JSON> for a GitHub Actions output")
    mode.add_argument("--list", action="store_true", help="print one job per line: index entry quantity k/n")
    mode.add_argument("--count", action="store_true", help="print the number of jobs")
    mode.add_argument("--run", nargs=3, metavar=("ENTRY", "QUANTITY", "K"), help="run one shard")
    mode.add_argument("--run-task", type=int, metavar="I", help="run job I of --list (a Slurm array index)")
    mode.add_argument("--merge", metavar="DIR", help="merge the shard certificates found under DIR")
    args = p.parse_args(argv)
    try:
        if args.merge:
            return merge(args.tool, args.merge, args.output)
        names = entries(args.tool, [n for n in re.split(r"[\s,]+", args.entries) if n])
        plan = jobs(names, args.shards)
        if args.matrix:
            if len(plan) > MATRIX_LIMIT:
                raise PlanError(f"{len(plan)} jobs: a GitHub Actions matrix holds at most {MATRIX_LIMIT} "
                                f"(fewer --shards, or --entries in several runs)")
            print("matrix=" + json.dumps({"include": plan}, separators=(",", ":")))
        elif args.list:
            for i, j in enumerate(plan):
                print(i, j["entry"], j["quantity"], f"{j['shard']}/{j['shards']}")
        elif args.count:
            print(len(plan))
        elif args.run:
            entry, quantity, k = args.run
            if quantity not in QUANTITIES:
                raise PlanError(f"quantity must be {' or '.join(QUANTITIES)} (got '{quantity}')")
            if not k.isdigit() or int(k) >= args.shards:
                raise PlanError(f"shard must be 0..{args.shards - 1} (got '{k}')")
            match = [j for j in plan if j["entry"] == entry and j["quantity"] == quantity and j["shard"] == int(k)]
            if not match:
                raise PlanError(f"{entry}: not among --entries")
            return run(args.tool, match[0], args.out)
        else:
            if not 0 <= args.run_task < len(plan):
                raise PlanError(f"task {args.run_task}: the plan has jobs 0..{len(plan) - 1}")
            return run(args.tool, plan[args.run_task], args.out)
    except PlanError as e:
        print(f"certificate_plan.py: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
