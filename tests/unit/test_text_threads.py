"""The text tools are shared by the endpoint's threads: they must give every thread its own answer."""

from __future__ import annotations

import threading

from skill.text import stems

WORDS = [
    "breathing quietly together",
    "overwhelmed and anxious tonight",
    "kindness towards myself",
    "practising loving kindness meditations",
    "i keep criticising everything i do",
    "wandering thoughts returning gently",
]


def test_stems_from_many_threads_match_one_thread() -> None:
    expected = {text: stems(text) for text in WORDS}
    wrong: list[tuple[str, list[str]]] = []
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def work(offset: int) -> None:
        start.wait()
        try:
            for i in range(3000):
                text = WORDS[(i + offset) % len(WORDS)]
                got = stems(text)
                if got != expected[text]:
                    wrong.append((text, got))
        except BaseException as error:  # any failure in a thread is the finding
            errors.append(error)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert wrong == []
