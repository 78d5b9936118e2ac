"""Cold start: import + build the skill + answer one LaunchRequest, next to a minimal ask-sdk-core skill.

Each run is a fresh Python process with an empty HOME and an empty KINDWELL_CACHE (temporary
folders), as on a new Lambda container or a first `kindwell` run. The child times itself from its
first line (interpreter start-up is the same for both and is left out) to the response envelope,
and reports its CPU time (less sensitive to a busy machine than wall time) and peak resident memory.
Variants:

- kindwell: `skill.app.build_skill()` over SQLite, then `skill.envelopes.invoke` with the envelope;
- lambda: `skill.web.lambda_function.lambda_handler(envelope, None)` with KINDWELL_PERSISTENCE=sqlite
  (the real Lambda defaults to DynamoDB, whose boto3 import and network round trip are left out);
- minimal: an ask-sdk-core skill with one LaunchRequest handler, through the SDK's own lambda_handler.

Prints the median of N runs for each, and KindWell's ratio to the minimal skill (goal: at most 4x).

Usage: python bench/cold_start.py [--runs 7]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ENVELOPE = ROOT / "tests" / "fixtures" / "requests" / "launch.json"
GOAL_RATIO = 4.0

_CHILD_PRELUDE = """
import time
_t0, _cpu0 = time.perf_counter(), time.process_time()
import json, resource, sys
envelope = json.loads(open(sys.argv[1], encoding="utf-8").read())
"""

_CHILD_EPILOGUE = """
_seconds, _cpu = time.perf_counter() - _t0, time.process_time() - _cpu0
speech = response["response"]["outputSpeech"]
assert speech.get("ssml") or speech.get("text"), response
print(json.dumps({"seconds": _seconds, "cpu": _cpu, "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "sklearn": "sklearn" in sys.modules, "scipy": "scipy" in sys.modules}))
"""

CHILDREN = {
    "kindwell": """
from skill.app import build_skill
from skill.envelopes import invoke
response = invoke(build_skill(), envelope)
""",
    "lambda": """
from skill.web.lambda_function import lambda_handler
response = lambda_handler(envelope, None)
""",
    "minimal": """
from ask_sdk_core.dispatch_components import AbstractRequestHandler
from ask_sdk_core.skill_builder import SkillBuilder
from ask_sdk_core.utils import is_request_type

class LaunchHandler(AbstractRequestHandler):
    def can_handle(self, handler_input):
        return is_request_type("LaunchRequest")(handler_input)

    def handle(self, handler_input):
        return handler_input.response_builder.speak("Welcome.").ask("What would you like?").response

builder = SkillBuilder()
builder.add_request_handler(LaunchHandler())
response = builder.lambda_handler()(envelope, None)
""",
}


def run_once(variant: str) -> dict[str, float]:
    """One fresh process with an empty HOME and cache; its self-measured seconds and peak RSS."""
    with tempfile.TemporaryDirectory(prefix="kindwell-cold-") as home:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("KINDWELL_", "XDG_"))}
        # A deployed package has its .pyc files (pip writes them); with this set, every run would
        # compile KindWell's sources again while the SDK's installed ones are already compiled.
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env.update(
            HOME=home,
            KINDWELL_CACHE=str(Path(home) / "cache"),
            KINDWELL_DB=str(Path(home) / "kindwell.sqlite3"),
            KINDWELL_PERSISTENCE="sqlite",
            PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
        )
        (Path(home) / "cache").mkdir()
        script = _CHILD_PRELUDE + CHILDREN[variant] + _CHILD_EPILOGUE
        command = [sys.executable, "-c", script, str(ENVELOPE)]
        done = subprocess.run(command, env=env, cwd=home, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{variant} run failed:\n{done.stderr}")
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="fresh processes per variant (median reported)")
    parser.add_argument("--variants", nargs="+", default=["minimal", "kindwell", "lambda"], choices=sorted(CHILDREN))
    args = parser.parse_args()
    for variant in args.variants:
        run_once(variant)  # not counted: writes the .pyc files a deployed package would already have
    # Round-robin, so that a busy machine slows every variant alike.
    results: dict[str, list[dict[str, float]]] = {variant: [] for variant in args.variants}
    for _ in range(args.runs):
        for variant in args.variants:
            results[variant].append(run_once(variant))
    medians: dict[str, float] = {}
    cpu_medians: dict[str, float] = {}
    for variant, runs in results.items():
        seconds = statistics.median(r["seconds"] for r in runs)
        cpu = statistics.median(r["cpu"] for r in runs)
        rss = statistics.median(r["rss_mb"] for r in runs)
        medians[variant] = seconds
        cpu_medians[variant] = cpu
        heavy = [name for name in ("sklearn", "scipy") if any(r[name] for r in runs)]
        note = f"  imported {', '.join(heavy)}" if heavy else ""
        print(
            f"{variant:9s} median {seconds:6.3f} s  (min {min(r['seconds'] for r in runs):.3f}, "
            f"max {max(r['seconds'] for r in runs):.3f})  CPU {cpu:6.3f} s  peak RSS {rss:6.1f} MB{note}"
        )
    if "minimal" not in medians:
        return 0
    worst = 0.0
    for variant, seconds in medians.items():
        if variant != "minimal":
            ratio = seconds / medians["minimal"]
            worst = max(worst, ratio)
            print(
                f"{variant} / minimal: {ratio:.1f}x wall time (goal <= {GOAL_RATIO:.0f}x), "
                f"{cpu_medians[variant] / cpu_medians['minimal']:.1f}x CPU time"
            )
    return 0 if worst <= GOAL_RATIO else 1


if __name__ == "__main__":
    sys.exit(main())
