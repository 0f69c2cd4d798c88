"""The engine is a library on its own: importing all of it must not import Django."""

from __future__ import annotations

import subprocess
import sys

PROGRAM = """
import pkgutil, importlib, sys
import riskdesk.engine
for module in pkgutil.walk_packages(riskdesk.engine.__path__, "riskdesk.engine."):
    importlib.import_module(module.name)
leaked = sorted(name for name in sys.modules if name == "django" or name.startswith("django."))
print(",".join(leaked))
"""


def test_engine_imports_no_django() -> None:
    result = subprocess.run(
        [sys.executable, "-c", PROGRAM], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""
