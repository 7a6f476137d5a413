"""The one long-lived `activation-oracle engine` child of this Python process, and the framing
it speaks (Python/PROTOCOL.md): a 16-byte head (b"AOF1", JSON length as uint32 LE, payload length
as uint64 LE), a JSON object, a payload of little-endian bit patterns.

The child starts on first use and again after it died (a dead child is an `EngineError` for the
call that saw it, never a hang: its pipes close). Any exception in the middle of an exchange —
KeyboardInterrupt included — kills the child, because the exchange can no longer be trusted to be
in step; the next call starts a new one. A call made while this process's engine is busy — from
another thread, or from inside the callable a `check` drives (which may well call `reference`) —
gets a second child. Other threads share at most `POOL` children (beyond that they wait for one
to be free); a call made inside another call on the same thread never waits, so nested calls
cannot deadlock (it gets a child of its own, stopped again when it is done). A forked process
starts its own."""

from __future__ import annotations

import atexit
import json
import os
import select
import shutil
import signal
import struct
import subprocess
import tempfile
import threading
import time
from importlib import metadata
from pathlib import Path

import numpy as np

MAGIC = b"AOF1"
HEAD = struct.Struct("<4sIQ")
MAXIMUM_JSON = 16 << 20
MAXIMUM_PAYLOAD = 1 << 30
#: Seconds a new child has to answer `hello`: a program that is not the engine (or an engine
#: that cannot start) is an EngineError after this, never a hang.
HELLO_SECONDS = 60.0


class EngineError(RuntimeError):
    """The oracle engine could not be started or died; the next call starts a new one."""

    def __init__(self, message: str, reason: str = ""):
        super().__init__(message)
        self.reason = reason  # the short cause, for a message that wraps it


def find_binary() -> str:
    """The `activation-oracle` executable: $ACTIVATION_ORACLE_BIN, else the one inside the
    installed wheel, else the newer of .build/release and .build/debug of the Swift package this
    file sits in (development), else `activation-oracle` on PATH."""
    env = os.environ.get("ACTIVATION_ORACLE_BIN")
    if env:
        if not (os.path.isfile(env) and os.access(env, os.X_OK)):
            raise EngineError(f"ACTIVATION_ORACLE_BIN={env!r} is not an executable file")
        return env
    here = Path(__file__).resolve().parent
    bundled = here / "_bin" / "activation-oracle"
    if bundled.is_file():
        if not os.access(bundled, os.X_OK):
            bundled.chmod(bundled.stat().st_mode | 0o111)
        return str(bundled)
    for parent in here.parents:
        if (parent / "Package.swift").is_file():
            built = [c for c in (parent / ".build" / config / "activation-oracle" for config in ("release", "debug")) if c.is_file()]
            if built:  # the one built last: the source tree's current state
                return str(max(built, key=lambda c: c.stat().st_mtime))
            break
    on_path = shutil.which("activation-oracle")
    if on_path:
        return on_path
    raise EngineError("no activation-oracle executable: install the wheel (Scripts/build-wheel builds it), or build the "
                      "Swift package (swift build -c release) and set ACTIVATION_ORACLE_BIN to .build/release/activation-oracle")


def package_version():
    """The installed distribution's version, or None when imported from the source tree."""
    try:
        return metadata.version("activation-oracle")
    except metadata.PackageNotFoundError:
        return None


class InStep(Exception):
    """Raised with the exchange still in step: the engine stays up."""


class RequestError(InStep, ValueError):
    """The engine refused a request (unknown function, parameter outside its domain, ...)."""


