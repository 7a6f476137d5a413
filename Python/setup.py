"""Only what pyproject.toml cannot say: a wheel that carries the engine executable
(src/activation_oracle/_bin/activation-oracle, put there by Scripts/build-wheel in a staging copy)
is a platform wheel (platlib, so that auditwheel can vendor the engine's libraries) but does not
depend on the Python version: tag py3-none-<platform>. Without the engine it is a pure wheel."""

from pathlib import Path

from setuptools import setup
from setuptools.command.bdist_wheel import bdist_wheel
from setuptools.dist import Distribution

BUNDLED = (Path(__file__).resolve().parent / "src" / "activation_oracle" / "_bin" / "activation-oracle").is_file()


class EngineDistribution(Distribution):
    def has_ext_modules(self):
        return BUNDLED


class EngineWheel(bdist_wheel):
    def get_tag(self):
        python, abi, platform = super().get_tag()
        return ("py3", "none", platform) if BUNDLED else (python, abi, platform)


setup(distclass=EngineDistribution, cmdclass={"bdist_wheel": EngineWheel})
