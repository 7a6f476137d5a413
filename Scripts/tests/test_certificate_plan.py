"""Scripts/certificate_plan.py and Scripts/slurm-certify: the plan both scale-out engines share.

The entries come from the tool (`list --json`), so these tests need the release binary:
ACTIVATION_ORACLE_BIN, or .build/release/activation-oracle (Scripts/test passes the one it built).
Runs are real but small (relu, one shard of 4096: 2^20 inputs). The merge's success path needs a
complete set of shards, which no test can afford to compute (2^32 inputs): it is exercised with
shard certificates made from one real shard's certificate by editing its range fields — a fixture
for the planner's bookkeeping, which is all --merge adds to `exhaustive merge`.
"""
import json
import os
import shutil
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PLAN = os.path.join(ROOT, "Scripts", "certificate_plan.py")
SLURM = os.path.join(ROOT, "Scripts", "slurm-certify")
TOOL = os.environ.get("ACTIVATION_ORACLE_BIN") or os.path.join(ROOT, ".build", "release", "activation-oracle")


@pytest.fixture(scope="module")
def tool():
    if not os.access(TOOL, os.X_OK):
        pytest.fail(f"{TOOL}: build it first (swift build -c release --product activation-oracle) or set ACTIVATION_ORACLE_BIN")
    return TOOL


def plan(tool, *args):
    return subprocess.run([sys.executable, PLAN, "--tool", tool, *args], capture_output=True, text=True)


def catalog(tool):
    return json.loads(subprocess.run([tool, "list", "--json"], capture_output=True, text=True, check=True).stdout)


def test_matrix_covers_every_entry_quantity_and_shard_once(tool):
    names = [e["name"] for e in catalog(tool) if e["inputs"] == 1]
    assert len(names) >= 27 and "gelu" in names and "swiglu" not in names
    r = plan(tool, "--matrix", "--shards", "4")
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("matrix=") and r.stdout.count("\n") == 1
    jobs = json.loads(r.stdout[len("matrix="):])["include"]
    keys = {(j["entry"], j["quantity"], j["shard"]) for j in jobs}
    assert len(keys) == len(jobs) == len(names) * 2 * 4
    assert keys == {(n, q, k) for n in names for q in ("value", "derivative") for k in range(4)}
    assert {j["name"] for j in jobs if j["entry"] == "gelu"} == {"gelu", "gelu-derivative"}
    # --count and --list agree with the matrix, in the same order
    assert plan(tool, "--count", "--shards", "4").stdout.strip() == str(len(jobs))
    listed = plan(tool, "--list", "--shards", "4").stdout.splitlines()
    assert listed[5] == f"5 {jobs[5]['entry']} {jobs[5]['quantity']} {jobs[5]['shard']}/4"


@pytest.mark.parametrize("args, message", [
    (["--matrix", "--shards", "8"], "a GitHub Actions matrix holds at most 256"),
    (["--count", "--shards", "3"], "power of two"),
    (["--count", "--entries", "gelu nope"], "not one-input catalog entries: nope"),
    (["--count", "--entries", "swiglu"], "not one-input catalog entries: swiglu"),
    (["--run", "gelu", "second", "0"], "quantity must be"),
    (["--run", "gelu", "value", "4"], "shard must be 0..3"),
    (["--run-task", "999999"], "the plan has jobs"),
])
def test_bad_requests_one_line_exit_2(tool, tmp_path, args, message):
    r = plan(tool, *args, "--out", str(tmp_path / "out"))
    assert r.returncode == 2 and message in r.stderr and r.stderr.count("\n") == 1, r.stderr
    assert not (tmp_path / "out").exists()


def shard(tool, out, k=1):
    r = plan(tool, "--run", "relu", "value", str(k), "--shards", "4096", "--entries", "relu", "--out", str(out))
    assert r.returncode == 0, r.stderr
    path = out / f"relu-{k}-of-4096.json"
    cert = json.loads(path.read_text())
    assert cert["shard"] == f"{k}/4096" and cert["inputs_checked"] == 1 << 20 and cert["pass"] is True
    return path, cert


def test_merge_refuses_incomplete_misnamed_stale_or_foreign_sets_and_leaves_old_certificates(tool, tmp_path):
    path, cert = shard(tool, tmp_path / "shards")
    out = tmp_path / "certs"
    out.mkdir()
    (out / "relu.json").write_text("old")
    merge = ["--merge", str(tmp_path / "shards"), "--output", str(out), "--entries", "relu", "--shards", "4096"]

    def refused(message, args=merge):
        r = plan(tool, *args)
        assert r.returncode == 2 and message in r.stderr and r.stderr.count("\n") == 1, r.stderr
        assert (out / "relu.json").read_text() == "old" and sorted(os.listdir(out)) == ["relu.json"]

    refused("8191 of the plan's 8192 shards are missing (relu 0/4096, relu 2/4096")
    refused("not a shard of this plan", ["--merge", str(tmp_path / "shards"), "--output", str(out), "--entries", "relu", "--shards", "2"])
    refused("--merge: empty path", ["--merge", "", "--entries", "relu"])
    # a certificate under another shard's name; one of another version; one with other parameters
    for name, edit, message in [("relu-0-of-4096.json", {}, "holds relu shard 1/4096, its name says relu 0/4096"),
                                ("relu-1-of-4096.json", {"version": "0.0.1"}, "not this run's — made by version 0.0.1"),
                                ("relu-1-of-4096.json", {"convention": "jax"}, "convention jax")]:
        target = tmp_path / "shards" / name
        target.write_text(json.dumps(dict(cert, **edit)))
        refused(message)
        target.unlink()
    for junk, message in [("[]", "a JSON object is due"), ("{", "not a certificate")]:
        (tmp_path / "shards" / "relu-1-of-4096.json").write_text(junk)
        refused(message)
    # a FIFO under a shard's name is never opened: that shard counts as missing
    (tmp_path / "shards" / "relu-1-of-4096.json").unlink()
    os.mkfifo(tmp_path / "shards" / "relu-1-of-4096.json")
    refused("8192 of the plan's 8192 shards are missing")
    refused("exists and is not a directory", ["--merge", str(tmp_path / "shards"), "--output", str(out / "relu.json"), "--entries", "relu"])


