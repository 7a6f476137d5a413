"""pytest plugin (entry point `pytest11`, loaded when the package is installed).

- `--activation-oracle-seed=N`: the seed of every `check` that does not pass its own; without it
  $ACTIVATION_ORACLE_SEED, else one drawn per session; printed in the header, so a failing run can
  be replayed.
- the `activation_oracle` fixture: the package itself (`activation_oracle.check(...)`, ...).
- a failed test that ran a `check` with the session's seed (random inputs, not a 16-bit format's
  every input) gets a report section naming the replay command; other failures get nothing.
- with pytest-xdist, the workers use the seed the controller drew and printed."""

from __future__ import annotations

import os
import secrets

import pytest

import activation_oracle

_SEEDS_KEY = pytest.StashKey[list]()


def pytest_addoption(parser):
    group = parser.getgroup("activation-oracle")
    group.addoption("--activation-oracle-seed", action="store", default=None, metavar="N",
                    help="seed of the random inputs of activation_oracle.check (default: a new one per session, printed)")


def pytest_configure(config):
    worker = getattr(config, "workerinput", None)  # pytest-xdist: the controller's seed
    text, source = config.getoption("--activation-oracle-seed"), "--activation-oracle-seed"
    if worker and "activation_oracle_seed" in worker:
        text, source = str(worker["activation_oracle_seed"]), "the xdist controller's seed"
    if text is None:
        text, source = os.environ.get("ACTIVATION_ORACLE_SEED"), "ACTIVATION_ORACLE_SEED"
    if text is None:
        seed = secrets.randbits(63)
    else:
        try:
            seed = activation_oracle.parse_seed(text, source)
        except ValueError as error:
            raise pytest.UsageError(str(error)) from None
    activation_oracle.session_seed = seed
    config.stash[_SEEDS_KEY] = [seed]


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node):
    """pytest-xdist: every worker uses the seed the controller drew and printed."""
    node.workerinput["activation_oracle_seed"] = node.config.stash[_SEEDS_KEY][0]


def pytest_unconfigure(config):
    activation_oracle.session_seed = None


def pytest_report_header(config):
    seeds = config.stash.get(_SEEDS_KEY, None)
    if seeds:
        return f"activation-oracle: seed {seeds[0]} (replay: --activation-oracle-seed={seeds[0]})"
    return None


@pytest.fixture(name="activation_oracle")
def activation_oracle_fixture():
    """The activation_oracle package: reference, compare, assert_ulp, check, inputs."""
    return activation_oracle


_USES_KEY = pytest.StashKey[int]()


def pytest_runtest_setup(item):
    item.stash[_USES_KEY] = activation_oracle.session_seed_uses


# hookwrapper (not wrapper=True): works with every pluggy that pytest 7 allows
@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    used = activation_oracle.session_seed_uses - item.stash.get(_USES_KEY, activation_oracle.session_seed_uses)
    if report.when == "call" and report.failed and used > 0:
        seed = activation_oracle.session_seed
        report.sections.append(("activation-oracle", f"checks without seed= used seed {seed}; replay: "
                                                      f"pytest {item.nodeid} --activation-oracle-seed={seed}"))
