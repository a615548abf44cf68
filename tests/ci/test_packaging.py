"""pyproject.toml builds without setuptools' deprecation warnings (PEP 639 licence metadata)."""

from __future__ import annotations

from packaging.requirements import Requirement
from packaging.version import Version
from support import REPO

from harness.settings import tomllib

PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
# The first setuptools that reads `project.license` as an SPDX expression; older ones refuse the string.
SPDX_LICENSE_SETUPTOOLS = Version("77")


def test_the_license_is_an_spdx_expression_not_a_table() -> None:
    # `license = { text = ... }` makes setuptools warn, three times an install, that such builds stop after 2027-02-18.
    assert PYPROJECT["project"]["license"] == "MIT"


def test_the_build_backend_required_reads_spdx_licenses() -> None:
    setuptools = next(Requirement(r) for r in PYPROJECT["build-system"]["requires"] if Requirement(r).name == "setuptools")
    lowest = [Version(spec.version) for spec in setuptools.specifier if spec.operator in (">=", "==", "~=")]
    assert lowest and min(lowest) >= SPDX_LICENSE_SETUPTOOLS, f"build-system needs setuptools>={SPDX_LICENSE_SETUPTOOLS}"
