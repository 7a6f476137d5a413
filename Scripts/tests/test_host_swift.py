"""Scripts/host-swift: the build for the host CPU that the README's main job and benchmark use.

What it should choose is worked out here from /proc/cpuinfo on its own (Haswell's features: AVX,
AVX2, FMA, BMI1/2, F16C, MOVBE, POPCNT, SSE4.2, LZCNT as `abm`; skylake-avx512 with AVX-512 F, CD,
BW, DQ and VL besides); HOST_SWIFT_PRINT=1 makes the script print its swift command instead of
running it.
"""
import os
import platform
import subprocess

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRIPT = os.path.join(ROOT, "Scripts", "host-swift")
HASWELL = {"avx", "avx2", "fma", "bmi1", "bmi2", "f16c", "movbe", "popcnt", "sse4_2", "abm"}
AVX512 = {"avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"}


def host(*args, **env):
    e = dict(os.environ, HOST_SWIFT_PRINT="1")
    e.pop("ACTIVATION_ORACLE_CPU", None)
    e.update(env)
    return subprocess.run([SCRIPT, *args], capture_output=True, text=True, env=e)


def expected_cpu():
    if platform.machine() != "x86_64" or not os.path.exists("/proc/cpuinfo"):
        return None
    with open("/proc/cpuinfo") as f:
        flags = next((line.split(":", 1)[1].split() for line in f if line.startswith("flags")), [])
    if not HASWELL <= set(flags):
        return None
    return "skylake-avx512" if AVX512 <= set(flags) else "haswell"


def test_chooses_the_host_build_and_keeps_the_arguments_in_place():
    r = host("run", "-c", "release", "activation-oracle", "check", "--format", "f32")
    assert r.returncode == 0, r.stderr
    cpu = expected_cpu()
    if cpu:
        assert r.stdout.strip() == (f"swift run --scratch-path .build-{cpu} -Xswiftc -target-cpu -Xswiftc {cpu} "
                                    f"-Xcc -march={cpu} -c release activation-oracle check --format f32")
        assert f"the {cpu} build" in r.stderr
    else:
        assert r.stdout.strip() == "swift run -c release activation-oracle check --format f32"
        assert "the default build" in r.stderr


def test_asked_builds_and_bad_requests():
    r = host("build", "-c", "release", ACTIVATION_ORACLE_CPU="default")
    assert r.returncode == 0 and r.stdout.strip() == "swift build -c release"
    r = host("build", ACTIVATION_ORACLE_CPU="skylake-avx512")
    assert r.returncode == 0 and "-target-cpu -Xswiftc skylake-avx512 -Xcc -march=skylake-avx512" in r.stdout
    for args, env, message in [((), {}, "give a swift subcommand"),
                               (("build",), {"ACTIVATION_ORACLE_CPU": "sapphirerapids"}, "ACTIVATION_ORACLE_CPU must be")]:
        r = host(*args, **env)
        assert r.returncode == 2 and message in r.stderr and r.stderr.count("\n") == 1 and r.stdout == "", r.stderr
