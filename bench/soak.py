"""Soak test of the real endpoint under gunicorn: malformed bodies, then load, on loopback.

Phase 1, malformed: N seeded malformed bodies (default 10,000) are posted to the unverified endpoint
(gunicorn, gthread, 2 workers x 4 threads by default) by 8 keep-alive clients. Bodies are request
envelopes the device simulator builds (local_runner.device.Conversation), broken the ways issue 9 lists:
wrong JSON types, 1e400 and 5,000-digit numbers, non-ASCII digits in tokens, +25:00 and year-1
timestamps, null resolutions, no user, session state no version wrote, deep nesting, raw bytes and
truncated JSON. The goal: 0 responses 5xx and 0 tracebacks in gunicorn's log.

Phase 2, load: C clients (default 50) for S seconds (default 45) launch KindWell and start practices as
users that several clients share, so one user's row is updated concurrently. Every reply that completes
a practice (and every launch, which counts a visit) is counted and compared with what the SQLite file
recorded. The goal: 0 errors, 0 lost writes.

Usage: python bench/soak.py [--bodies 10000] [--seconds 45] [--clients 50] [--workers 2] [--threads 4]
"""

from __future__ import annotations

import argparse
import copy
import http.client
import json
import os
import random
import sqlite3
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any, ClassVar

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.endpoint import served  # noqa: E402
from local_runner.device import Conversation, PlayerState  # noqa: E402
from skill.state import Awaiting  # noqa: E402

USER_PREFIX = "amzn1.ask.account.SOAK"
PRACTICES = ["mindfulness", "soothing_breath", "loving_kindness", "reframing", "nope", ""]
# A three-minute practice is one part: each start completes it, and the reply says so.
LOAD_PRACTICE = ("soothing_breath", 3)


def base_envelopes(user: str) -> list[dict[str, Any]]:
    """Well-formed envelopes of every kind the skill handles, built the way the offline runner builds them."""
    speaker = Conversation(None, user_id=user)  # type: ignore[arg-type]  # envelopes only, never sent
    player = Conversation(None, user_id=user, supported_interfaces={"AudioPlayer": {}})  # type: ignore[arg-type]
    player.player = PlayerState("kindwell:soothing_breath:10:0123456789ab", 61_000, "PLAYING")

    def intent(name: str, slots: dict[str, Any] | None = None) -> dict[str, Any]:
        from local_runner.device import slot_json

        objects = {slot: slot_json(slot, *value) if isinstance(value, tuple) else slot_json(slot, value)
                   for slot, value in (slots or {}).items()}  # fmt: skip
        return speaker.envelope({"type": "IntentRequest", "intent": {"name": name, "slots": objects}})

    envelopes = [
        speaker.envelope({"type": "LaunchRequest"}),
        intent("StartPracticeIntent", {"practice": ("soothing breath", "soothing_breath"), "minutes": "5"}),
        intent("StartPracticeIntent", {"duration": "PT10M"}),
        intent("CheckInIntent", {"feeling": "a bit tired today"}),
        speaker.envelope({"type": "SessionEndedRequest", "reason": "USER_INITIATED"}),
        player.playback_envelope("AudioPlayer.PlaybackStopped", player.player.token, 61_000),
        player.playback_envelope("AudioPlayer.PlaybackFinished", player.player.token, 0),
        player.envelope({"type": "PlaybackController.PauseCommandIssued"}),
        player.envelope({"type": "System.ExceptionEncountered", "error": {"type": "INVALID_RESPONSE"}}),
    ]
    for name in ("AMAZON.NextIntent", "AMAZON.YesIntent", "AMAZON.NoIntent", "AMAZON.PauseIntent",
                 "AMAZON.ResumeIntent", "AMAZON.RepeatIntent", "AMAZON.StopIntent", "AMAZON.StartOverIntent",
                 "AMAZON.FallbackIntent", "AMAZON.HelpIntent", "AffirmationIntent", "ProgressIntent"):  # fmt: skip
        envelopes.append(intent(name))
    return envelopes


