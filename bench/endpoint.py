"""Endpoint benchmark: the verified KindWell endpoint next to a bare Flask JSON echo, same gunicorn, same run.

Both apps run under gunicorn on loopback with identical settings. N concurrent clients (default 50)
send the same stream of signed Alexa requests (a mix of launches, practices, affirmations, help and
progress from many users) to each; the skill verifies every signature against a locally generated CA.
Reports requests/s, p50 and p99 latency for both and the throughput ratio.

The load generator is wrk when installed (`apt-get install wrk`; it costs little CPU), else a Python
one with one keep-alive connection per client (which competes with the server for the same cores).

Usage: python bench/endpoint.py [--clients 50] [--seconds 5] [--rounds 3] [--workers 2] [--threads 4]
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from testkit.alexa_pki import TEST_SKILL_ID, SigningIdentity, root_ca, signing_identity  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures" / "requests"

MIX = ["launch", "start_practice_breath_10", "affirmation", "amazon_help", "progress", "list_practices", "amazon_next"]

WRK_SCRIPT = r"""
local requests = {}
local index = 0
init = function(args)
  local file = assert(io.open(args[1], "r"))
  for line in file:lines() do
    local signature, body = line:match("^([^\t]*)\t(.*)$")
    requests[#requests + 1] = wrk.format("POST", "/alexa", {
      ["Content-Type"] = "application/json",
      ["SignatureCertChainUrl"] = args[2],
      ["Signature-256"] = signature,
    }, body)
  end
  file:close()
  index = math.random(#requests)
end
request = function()
  index = index % #requests + 1
  return requests[index]
end
done = function(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    '{"requests": %d, "seconds": %f, "p50_ms": %f, "p99_ms": %f, "non_2xx": %d, "socket_errors": %d}\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1e3, latency:percentile(99) / 1e3,
    errors.status, errors.connect + errors.read + errors.write + errors.timeout))
