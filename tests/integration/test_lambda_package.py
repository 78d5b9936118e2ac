"""The Lambda package the README describes fits AWS's limit and answers on its own, without scikit-learn."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_lambda_package_fits_under_250_mib_and_answers_from_shipped_weights() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "lambda_size.py")], capture_output=True, text=True, timeout=880
    )
    assert done.returncode == 0, done.stdout + done.stderr
    size = re.search(r"Lambda package: ([\d.]+) MiB unpacked", done.stdout)
    assert size is not None and float(size.group(1)) < 250
    assert '"sklearn": false' in done.stdout and '"weights_loaded": true' in done.stdout
