"""The child process: found, started once, restarted after it dies, never hanging; and the frame
protocol refusing what breaks it. Expected values are closed forms (exit statuses, ReLU's own
definition), never the engine's answer to itself."""

import json
import os
import re
import signal
import struct
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

import activation_oracle as ao
from activation_oracle import _engine

PYPROJECT = Path(__file__).resolve().parents[1] / "pyproject.toml"


def relu_bits(x):
    """ReLU by definition on float32 bit patterns, for inputs without zeros or NaNs: a negative
    input gives +0, any other gives itself."""
    b = x.view(np.uint32)
    return np.where(b >> 31 == 1, np.uint32(0), b)


@pytest.fixture
def fresh_pool(monkeypatch):
    """A pool of its own for the test, so that environment changes take effect and nothing the
    test breaks leaks into the others."""
    saved = _engine.ENGINE._engines, _engine.ENGINE._busy
    _engine.ENGINE._engines, _engine.ENGINE._busy = [], set()
    yield _engine.ENGINE
    _engine.ENGINE.kill()
    _engine.ENGINE._engines, _engine.ENGINE._busy = saved


def test_the_engine_version_is_the_package_version():
    declared = re.search(r'^version = "(.*)"', PYPROJECT.read_text(), re.M).group(1)
    assert ao.engine_version() == declared
    if ao.__version__ != "0+source":
        assert ao.__version__ == declared


def test_one_child_serves_many_calls():
    x = np.linspace(0.5, 3, 7, dtype=np.float32)
    ao.reference("relu", x)
    pids = {e._process.pid for e in _engine.ENGINE._engines if e._alive()}
    for _ in range(20):
        ao.reference("relu", x)
    assert {e._process.pid for e in _engine.ENGINE._engines if e._alive()} == pids


def test_a_child_killed_mid_check_is_an_engine_error_and_the_next_call_restarts(fresh_pool):
    x = np.array([-2.0, 1.5, 3.25], dtype=np.float32)

    def kill_my_engine(batch):
        for engine in fresh_pool._engines:
            if id(engine) in fresh_pool._busy and engine._alive():
                os.kill(engine._process.pid, signal.SIGKILL)
        return np.zeros_like(batch)
    with pytest.raises(ao.EngineError, match="killed by signal 9.*next call starts a new one"):
        ao.check(kill_my_engine, "relu", np.float32, count=10, seed=1)
    assert np.array_equal(ao.reference("relu", x).view(np.uint32), relu_bits(x))


def test_a_child_killed_between_calls_is_restarted_silently(fresh_pool):
    x = np.array([-2.0, 1.5], dtype=np.float32)
    ao.reference("relu", x)
    (engine,) = fresh_pool._engines
    old = engine._process.pid
    os.kill(old, signal.SIGKILL)
    engine._process.wait()
    assert np.array_equal(ao.reference("relu", x).view(np.uint32), relu_bits(x))
    assert engine._process.pid != old


def test_a_bad_engine_path_is_one_clear_error(fresh_pool, monkeypatch, tmp_path):
    monkeypatch.setenv("ACTIVATION_ORACLE_BIN", str(tmp_path / "missing"))
    with pytest.raises(ao.EngineError, match="ACTIVATION_ORACLE_BIN=.*missing.*not an executable file"):
        ao.reference("relu", np.ones(3, np.float32))


def test_a_program_that_is_not_the_engine_is_refused_without_hanging(fresh_pool, monkeypatch, tmp_path):
    monkeypatch.setattr(_engine, "HELLO_SECONDS", 2.0)
    for name, body in [("exits", "#!/bin/sh\nexit 3\n"),
                       ("talks", "#!/bin/sh\necho hello there; exec sleep 100\n"),
                       ("half", "#!/bin/sh\nprintf AOF1; exec sleep 100\n"),
                       ("silent", "#!/bin/sh\nexec sleep 100\n"),
                       ("closes", "#!/bin/sh\nexec cat >/dev/null\n")]:
        fake = tmp_path / name
        fake.write_text(body)
        fake.chmod(0o755)
        monkeypatch.setenv("ACTIVATION_ORACLE_BIN", str(fake))
        with pytest.raises(ao.EngineError, match=f"{name} did not answer as an activation-oracle engine"):
            ao.reference("relu", np.ones(3, np.float32))
        fresh_pool.kill()
        fresh_pool._engines = []


