"""Make the repository root importable, for ``bench`` and ``tests.oracle``.

(``tests/`` is not a package and pyproject sets no ``pythonpath``.)
"""

import sys
from pathlib import Path

ROOT = str(Path(__file__).resolve().parents[2])
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)