def test_merge_installs_a_complete_set(tool, tmp_path):
    path, cert = shard(tool, tmp_path / "real")
    shards, out = tmp_path / "shards", tmp_path / "certs"
    shards.mkdir()
    half = 1 << 31

    def write(name, derivative, k, **edit):
        # the fixture: one real shard's certificate, its range edited to halves
        c = dict(cert, function="relu", derivative=derivative, shard=f"{k}/2", first_input=k * half,
                 end_input=(k + 1) * half, inputs_checked=half, **edit)
        (shards / f"{name}-{k}-of-2.json").write_text(json.dumps(c))

    for k in range(2):
        write("relu", False, k)
        write("relu-derivative", True, k)
    merge = ["--merge", str(shards), "--output", str(out), "--entries", "relu", "--shards", "2"]
    r = plan(tool, *merge)
    assert r.returncode == 0, r.stderr
    assert "relu: 2 shards, max 0 ULP (bound 1), pass" in r.stdout and "relu-derivative: 2 shards" in r.stdout
    merged = json.loads((out / "relu.json").read_text())
    assert (merged["first_input"], merged["end_input"], merged["inputs_checked"]) == (0, 1 << 32, 1 << 32)
    assert sorted(os.listdir(out)) == ["relu-derivative.json", "relu.json"]
    # a certificate beyond its bound is still installed, with exit code 1
    write("relu-derivative", True, 1, max_ulp=7, **{"pass": False})
    r = plan(tool, *merge)
    assert r.returncode == 1 and "relu-derivative: 2 shards, max 7 ULP (bound 1), BEYOND THE BOUND" in r.stdout, r.stdout + r.stderr
    assert json.loads((out / "relu-derivative.json").read_text())["pass"] is False
    # a set that does not tile all 2^32 inputs is refused by exhaustive merge or by the planner
    (shards / "relu-1-of-2.json").write_text(json.dumps(dict(cert, shard="1/2", first_input=half, end_input=half + (1 << 20), inputs_checked=1 << 20)))
    r = plan(tool, *merge)
    assert r.returncode == 2 and "not all 2^32 inputs" in r.stderr, r.stderr
    assert json.loads((out / "relu.json").read_text()) == merged and sorted(os.listdir(out)) == ["relu-derivative.json", "relu.json"]


def test_slurm_submits_an_array_and_a_dependent_merge(tool, tmp_path):
    """A fake sbatch records its arguments; then the array's script runs as a task would."""
    bin_dir, calls = tmp_path / "bin", tmp_path / "calls"
    bin_dir.mkdir()
    calls.mkdir()
    sbatch = bin_dir / "sbatch"
    sbatch.write_text('#!/usr/bin/env bash\nn=$(ls "$CALLS" | wc -l)\nprintf "%s\\n" "$@" > "$CALLS/call-$n"\necho "$((4242 + n))"\n')
    sbatch.chmod(0o755)
    env = dict(os.environ, PATH=f"{bin_dir}:{os.environ['PATH']}", CALLS=str(calls), ACTIVATION_ORACLE_BIN=tool)
    work = tmp_path / "work dir é"   # spaces and non-ASCII survive the job scripts
    r = subprocess.run([SLURM, "--entries", "relu", "--shards", "4096", "--work", str(work), "--", "--partition=cpu"],
                       capture_output=True, text=True, env=env)
    assert r.returncode == 0, r.stderr
    array = (calls / "call-0").read_text().splitlines()
    merge = (calls / "call-1").read_text().splitlines()
    assert "--array=0-8191" in array and "--partition=cpu" in array and "--partition=cpu" in merge
    assert "--dependency=afterany:4242" in merge
    assert array[-1] == str(work / "task.sh") and merge[-1] == str(work / "merge.sh")
    t = subprocess.run(["sh", "-c", '"$0"', array[-1]], capture_output=True, text=True, env=dict(env, SLURM_ARRAY_TASK_ID="1"))
    assert t.returncode == 0, t.stderr
    assert json.loads((work / "shards" / "relu-1-of-4096.json").read_text())["shard"] == "1/4096"
    # the merge job refuses the incomplete set, one line, exit 2
    m = subprocess.run([merge[-1]], capture_output=True, text=True, env=env)
    assert m.returncode == 2 and "8191 of the plan's 8192 shards are missing" in m.stderr, m.stderr
    # a second submission into the same work directory is refused: its shards would mix
    again = subprocess.run([SLURM, "--entries", "relu", "--work", str(work)], capture_output=True, text=True, env=env)
    assert again.returncode == 2 and "holds shards of an earlier run" in again.stderr, again.stderr
    # bad options: one line, exit 2, nothing submitted
    for args, message in [(["--shards", "3"], "power of two"), (["--frobnicate"], "unknown option")]:
        b = subprocess.run([SLURM, *args, "--work", str(tmp_path / "w2")], capture_output=True, text=True, env=env)
        assert b.returncode == 2 and message in b.stderr, b.stderr
    assert sorted(os.listdir(calls)) == ["call-0", "call-1"]