end
"""


def signed_requests(identity: SigningIdentity, users: int) -> list[tuple[str, bytes]]:
    """One signed request per user and kind of request, stamped now (good for 150 s)."""
    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    out: list[tuple[str, bytes]] = []
    for user in range(users):
        for name in MIX:
            envelope = json.loads((FIXTURES / f"{name}.json").read_text())
            for holder in (envelope["session"], envelope["context"]["System"]):
                holder["user"]["userId"] = f"amzn1.ask.account.BENCH{user:05d}"
            envelope["request"]["timestamp"] = stamp
            body = json.dumps(envelope, separators=(",", ":")).encode()
            out.append((identity.signature(body), body))
    return out


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def start_gunicorn(
    factory: str, port: int, args: argparse.Namespace, env: dict[str, str], log: IO[bytes] | None = None
) -> subprocess.Popen[bytes]:
    """gunicorn serving factory on 127.0.0.1:port, once /healthz answers; its output goes to log when given."""
    command = [
        sys.executable, "-m", "gunicorn", "-c", "python:skill.web.gunicorn_config", "--worker-class", "gthread",
        "--workers", str(args.workers), "--threads", str(args.threads), "--bind", f"127.0.0.1:{port}",
        "--log-level", "warning", "--backlog", "2048", "--keep-alive", "5", factory,
    ]  # fmt: skip
    process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=log, stderr=log)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited with status {process.returncode} before serving {factory}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit(f"gunicorn did not start {factory}")


def run_wrk(port: int, requests_file: Path, cert_url: str, seconds: float, clients: int) -> dict[str, Any]:
    script = requests_file.with_suffix(".lua")
    script.write_text(WRK_SCRIPT)
    duration = f"{max(1, round(seconds))}s"
    command = ["wrk", "-t", "2", "-c", str(clients), "-d", duration, "--timeout", "5s", "-s", str(script),
               f"http://127.0.0.1:{port}/alexa", "--", str(requests_file), cert_url]  # fmt: skip
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    summary: dict[str, Any] = json.loads(output.strip().splitlines()[-1])
    summary["rps"] = summary["requests"] / summary["seconds"]
    return summary


def run_python(
    port: int, requests: list[tuple[str, bytes]], cert_url: str, seconds: float, clients: int
) -> dict[str, Any]:
    latencies: list[float] = []
    failures = [0]
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def client(offset: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        mine: list[float] = []
        index = offset
        while time.monotonic() < stop:
            signature, body = requests[index % len(requests)]
            index += 1
            headers = {
                "Content-Type": "application/json",
                "SignatureCertChainUrl": cert_url,
                "Signature-256": signature,
            }
            started = time.perf_counter()
            connection.request("POST", "/alexa", body=body, headers=headers)
            response = connection.getresponse()
            response.read()
            mine.append(time.perf_counter() - started)
            if response.status != 200:
                with lock:
                    failures[0] += 1
        with lock:
            latencies.extend(mine)

    began = time.monotonic()
    threads = [threading.Thread(target=client, args=(i * 37,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - began
    cuts = statistics.quantiles(latencies, n=100)
    return {"requests": len(latencies), "seconds": elapsed, "rps": len(latencies) / elapsed, "p50_ms": cuts[49] * 1000,
            "p99_ms": cuts[98] * 1000, "non_2xx": failures[0], "socket_errors": 0}  # fmt: skip


@contextmanager
def served(factory: str, args: argparse.Namespace, env: dict[str, str], log: IO[bytes] | None = None) -> Iterator[int]:
    """An app under gunicorn on a free loopback port, for the duration of the block."""
    port = free_port()
    process = start_gunicorn(factory, port, args, env, log)
    try:
        yield port
    finally:
        process.terminate()
        process.wait(timeout=30)


def load(port: int, args: argparse.Namespace, identity: SigningIdentity, work: Path, seconds: float) -> dict[str, Any]:
    """Freshly signed requests (their timestamps must be within 150 s) sent for the given seconds."""
    requests = signed_requests(identity, args.users)
    if args.generator == "python":
        return run_python(port, requests, identity.cert_url, seconds, args.clients)
    requests_file = work / "stream.requests"
    requests_file.write_text("".join(f"{sig}\t{body.decode()}\n" for sig, body in requests))
    return run_wrk(port, requests_file, identity.cert_url, seconds, args.clients)


def combine(rounds: list[dict[str, Any]]) -> dict[str, Any]:
    """Throughput over all rounds; latency percentiles as the median of the rounds'."""
    seconds = sum(r["seconds"] for r in rounds)
    return {
        "rps": sum(r["requests"] for r in rounds) / seconds,
        "p50_ms": statistics.median(r["p50_ms"] for r in rounds),
        "p99_ms": statistics.median(r["p99_ms"] for r in rounds),
        "failures": sum(r["non_2xx"] + r["socket_errors"] for r in rounds),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50, help="concurrent clients (keep-alive connections)")
    parser.add_argument("--seconds", type=float, default=5.0, help="measured seconds per app and round")
    parser.add_argument("--rounds", type=int, default=3, help="alternating measured rounds per app")
    parser.add_argument("--warmup", type=float, default=3.0, help="unmeasured seconds per app before measuring")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (processes)")
    parser.add_argument("--threads", type=int, default=4, help="gunicorn threads per worker")
    parser.add_argument("--users", type=int, default=300, help="distinct Alexa users in the request stream")
    parser.add_argument("--generator", choices=["wrk", "python"], default="wrk" if shutil.which("wrk") else "python")
    args = parser.parse_args()
    from cryptography.hazmat.primitives import serialization

    with tempfile.TemporaryDirectory(prefix="kindwell-bench-") as tmp:
        work = Path(tmp)
        identity = signing_identity()
        (work / "root.pem").write_bytes(root_ca()[0].public_bytes(serialization.Encoding.PEM))
        (work / "chain.pem").write_bytes(identity.chain_pem)
        env = {key: value for key, value in os.environ.items() if not key.startswith("KINDWELL_")}
        env.update({
            "KINDWELL_SKILL_ID": TEST_SKILL_ID, "KINDWELL_DB": str(work / "bench.sqlite3"),
            "KINDWELL_CACHE": str(work / "cache"), "BENCH_ROOT_PEM": str(work / "root.pem"),
            "BENCH_CHAIN_PEM": str(work / "chain.pem"), "PYTHONPATH": str(ROOT),
        })  # fmt: skip
        apps = {"echo": "bench.endpoint_apps:echo_app()", "skill": "bench.endpoint_apps:skill_app()"}
        rounds: dict[str, list[dict[str, Any]]] = {name: [] for name in apps}
        with served(apps["echo"], args, env) as echo_port, served(apps["skill"], args, env) as skill_port:
            ports = {"echo": echo_port, "skill": skill_port}
            for name in apps:
                load(ports[name], args, identity, work, args.warmup)
            # Alternating short rounds share out whatever else the machine is doing between both apps.
            for _ in range(args.rounds):
                for name in apps:
                    rounds[name].append(load(ports[name], args, identity, work, args.seconds))
        results = {name: combine(rounds[name]) for name in apps}
    print(f"gunicorn gthread, {args.workers} workers x {args.threads} threads; {args.clients} clients; "
          f"load generator: {args.generator}; {os.cpu_count()} CPUs; {args.rounds} alternating rounds of "
          f"{args.seconds:g} s per app (p50/p99: median of the rounds)")  # fmt: skip
    print(f"{'app':28s} {'req/s':>8s} {'p50 ms':>7s} {'p99 ms':>7s} {'non-2xx':>8s}")
    labels = {"echo": "bare Flask JSON echo", "skill": "KindWell, verified + SQLite"}
    for name, result in results.items():
        print(f"{labels[name]:28s} {result['rps']:8.0f} {result['p50_ms']:7.2f} {result['p99_ms']:7.2f} "
              f"{result['failures']:8d}")  # fmt: skip
    ratio = results["skill"]["rps"] / results["echo"]["rps"]
    print(f"throughput ratio skill/echo: {ratio:.2f} (target >= 0.80); skill p99 {results['skill']['p99_ms']:.1f} ms "
          f"(target < 20 ms)")  # fmt: skip


if __name__ == "__main__":
    main()