class Breaker:
    """Seeded malformed bodies: a well-formed envelope broken in one to four places, or raw garbage."""

    RAW: ClassVar[dict[str, str]] = {
        "@@BIGINT@@": "1" + "0" * 5000,
        "@@HUGE@@": "1e400",
        "@@NAN@@": "NaN",
        "@@DEEP40@@": '{"n":[' * 20 + "1" + "]}" * 20,
        "@@DEEP600@@": '{"n":[' * 300 + "1" + "]}" * 300,
        "@@DEEP3000@@": "[" * 3000 + "]" * 3000,
    }
    SCALARS: tuple[Any, ...] = (None, True, 0, -1, 5, 7, 2**63, 0.5, "", "x", "²", "٣", "x" * 3000, [], {},
                                [None], {"a": None}, *RAW)  # fmt: skip
    TIMESTAMPS = ("2026-11-25T09:30:00+25:00", "0001-01-01T00:00:00Z", "9999-12-31T23:59:59-05:00", "yesterday", "")
    STATE_KEYS = ("playing", "pending", "offer", "awaiting", "care", "last_speech", "last_reprompt", "_user")
    AWAITING = tuple(question.value for question in Awaiting)

    def __init__(self, seed: int, bases: list[dict[str, Any]]) -> None:
        self.rng = random.Random(seed)
        self.bases = bases

    def value(self) -> Any:
        rng = self.rng
        kind = rng.random()
        if kind < 0.45:
            return rng.choice(self.SCALARS)
        if kind < 0.6:
            return rng.choice(self.TIMESTAMPS)
        if kind < 0.75:
            minutes = rng.choice(["3", "10", "²", "٣", "9" * 5000, "-1", ""])
            return f"kindwell:{rng.choice(PRACTICES)}:{minutes}:{rng.choice(['KEY', '', 'a:b'])}"
        if kind < 0.9:
            return self.position()
        return {rng.choice(["a", "type", "value", "id"]): rng.choice(self.SCALARS) for _ in range(rng.randint(0, 3))}

    def position(self) -> dict[str, Any]:
        rng = self.rng
        position = {"practice": rng.choice(PRACTICES[:3]), "minutes": rng.choice([3, 5, 10]), "segment": 0}
        broken = rng.choice(["practice", "minutes", "segment", None])
        if broken:
            position[broken] = rng.choice([*self.SCALARS, "nope", 7, "@@HUGE@@"])
        return position

    def body(self) -> bytes:
        rng = self.rng
        kind = rng.random()
        if kind < 0.04:
            return rng.randbytes(rng.randint(0, 300))
        if kind < 0.08:
            return json.dumps(rng.choice(self.bases)).encode()[: rng.randint(0, 1500)]
        envelope = copy.deepcopy(rng.choice(self.bases))
        if kind < 0.35 and "session" in envelope:
            state = {"awaiting": rng.choice(self.AWAITING)}
            state.update({rng.choice(self.STATE_KEYS): self.value() for _ in range(rng.randint(1, 3))})
            envelope["session"]["attributes"] = state
        elif kind < 0.45:
            envelope["context"]["System"].pop("user", None)
            envelope.get("session", {}).pop("user", None)
        else:
            for _ in range(rng.randint(1, 4)):
                self.break_one(envelope)
        text = json.dumps(envelope, ensure_ascii=False)
        for marker, literal in self.RAW.items():
            text = text.replace(f'"{marker}"', literal)
        return text.encode()

    def break_one(self, envelope: dict[str, Any]) -> None:
        paths: list[tuple[Any, ...]] = []
        stack: list[tuple[Any, tuple[Any, ...]]] = [(envelope, ())]
        while stack:
            node, path = stack.pop()
            items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
            for key, child in items:
                paths.append((*path, key))
                stack.append((child, (*path, key)))
        if not paths:
            return
        path = self.rng.choice(paths)
        parent: Any = envelope
        for key in path[:-1]:
            parent = parent[key]
        if isinstance(parent, dict) and self.rng.random() < 0.2:
            del parent[path[-1]]
        else:
            parent[path[-1]] = self.value()


def post(connection: http.client.HTTPConnection, body: bytes) -> tuple[int, bytes]:
    connection.request("POST", "/alexa", body=body, headers={"Content-Type": "application/json"})
    response = connection.getresponse()
    return response.status, response.read()