class Engine:
    def __init__(self):
        self._process = None
        self._pid = None
        self._stderr = None
        self.binary = None
        self.version = None

    # -- the child ------------------------------------------------------------------------------
    def _start(self):
        self.binary = find_binary()
        self._stderr = tempfile.TemporaryFile()
        try:
            # Unbuffered stdout: reads go straight into the result's buffer, and `select` on its
            # descriptor tells the truth (nothing hides in a Python-side buffer).
            # Its own process group: `kill` stops whatever a wrapper script started too, and a
            # Ctrl-C reaches Python alone (which then stops the child).
            self._process = subprocess.Popen([self.binary, "engine"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                             stderr=self._stderr, bufsize=0, start_new_session=True)
        except OSError as error:
            raise EngineError(f"cannot start {self.binary} engine: {error}") from None
        self._pid = os.getpid()
        try:
            self._send({"op": "hello"})
            reply, _ = self._receive(deadline=time.monotonic() + HELLO_SECONDS)
        except EngineError as error:
            self.kill()
            raise EngineError(f"{self.binary} did not answer as an activation-oracle engine ({error.reason})") from None
        except (ValueError, UnicodeDecodeError):
            reply = {}
        if not isinstance(reply, dict) or reply.get("protocol") != 1 or "version" not in reply:
            self.kill()
            raise EngineError(f"{self.binary} did not answer as an activation-oracle engine of protocol 1")
        self.version = reply["version"]
        package = package_version()
        if package is not None and package != self.version:
            self.kill()
            raise EngineError(f"{self.binary} is activation-oracle {self.version} but this package is {package}: an engine of "
                              "another version may ignore options it does not know (use the wheel's own engine: unset ACTIVATION_ORACLE_BIN)")

    def _alive(self) -> bool:
        return self._process is not None and self._pid == os.getpid() and self._process.poll() is None

    def kill(self):
        """Stops the child (it is restarted by the next call)."""
        process, self._process = self._process, None
        if process is not None and self._pid == os.getpid():
            try:
                try:
                    os.killpg(process.pid, signal.SIGKILL)
                except OSError:
                    process.kill()
                process.wait(timeout=10)
            except Exception:  # noqa: BLE001 - best effort at shutdown
                pass
            for stream in (process.stdin, process.stdout):
                try:
                    stream.close()
                except Exception:  # noqa: BLE001
                    pass

    def _death(self, when: str) -> "EngineError":
        process = self._process
        code = process.poll() if process is not None else None
        if code is None and process is not None:
            try:
                code = process.wait(timeout=2)
            except subprocess.TimeoutExpired:
                code = None
        tail = ""
        if self._stderr is not None:
            try:
                self._stderr.seek(0)
                text = self._stderr.read()[-2000:].decode("utf-8", "replace").strip()
                tail = f" ({text.splitlines()[-1]})" if text else ""
            except Exception:  # noqa: BLE001
                pass
        how = "is gone" if code is None else (f"was killed by signal {-code}" if code < 0 else f"exited with status {code}")
        self.kill()
        return EngineError(f"the activation-oracle engine ({self.binary}) {how} {when}{tail}; the next call starts a new one",
                           reason=f"it {how}{tail}")

    # -- frames ---------------------------------------------------------------------------------
    def _send(self, header: dict, payload=b""):
        data = json.dumps(header).encode()
        if len(data) > MAXIMUM_JSON:
            raise RequestError(f"a request of {len(data)} bytes is over the protocol's {MAXIMUM_JSON} (a name or parameter far too long)")
        payload = memoryview(payload).cast("B") if not isinstance(payload, (bytes, bytearray)) else payload
        try:
            for part in (HEAD.pack(MAGIC, len(data), len(payload)) + data, payload):
                view, done = memoryview(part), 0
                while done < len(view):  # an unbuffered pipe may take less than all (a signal)
                    done += self._process.stdin.write(view[done:]) or 0
        except (BrokenPipeError, OSError, ValueError):
            raise self._death("while a request was sent") from None

    def _read_exactly(self, n: int, deadline=None) -> bytearray:
        buffer = bytearray(n)
        view, got, stream = memoryview(buffer), 0, self._process.stdout
        while got < n:
            if deadline is not None and not select.select([stream], [], [], max(0.0, deadline - time.monotonic()))[0]:
                self.kill()
                raise EngineError(f"{self.binary}: no answer within {HELLO_SECONDS:g} s", reason=f"no answer within {HELLO_SECONDS:g} s")
            k = stream.readinto(view[got:])
            if not k:
                raise self._death("while an answer was read")
            got += k
        return buffer

    def _receive(self, deadline=None):
        magic, json_length, payload_length = HEAD.unpack(self._read_exactly(HEAD.size, deadline))
        if magic != MAGIC or json_length > MAXIMUM_JSON or payload_length > MAXIMUM_PAYLOAD:
            self.kill()
            raise EngineError(f"the activation-oracle engine ({self.binary}) answered out of protocol (a frame without AOF1 "
                              "or over the limits); the next call starts a new one", reason="it answered out of protocol")
        header = json.loads(self._read_exactly(json_length, deadline)) if json_length else {}
        payload = self._read_exactly(payload_length, deadline) if payload_length else b""
        return header, payload

    def _exchange(self, header: dict, payload=b""):
        self._send(header, payload)
        reply, data = self._receive()
        if "error" in reply and not reply.get("aborted"):
            raise RequestError(reply["error"])
        return reply, data

    # -- calls ----------------------------------------------------------------------------------
    def call(self, body):
        """Runs `body(engine)` (the pool lent this engine to the caller alone); any exception inside kills the child
        unless the exchange is still in step (`InStep`: a refusal the engine answered)."""
        if not self._alive():
            self.kill()
            self._start()
        try:
            return body(self)
        except InStep:
            raise
        except BaseException:
            self.kill()
            raise



#: The most children the threads of one process share (a nested call gets one beyond these).
POOL = 8

_local = threading.local()


class Pool:
    """The engines of this process: the first free one serves a call. A thread that already
    holds one (a call inside a check's callable) never waits: it gets a new child, so that no
    cycle of waits can form; other threads wait for a free child when `POOL` are busy."""

    def __init__(self):
        self._condition = threading.Condition()
        self._engines = []
        self._busy = set()

    def call(self, body):
        held = getattr(_local, "depth", 0)
        with self._condition:
            while True:
                engine = next((e for e in self._engines if id(e) not in self._busy), None)
                if engine is None and (len(self._engines) < POOL or held):
                    engine = Engine()
                    self._engines.append(engine)
                if engine is not None:
                    self._busy.add(id(engine))
                    break
                self._condition.wait()
        _local.depth = held + 1
        try:
            return engine.call(body)
        finally:
            _local.depth = held
            surplus = None
            with self._condition:
                self._busy.discard(id(engine))
                if len(self._engines) > POOL:  # a nested call's extra child: stop it
                    self._engines.remove(engine)
                    surplus = engine
                self._condition.notify()
            if surplus is not None:
                surplus.kill()

    def request(self, header: dict, payload=b""):
        return self.call(lambda engine: engine._exchange(header, payload))

    @property
    def version(self):
        return next((e.version for e in self._engines if e.version), None)

    def kill(self):
        """Stops every child (each is started again when needed)."""
        for engine in list(self._engines):
            engine.kill()


ENGINE = Pool()


def _after_fork():
    # The parent's children and locks are the parent's: this process starts its own.
    ENGINE._engines = []
    ENGINE._busy = set()
    ENGINE._condition = threading.Condition()


os.register_at_fork(after_in_child=_after_fork)


@atexit.register
def _shutdown():
    ENGINE.kill()


def payload_bits(data: bytes, width: int) -> np.ndarray:
    return np.frombuffer(data, dtype={8: "u1", 16: "<u2", 32: "<u4", 64: "<u8"}[width])
