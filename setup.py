"""Builds the vendored durable_rules C core; everything else is declared in pyproject.toml."""

import sys
from pathlib import Path

from setuptools import Extension, setup

CORE = Path("src/kamadvisor/_durable/csrc")
LIMITED_API = "0x030B0000"  # Python 3.11: one abi3 build serves 3.11 and every later Python
# A missing include is an error in GCC 14 and clang: make it one on every compiler we build with.
unix_flags = (
    [] if sys.platform == "win32" else ["-std=c99", "-Werror=implicit-function-declaration"]
)

engine = Extension(
    "kamadvisor._durable.durable_rules_engine",
    sources=[str(CORE / "rulespy/rules.c")]
    + [str(CORE / f"rules/{name}.c") for name in ("json", "rete", "state", "events", "regex")],
    include_dirs=[str(CORE / "rules")],
    define_macros=[("Py_LIMITED_API", LIMITED_API), ("_GNU_SOURCE", None)],
    extra_compile_args=unix_flags,
    py_limited_api=True,
)

setup(ext_modules=[engine], options={"bdist_wheel": {"py_limited_api": "cp311"}})
