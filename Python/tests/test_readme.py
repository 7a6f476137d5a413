"""The README's "From Python" pytest file, run as written: PyTorch's GELU and its autograd
derivative fail in float32 and bfloat16 with the tail-loss classes and shrunk inputs in the
message; the float64-with-erfc implementation passes. Needs torch (skipped without it)."""

import re
from pathlib import Path

import pytest

from plugin_support import run_pytest

README = Path(__file__).resolve().parents[2] / "README.md"


def readme_example() -> str:
    section = README.read_text().split("## From Python", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```python\n(.*?)```", section, re.S)
    files = [b for b in blocks if b.startswith("# test_gelu.py")]
    assert len(files) == 1, "README: the From Python section has one block starting '# test_gelu.py'"
    return files[0]


def test_the_readme_example_is_there():
    assert "ao.check(torch.nn.functional.gelu" in readme_example()


def test_the_readme_example_catches_torch_and_passes_the_float64_gelu(pytester, monkeypatch):
    pytest.importorskip("torch")
    pytester.makepyfile(test_gelu=readme_example())
    result = run_pytest(pytester, monkeypatch, "test_gelu.py", "-rA", "--activation-oracle-seed=7")
    out = result.stdout.str()
    result.assert_outcomes(failed=4, passed=2)
    for name in ("test_torch_gelu[dtype0]", "test_torch_gelu[dtype1]",
                 "test_torch_gelu_derivative[dtype0]", "test_torch_gelu_derivative[dtype1]"):
        assert f"FAILED test_gelu.py::{name}" in out
    for name in ("test_gelu_via_float64[dtype0]", "test_gelu_via_float64[dtype1]"):
        assert f"PASSED test_gelu.py::{name}" in out
    # the float32 value: zeros in the left tail (finite class) and flushed subnormals, each shrunk
    assert re.search(r"verify gelu value, f32.*?classes: nan \d+, inf \d+, zero_sign \d+, subnormal [1-9]\d*, finite [1-9]", out, re.S)
    assert re.search(r"simplest failing input per class \(after shrinking\):.*subnormal x = -1[0-9.]+ .*finite x = -?[0-9.]+ ", out)
    assert "replay: pytest test_gelu.py::test_torch_gelu[dtype0] --activation-oracle-seed=7" in out
