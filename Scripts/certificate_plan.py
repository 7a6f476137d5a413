#!/usr/bin/env python3
"""The work of remaking the exhaustive float32 certificates on many machines, planned once.

One job per entry, quantity (value, derivative) and shard k/n of the 2^32 inputs; the entries come
from the tool itself (`activation-oracle list --json`), so a new catalog entry joins the plan
without editing a list here or in the workflow. Both engines that scale the work out use this
plan, so they cannot disagree about names, shards or commands:

  GitHub Actions (.github/workflows/certificates.yml):
    certificate_plan.py --matrix [--shards 4] [--entries "gelu silu"]   >> "$GITHUB_OUTPUT"
    certificate_plan.py --run ENTRY QUANTITY K --shards N --out DIR      one matrix job
    certificate_plan.py --merge DIR --shards N --output Reference/certificates   the merge job
  Slurm (Scripts/slurm-certify):
    certificate_plan.py --count [--shards N]       the array size
    certificate_plan.py --run-task I --out DIR     array task I (SLURM_ARRAY_TASK_ID)
    certificate_plan.py --merge DIR --shards N --output ...   the dependent merge job

--merge takes the same --entries and --shards as the run and refuses (exit 2, one line, nothing
written) when a planned shard is missing, a file is not a shard of the plan, or a shard is not a
certificate of this tool version's built-in kernel at the catalog's defaults (a stale or foreign
one); `activation-oracle exhaustive merge` checks that the shards tile the inputs exactly. A
certificate beyond its bound is still installed, and the exit code is 1.
"""
import argparse
import glob
import json
import os
import re
import stat
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
    try:
        os.makedirs(out, exist_ok=True)
    except OSError as e:
        raise PlanError(f"--out {out}: {e.strerror}")
    argv = command(tool, job, out)
    print(" ".join(argv), flush=True)
    return subprocess.run(argv).returncode


def tool_version(tool):
    try:
        return subprocess.run([tool, "--version"], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError) as e:
        raise PlanError(f"{tool} --version failed ({e})")


def merge(tool, directory, output, plan):
    """The planned shards found under `directory` → one certificate per entry and quantity.

    Every planned shard must be there, as a regular file holding a complete certificate of this
    tool version's built-in kernel at the catalog's defaults (what Reference/certificates/ holds),
    and nothing else of the same names; otherwise nothing is written."""
    if not os.path.isdir(directory):
        raise PlanError(f"{directory}: not a directory")
    if os.path.exists(output) and not os.path.isdir(output):
        raise PlanError(f"--output {output}: exists and is not a directory")
    version = tool_version(tool)
    expected = {(j["name"], j["shard"], j["shards"]) for j in plan}
    found = {}
    for path in sorted(glob.glob(os.path.join(glob.escape(directory), "**", "*-of-*.json"), recursive=True)):
        m = re.fullmatch(r"(.+)-(\d+)-of-(\d+)\.json", os.path.basename(path))
        try:
            regular = stat.S_ISREG(os.stat(path).st_mode)  # never open a FIFO or a device
        except OSError:
            regular = False
        if not m or not regular:
            continue
        key = (m.group(1), int(m.group(2)), int(m.group(3)))
        if key not in expected:
            raise PlanError(f"{path}: not a shard of this plan ({len({j['name'] for j in plan})} certificates, "
                            f"{plan[0]['shards']} shards each; --entries and --shards must be the run's)")
        if key in found:
            raise PlanError(f"{path}: shard {key[1]}/{key[2]} of {key[0]} twice (also {found[key]})")
        found[key] = path
    for (name, k, n), path in sorted(found.items()):
        try:
            with open(path) as f:
                cert = json.load(f)
        except (OSError, ValueError) as e:
            raise PlanError(f"{path}: not a certificate ({e})")
        if not isinstance(cert, dict):
            raise PlanError(f"{path}: not a certificate (a JSON object is due)")
        said = (str(cert.get("function")) + ("-derivative" if cert.get("derivative") is True else ""), cert.get("shard"))
        if said != (name, f"{k}/{n}"):
            raise PlanError(f"{path}: holds {said[0]} shard {said[1]}, its name says {name} {k}/{n}")
        if cert.get("version") != version or cert.get("parameters") != {} or cert.get("convention") != "pytorch" \
                or not str(cert.get("implementation", "")).startswith("builtin"):
            raise PlanError(f"{path}: not this run's — made by version {cert.get('version')} (this tool: {version}), "
                            f"parameters {cert.get('parameters')}, convention {cert.get('convention')}, "
                            f"implementation {cert.get('implementation')}")
    missing = sorted(expected - set(found))
    if missing:
        shown = ", ".join(f"{n} {k}/{t}" for n, k, t in missing[:5]) + (", …" if len(missing) > 5 else "")
        raise PlanError(f"{directory}: {len(missing)} of the plan's {len(expected)} shards are missing ({shown})")
    groups = {}
    for (name, k, n), path in found.items():
        groups.setdefault((name, n), {})[k] = path
    # Every certificate is merged into a temporary file first; the targets are replaced only when
    # all merged and each covers all 2^32 inputs, so a refused merge leaves the old ones untouched.
    # `exhaustive merge` exits 1 for a merged certificate beyond its bound: still a certificate.
    try:
        os.makedirs(output, exist_ok=True)
    except OSError as e:
        raise PlanError(f"--output {output}: {e.strerror}")
    made, lines, failed = [], [], 0
    try:
        for (name, n), parts in sorted(groups.items()):
            target = os.path.join(output, name + ".json")
            partial = target + ".merging"
            made.append((partial, target))
            r = subprocess.run([tool, "exhaustive", "merge", *[parts[k] for k in range(n)], "-o", partial],
                               capture_output=True, text=True)
            if r.returncode not in (0, 1) or not os.path.isfile(partial):
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
    mode.add_argument("--merge", metavar="DIR", help="merge the shards of the plan (--entries, --shards: the run's) found under DIR")
    args = p.parse_args(argv)
    try:
        names = entries(args.tool, [n for n in re.split(r"[\s,]+", args.entries) if n])
        plan = jobs(names, args.shards)
        if args.merge is not None:
            if not args.merge:
                raise PlanError("--merge: empty path")
            return merge(args.tool, args.merge, args.output, plan)
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