def malformed_phase(port: int, bodies: list[bytes], clients: int) -> Counter[str]:
    """Post every body once; a count of statuses (and 'socket error')."""
    counts: Counter[str] = Counter()
    lock = threading.Lock()

    def client(mine: list[bytes]) -> None:
        local: Counter[str] = Counter()
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        for body in mine:
            try:
                status, _ = post(connection, body)
                local[str(status)] += 1
            except (OSError, http.client.HTTPException):
                local["socket error"] += 1
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        connection.close()
        with lock:
            counts.update(local)

    threads = [threading.Thread(target=client, args=(bodies[i::clients],)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return counts


def load_phase(port: int, clients: int, users: int, seconds: float) -> tuple[Counter[str], Counter[str]]:
    """Clients launch and start practices as shared users; (answers that must be saved, outcomes).

    Each client alternates two launches (each counts a visit) with one practice start (each completes a
    three-minute practice); the first counter holds how many of each the replies confirmed.
    """
    practice, minutes = LOAD_PRACTICE
    confirmed: Counter[str] = Counter()
    outcomes: Counter[str] = Counter()
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def client(index: int) -> None:
        from local_runner.device import slot_json

        device = Conversation(None, user_id=f"{USER_PREFIX}{index % users:03d}")  # type: ignore[arg-type]
        slots = {"practice": slot_json("practice", practice, practice), "minutes": slot_json("minutes", minutes)}
        start = {"type": "IntentRequest", "intent": {"name": "StartPracticeIntent", "slots": slots}}
        mine: Counter[str] = Counter()
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        turn = index
        while time.monotonic() < stop:
            turn += 1
            kind = "completed" if turn % 3 == 0 else "visits"
            device.session_id = None
            envelope = device.envelope(copy.deepcopy(start) if kind == "completed" else {"type": "LaunchRequest"})
            try:
                status, raw = post(connection, json.dumps(envelope).encode())
            except (OSError, http.client.HTTPException):
                mine["socket error"] += 1
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                continue
            mine[str(status)] += 1
            if status != 200:
                continue
            attributes = json.loads(raw).get("sessionAttributes") or {}
            # The last part of a practice records it and offers an affirmation; a launch counts a visit.
            if kind == "visits" or (attributes.get("awaiting") == "affirmation_offer" and "playing" not in attributes):
                mine[f"confirmed {kind}"] += 1
        connection.close()
        with lock:
            outcomes.update(mine)
            for kind in ("visits", "completed"):
                confirmed[kind] += mine.pop(f"confirmed {kind}", 0)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for kind in ("visits", "completed"):
        outcomes.pop(f"confirmed {kind}", None)
    return confirmed, outcomes


def recorded(database: Path) -> Counter[str]:
    """Visits and completed practices the SQLite file holds, over every user."""
    with sqlite3.connect(database) as connection:
        rows = connection.execute("SELECT attributes FROM attributes").fetchall()
    totals: Counter[str] = Counter()
    for (text,) in rows:
        attributes = json.loads(text)
        for kind in ("visits", "completed"):
            totals[kind] += int(attributes.get(kind, 0))
    return totals


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bodies", type=int, default=10_000, help="malformed bodies to post")
    parser.add_argument("--seconds", type=float, default=45.0, help="length of the load phase")
    parser.add_argument("--clients", type=int, default=50, help="concurrent clients in the load phase")
    parser.add_argument("--users", type=int, default=10, help="users the load clients share (contention per row)")
    parser.add_argument("--fuzz-clients", type=int, default=8, help="concurrent clients posting malformed bodies")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (processes)")
    parser.add_argument("--threads", type=int, default=4, help="gunicorn threads per worker")
    parser.add_argument("--seed", type=int, default=9, help="seed of the malformed bodies")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="kindwell-soak-") as tmp:
        work = Path(tmp)
        env = {key: value for key, value in os.environ.items() if not key.startswith("KINDWELL_")}
        env.update(KINDWELL_VERIFY="0", KINDWELL_CACHE=str(work / "cache"), PYTHONPATH=str(ROOT))

        breaker = Breaker(args.seed, base_envelopes(f"{USER_PREFIX}FUZZ"))
        bodies = [breaker.body() for _ in range(args.bodies)]
        log_path = work / "malformed.log"
        env["KINDWELL_DB"] = str(work / "malformed.sqlite3")
        started = time.monotonic()
        with log_path.open("wb") as log, served("skill.web:create_app()", args, env, log) as port:
            statuses = malformed_phase(port, bodies, args.fuzz_clients)
        fuzz_seconds = time.monotonic() - started
        log_text = log_path.read_text(errors="replace")

        database = work / "load.sqlite3"
        env["KINDWELL_DB"] = str(database)
        load_log = work / "load.log"
        with load_log.open("wb") as log, served("skill.web:create_app()", args, env, log) as port:
            confirmed, outcomes = load_phase(port, args.clients, args.users, args.seconds)
        stored = recorded(database)
        load_text = load_log.read_text(errors="replace")

    server_errors = sum(count for status, count in statuses.items() if status.startswith("5"))
    print(f"gunicorn gthread, {args.workers} workers x {args.threads} threads, unverified endpoint on loopback; "
          f"{os.cpu_count()} CPUs")  # fmt: skip
    print(f"malformed: {args.bodies} seeded bodies (seed {args.seed}) in {fuzz_seconds:.1f} s by "
          f"{args.fuzz_clients} clients")  # fmt: skip
    print(f"  statuses: {', '.join(f'{status} x{count}' for status, count in sorted(statuses.items()))}")
    print(f"  5xx: {server_errors}; tracebacks in the log: {log_text.count('Traceback')}")
    errors = sum(count for status, count in outcomes.items() if status != "200")
    lost = {kind: confirmed[kind] - stored[kind] for kind in ("completed", "visits")}
    print(
        f"load: {args.clients} clients as {args.users} users for {args.seconds:g} s: "
        f"{sum(outcomes.values())} requests, {errors} errors, tracebacks in the log: {load_text.count('Traceback')}"
    )
    print(
        f"  completed practices answered: {confirmed['completed']}; recorded in SQLite: {stored['completed']}; "
        f"lost writes: {lost['completed']}"
    )
    print(f"  visits answered: {confirmed['visits']}; recorded in SQLite: {stored['visits']}; "
          f"lost writes: {lost['visits']}")  # fmt: skip
    clean_logs = "Traceback" not in log_text + load_text
    healthy = server_errors == 0 and clean_logs and errors == 0 and not any(lost.values())
    sys.exit(0 if healthy else 1)


if __name__ == "__main__":
    main()
