"""The pytest plugin, run as users run it: a seed per session in the header, the seed passed to
every check, the replay command beside a failure, a bad seed refused as a usage error."""

import re
from importlib import metadata

import pytest

import activation_oracle as ao
from plugin_support import run_pytest

TESTS = '''
import numpy as np
import activation_oracle


def naive_sigmoid(x):
    with np.errstate(over="ignore", invalid="ignore"):
        return (1 / (1 + np.exp(-x))).astype(x.dtype)


def test_seed_reaches_check(activation_oracle):
    report = activation_oracle.check(lambda x: activation_oracle.reference("relu", x), "relu", np.float32, count=100)
    assert report.passed
    print("SEED", report.seed, activation_oracle.session_seed)


def test_naive_sigmoid(activation_oracle):
    activation_oracle.check(naive_sigmoid, "sigmoid", np.float32, count=1000).assert_passed()


def test_unrelated_failure():
    assert 1 + 1 == 3


def test_every_binary16_input(activation_oracle):
    activation_oracle.check(naive_sigmoid, "sigmoid", np.float16).assert_passed()
'''


def test_the_session_seed_is_shown_passed_to_checks_and_named_beside_a_failure(pytester, monkeypatch):
    pytester.makepyfile(test_example=TESTS)
    result = run_pytest(pytester, monkeypatch, "-s")
    result.assert_outcomes(passed=1, failed=3)
    # the replay section only beside the failure whose check drew random inputs from the seed
    assert result.stdout.str().count("checks without seed= used seed") == 1
    header = re.search(r"activation-oracle: seed (\d+) \(replay: --activation-oracle-seed=(\d+)\)", result.stdout.str())
    assert header and header.group(1) == header.group(2)
    seed = header.group(1)
    assert re.search(rf"SEED {seed} {seed}\b", result.stdout.str())
    out = result.stdout.str()
    assert f"replay: pytest test_example.py::test_naive_sigmoid --activation-oracle-seed={seed}" in out
    assert "simplest failing input per class" in out and "subnormal" in out


def test_a_given_seed_is_used_and_replays_the_same_report(pytester, monkeypatch):
    pytester.makepyfile(test_example=TESTS)
    first = run_pytest(pytester, monkeypatch, "-s", "--activation-oracle-seed=12345")
    second = run_pytest(pytester, monkeypatch, "-s", "--activation-oracle-seed=0x3039")
    for result in (first, second):
        result.assert_outcomes(passed=1, failed=3)
        assert "SEED 12345 12345" in result.stdout.str()

    def worst(result):
        return re.findall(r"^E\s+(-?[0-9.e+-]+\s+0x[0-9a-f]{8}.*)$", result.stdout.str(), re.M)
    assert worst(first) and worst(first) == worst(second)


@pytest.mark.parametrize("seed, message", [("abc", "is not a seed"), ("-1", "is not a seed"),
                                           (str(1 << 64), "from 0 to 2^64")])
def test_a_bad_seed_is_a_usage_error(pytester, monkeypatch, seed, message):
    pytester.makepyfile(test_example=TESTS)
    result = run_pytest(pytester, monkeypatch, f"--activation-oracle-seed={seed}")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert message in result.stderr.str()


def test_the_installed_package_registers_the_plugin():
    if ao.__version__ == "0+source":
        pytest.skip("running from the source tree: no installed entry points")
    plugins = {e.name: e.value for e in metadata.entry_points(group="pytest11")}
    assert plugins.get("activation_oracle") == "activation_oracle.pytest_plugin"


def test_the_environment_seed_is_the_session_seed_when_no_option_is_given(pytester, monkeypatch):
    pytester.makepyfile(test_example=TESTS)
    result = run_pytest(pytester, monkeypatch, "-s", "-k", "seed_reaches", seed_variable="0x3039")
    result.assert_outcomes(passed=1)
    assert "activation-oracle: seed 12345" in result.stdout.str() and "SEED 12345 12345" in result.stdout.str()
    bad = run_pytest(pytester, monkeypatch, seed_variable="12ab")
    assert bad.ret == pytest.ExitCode.USAGE_ERROR and "ACTIVATION_ORACLE_SEED='12ab' is not a seed" in bad.stderr.str()


def test_xdist_workers_use_the_seed_the_controller_printed(pytester, monkeypatch):
    pytest.importorskip("xdist")
    pytester.makepyfile(test_example=TESTS)
    monkeypatch.setenv("PYTEST_XDIST_AUTO_NUM_WORKERS", "2")
    result = run_pytest(pytester, monkeypatch, "-p", "xdist", "-n", "2", "-k", "naive")
    result.assert_outcomes(failed=1)
    seed = re.search(r"activation-oracle: seed (\d+)", result.stdout.str()).group(1)
    assert f"--activation-oracle-seed={seed}" in result.stdout.str().split("activation-oracle: seed", 1)[1].split("\n", 1)[1]
