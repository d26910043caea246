"""Make the repository root importable (for ``bench``, ``tests.oracle`` and the helpers here)."""

import sys
from pathlib import Path

ROOT = str(Path(__file__).resolve().parents[2])
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)
