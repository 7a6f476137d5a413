"""The built wheel (Scripts/build-wheel) on a machine as its users have it: installed with pip into
a fresh virtual environment, run from outside this repository with a PATH without Swift, and —
where this process may make a mount namespace (root, `unshare`) — with the Swift toolchain and the
system's libmpfr/libgmp hidden, so that only what the wheel carries can answer. Skipped when no
wheel was built, unless ACTIVATION_ORACLE_REQUIRE_WHEEL=1 (CI sets it)."""

import glob
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from conftest import ROOT, independent_vectors

REQUIRED = os.environ.get("ACTIVATION_ORACLE_REQUIRE_WHEEL") == "1"
VERSION = re.search(r'^version = "(.*)"', (ROOT / "Python" / "pyproject.toml").read_text(), re.M).group(1)

SMOKE = r'''
import json, os, subprocess, sys
import numpy as np
import activation_oracle as ao

binary = ao.find_binary()
assert binary.startswith(sys.prefix), binary
print("binary", binary)
x = np.array([int(a, 16) for a in sys.argv[1:]], dtype=np.uint32).view(np.float32)
print("gelu", " ".join(hex(v) for v in ao.reference("gelu", x).view(np.uint32).tolist()))
with np.errstate(over="ignore", invalid="ignore"):
    report = ao.check(lambda x: 1 / (1 + np.exp(-x)), "sigmoid", np.float32, seed=3, count=500)
print("naive sigmoid", report.passed, sorted(k for k, v in report.classes.items() if v))
print("version", ao.engine_version(), ao.__version__)
print("ldd", json.dumps(subprocess.run(["ldd", binary], capture_output=True, text=True).stdout))
'''

PLUGIN_TEST = '''
import numpy as np

def test_fixture(activation_oracle):
    x = np.array([1.5, -2.0], dtype=np.float32)
    assert activation_oracle.reference("relu", x).tolist() == [1.5, 0.0]
'''


def wheel():
    found = sorted(glob.glob(str(ROOT / "dist" / f"activation_oracle-{VERSION}-*.whl")))
    if not found:
        if REQUIRED:
            pytest.fail(f"ACTIVATION_ORACLE_REQUIRE_WHEEL=1 but dist/ has no activation_oracle-{VERSION}-*.whl (Scripts/build-wheel)")
        pytest.skip("no wheel in dist/ (Scripts/with-deps Scripts/build-wheel builds it)")
    return found[-1]


def hidden_paths():
    """What a machine without Swift and libmpfr lacks: the toolchain folder and the system's
    libmpfr/libgmp files."""
    paths = []
    swift = shutil.which("swift")
    if swift:
        paths.append(str(Path(swift).resolve().parents[1]))  # .../usr of the toolchain
    for pattern in ("/usr/lib/*/libmpfr.so*", "/usr/lib/*/libgmp.so*", "/usr/lib/libmpfr.so*", "/usr/lib/libgmp.so*",
                    "/usr/local/lib/libmpfr.so*", "/usr/local/lib/libgmp.so*"):
        paths.extend(glob.glob(pattern))
    return paths


def can_unshare():
    if not shutil.which("unshare"):
        return False
    probe = subprocess.run(["unshare", "--mount", "true"], capture_output=True)
    return probe.returncode == 0


@pytest.fixture(scope="module")
def venv(tmp_path_factory):
    path = tmp_path_factory.mktemp("wheel-venv") / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(path)], check=True)
    pip = [str(path / "bin" / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    subprocess.run(pip + [wheel(), "pytest"], check=True, timeout=900)
    return path


def run_isolated(venv, cwd, *argv):
    """Runs argv in the venv with a PATH of the venv and the system's /usr/bin:/bin only, no
    engine override, from a folder outside this repository; inside a mount namespace that hides
    Swift and libmpfr/libgmp when possible. Returns (completed process, whether hidden)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ACTIVATION_ORACLE", "PYTHON", "LD_", "PYTEST"))}
    env["PATH"] = f"{venv / 'bin'}:/usr/bin:/bin"
    command = [str(venv / "bin" / argv[0]), *argv[1:]]
    hide = can_unshare()
    if hide:
        script = "set -e\n" + "".join(f"mount -t tmpfs none '{p}'\n" if os.path.isdir(p) else f"mount --bind /dev/null '{p}'\n"
                                      for p in hidden_paths()) + 'exec "$@"\n'
        command = ["unshare", "--mount", "--propagation", "private", "sh", "-c", script, "sh", *command]
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=900)
    return result, hide


def test_the_wheel_works_without_swift_and_without_libmpfr(venv, tmp_path):
    assert shutil.which("swift", path=f"{venv / 'bin'}:/usr/bin:/bin") is None or can_unshare(), \
        "swift is in /usr/bin and cannot be hidden"
    (tmp_path / "smoke.py").write_text(SMOKE)
    xs, ys = independent_vectors()[("gelu", "f32", "value")]
    pick = np.linspace(0, xs.size - 1, 16).astype(int)
    result, hidden = run_isolated(venv, tmp_path, "python", "smoke.py", *(hex(v) for v in xs[pick].tolist()))
    assert result.returncode == 0, result.stderr
    out = result.stdout
    got = [int(v, 16) for v in re.search(r"^gelu (.*)$", out, re.M).group(1).split()]
    assert got == ys[pick].tolist()
    assert "naive sigmoid False ['finite', 'subnormal']" in out
    assert f"version {VERSION} {VERSION}" in out
    ldd = json.loads(re.search(r"^ldd (.*)$", out, re.M).group(1))
    assert "not found" not in ldd
    assert re.search(r"libmpfr[^ ]* => \S*activation_oracle\.libs/", ldd), ldd
    assert re.search(r"libgmp[^ ]* => \S*activation_oracle\.libs/", ldd), ldd
    assert "swift" not in ldd.lower() and "libFoundation" not in ldd, ldd
    if not hidden:
        pytest.skip("ran without a mount namespace: Swift and libmpfr were present (PATH without Swift only)")
    # the hiding is real: in the same namespace neither the toolchain nor the system's MPFR loads
    probe = ("import ctypes, shutil, sys\n"
             "try:\n    ctypes.CDLL('libmpfr.so.6'); sys.exit('libmpfr.so.6 still loads')\nexcept OSError: pass\n"
             f"assert shutil.which('swift', path={str(Path(shutil.which('swift')).parent)!r}) is None, 'swift still runs'\n"
             if shutil.which("swift") else "")
    if probe:
        result, _ = run_isolated(venv, tmp_path, "python", "-c", probe)
        assert result.returncode == 0, result.stderr


def test_the_installed_plugin_loads_by_its_entry_point(venv, tmp_path):
    (tmp_path / "test_fixture.py").write_text(PLUGIN_TEST)
    result, _ = run_isolated(venv, tmp_path, "python", "-m", "pytest", "-p", "no:cacheprovider")
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"^activation-oracle: seed \d+", result.stdout, re.M) and "1 passed" in result.stdout
