"""The Lambda package: its unpacked size against AWS's 250 MB limit, and that it answers on its own.

Builds the package the README describes (`make lambda-package` runs this with --keep), from a copy of
this checkout (so no build/ or egg-info lands in it): `pip install . -t package/`, without the
`dynamodb` extra, since boto3 and botocore (all the DynamoDB adapter needs) come with Lambda's Python
runtime (they would add 25 MiB). Then:

- reports the unpacked size (the sum of file sizes, in MiB as AWS counts them) and the 5 largest
  top-level entries;
- runs the package's Lambda entry in an isolated interpreter that sees only the package and the
  standard library, as Lambda does: a LaunchRequest, then a check-in whose free text goes through the
  crisis classifier, with SQLite standing in for DynamoDB. It must answer both from the shipped
  weights without scikit-learn.

Exits 1 when the package is over the limit or does not answer.

Usage: python bench/lambda_size.py [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LIMIT_MIB = 250
FIXTURES = ROOT / "tests" / "fixtures" / "requests"
_COPY_IGNORE = shutil.ignore_patterns(
    ".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", ".mypy_cache", ".ruff_cache", ".pytest_cache",
    ".hypothesis", "out", "*.sqlite3",
)  # fmt: skip

_SMOKE = """
import json, sys
sys.path.insert(0, sys.argv[1])
from skill.web.lambda_function import lambda_handler
from skill.safety import default_safety
for name in sys.argv[2:]:
    with open(name, encoding="utf-8") as handle:
        response = lambda_handler(json.load(handle), None)
    speech = response["response"]["outputSpeech"]
    assert speech.get("ssml") or speech.get("text"), response
classifier = default_safety().classifier
print(json.dumps({
    "answered": len(sys.argv) - 2,
    "weights_shipped": classifier.weights.shipped,
    "weights_loaded": classifier.weights.loaded,
    "sklearn": "sklearn" in sys.modules,
    "scipy": "scipy" in sys.modules,
}))
"""


def build(package: Path, work: Path) -> None:
    """pip install . -t package, from a clean copy (boto3, for DynamoDB, is Lambda's own)."""
    source = work / "source"
    shutil.copytree(ROOT, source, ignore=_COPY_IGNORE)
    command = [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    done = subprocess.run([*command, ".", "-t", str(package)], cwd=source, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"pip install failed:\n{done.stderr[-4000:]}")


def sizes(package: Path) -> dict[str, int]:
    """Bytes under each top-level entry of the package."""
    totals: dict[str, int] = {}
    for entry in package.iterdir():
        files = [entry] if entry.is_file() else [p for p in entry.rglob("*") if p.is_file() and not p.is_symlink()]
        totals[entry.name] = sum(p.stat().st_size for p in files)
    return totals


def smoke(package: Path, work: Path) -> dict[str, object]:
    """Answer fixture envelopes through the package's Lambda entry, with nothing but the package on the path."""
    env = {
        "HOME": str(work),
        "PATH": "/usr/bin:/bin",
        "KINDWELL_PERSISTENCE": "sqlite",
        "KINDWELL_DB": str(work / "progress.sqlite3"),
        "KINDWELL_CACHE": str(work / "cache"),
    }
    envelopes = [str(FIXTURES / "launch.json"), str(FIXTURES / "checkin_anxious.json")]
    # -I ignores PYTHON* variables and the user site; -S leaves out site-packages: package + stdlib only.
    command = [sys.executable, "-I", "-S", "-c", _SMOKE, str(package), *envelopes]
    done = subprocess.run(command, env=env, cwd=work, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"The Lambda package did not answer:\n{done.stderr[-4000:]}")
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", type=Path, help="build the package in this (new) folder and leave it there")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kindwell-lambda-") as tmp:
        work = Path(tmp)
        package = args.keep.resolve() if args.keep else work / "package"
        build(package, work)
        totals = sizes(package)
        total_mib = sum(totals.values()) / 2**20
        print(f"Lambda package: {total_mib:.1f} MiB unpacked (limit {LIMIT_MIB} MiB)")
        for name, size in sorted(totals.items(), key=lambda item: -item[1])[:5]:
            print(f"  {name:32s} {size / 2**20:7.1f} MiB")
        result = smoke(package, work)
    print(f"Lambda entry answered {result['answered']} requests: " + json.dumps(result))
    problems = []
    if total_mib > LIMIT_MIB:
        problems.append(f"the package is {total_mib:.1f} MiB, over Lambda's {LIMIT_MIB} MiB")
    if result["sklearn"] or result["scipy"]:
        problems.append("serving imported scikit-learn or scipy")
    if not (result["weights_shipped"] and result["weights_loaded"]):
        problems.append("the crisis classifier did not load from the shipped weights")
    for problem in problems:
        print(f"FAIL: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