def test_a_forked_child_gets_its_own_engine():
    ao.reference("relu", np.ones(2, np.float32))
    x = np.array([-1.0, 2.0, 0.5], dtype=np.float32)
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: must not use the parent's pipes
        try:
            got = ao.reference("relu", x).view(np.uint32)
            os.write(write, b"ok" if np.array_equal(got, relu_bits(x)) else b"wrong")
        except BaseException as error:  # noqa: BLE001
            os.write(write, repr(error).encode()[:200])
        finally:
            os._exit(0)
    os.close(write)
    os.waitpid(pid, 0)
    assert os.read(read, 300) == b"ok"
    os.close(read)
    assert np.array_equal(ao.reference("relu", x).view(np.uint32), relu_bits(x))  # the parent's still works


def test_threads_and_nested_calls_get_answers_of_their_own():
    x = [np.full(50_000, v, dtype=np.float32) for v in (1.5, -2.0, 7.25, 0.125)]
    results, errors = [None] * 4, []

    def work(i):
        try:
            for _ in range(5):
                results[i] = ao.reference("relu", x[i])
        except BaseException as error:  # noqa: BLE001
            errors.append(error)
    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors
    for xi, yi in zip(x, results):
        assert np.array_equal(yi.view(np.uint32), relu_bits(xi))
    # nested: the callable under check asks the reference itself (a second child serves it)
    assert ao.check(lambda b: ao.reference("tanh", b), "tanh", np.float32, count=300, seed=2).passed


# -- the raw protocol, as another client would speak it ---------------------------------------------


def frame(header, payload=b""):
    data = json.dumps(header).encode()
    return b"AOF1" + struct.pack("<IQ", len(data), len(payload)) + data + payload


def run_engine(stdin: bytes):
    binary = ao.find_binary()
    return subprocess.run([binary, "engine"], input=stdin, capture_output=True, timeout=60)


def read_frames(data: bytes):
    out = []
    while data:
        magic, n, m = struct.unpack("<4sIQ", data[:16])
        assert magic == b"AOF1"
        out.append((json.loads(data[16:16 + n]), data[16 + n:16 + n + m]))
        data = data[16 + n + m:]
    return out


def test_requests_the_engine_refuses_are_answered_and_it_stays_up():
    stdin = (frame({"op": "nonsense"}) + frame({"op": "reference", "function": "nope", "format": "f32"}, b"\0" * 4)
             + b"AOF1" + struct.pack("<IQ", 5, 0) + b"[1,2]"
             + frame({"op": "reference", "function": "relu", "format": "f32"}, b"\0\0")
             + frame({"op": "hello"}))
    result = run_engine(stdin)
    assert result.returncode == 0, result.stderr
    replies = read_frames(result.stdout)
    assert [("error" in r) for r, _ in replies] == [True, True, True, True, False]
    assert "unknown op 'nonsense'" in replies[0][0]["error"]
    assert "nope" in replies[1][0]["error"]
    assert "not a protocol JSON object" in replies[2][0]["error"] and replies[2][0]["unparsed"] is True
    assert "unparsed" not in replies[1][0]  # a request it read: its parts, if any, were read too
    assert "2 bytes is not a whole number of f32 values" in replies[3][0]["error"]
    assert replies[4][0]["protocol"] == 1


@pytest.mark.parametrize("stdin, message", [
    (b"GET / HTTP/1.1\r\n\r\n", "does not start with AOF1"),
    (b"AOF1" + struct.pack("<IQ", 1 << 30, 0), "JSON part of 1073741824 bytes is over"),
    (b"AOF1" + struct.pack("<IQ", 2, 1 << 40), "payload of 1099511627776 bytes is over"),
    (b"AOF1" + struct.pack("<IQ", 100, 0) + b"{}", "ended inside a frame"),
    (b"AOF1\x01", "ended inside a frame head"),
])
def test_a_broken_frame_is_one_line_and_exit_2(stdin, message):
    result = run_engine(stdin)
    assert result.returncode == 2
    lines = result.stderr.decode().strip().splitlines()
    assert len(lines) == 1 and message in lines[0], result.stderr
    assert result.stdout == b""


def test_an_empty_input_is_a_clean_exit():
    result = run_engine(b"")
    assert result.returncode == 0 and result.stdout == b"" and result.stderr == b""
