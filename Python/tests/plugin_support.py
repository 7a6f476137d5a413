"""Running pytest on a test file in a subprocess with this package's plugin loaded explicitly
(autoloading off, so the outcome does not depend on which other plugins are installed)."""

import os
from pathlib import Path

import activation_oracle


def run_pytest(pytester, monkeypatch, *args, seed_variable=None):
    """pytest *args in a subprocess; ACTIVATION_ORACLE_SEED is `seed_variable` (unset when None)."""
    src = str(Path(activation_oracle.__file__).resolve().parents[1])
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [src, os.environ.get("PYTHONPATH")])))
    if seed_variable is None:
        monkeypatch.delenv("ACTIVATION_ORACLE_SEED", raising=False)
    else:
        monkeypatch.setenv("ACTIVATION_ORACLE_SEED", seed_variable)
    return pytester.runpytest_subprocess("-p", "activation_oracle.pytest_plugin", "-p", "no:cacheprovider", *args,
                                         timeout=600)
