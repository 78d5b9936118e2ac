"""Which variant of a practice a listener hears today.

The choice is a rotation: an offset drawn from the hashed user id, the practice and the length,
plus the listener's local calendar day, taken modulo the number of variants. So two consecutive
days never give the same variant (there are always at least two), the same day always gives the
same one (Repeat, Resume and a second start that day replay the same words), and different
listeners are spread over the variants on any one day. Nothing is stored to make the choice.
"""

from __future__ import annotations

import datetime as dt
import hashlib


def variant_for(user_key: str, practice_id: str, minutes: int, day: dt.date, count: int) -> int:
    """The 0-based variant a listener hears on a local calendar day.

    user_key is the SHA-256 hex of the user id (skill.persistence.updates.user_key), never the id itself.
    """
    if count <= 1:
        return 0
    seed = hashlib.sha256(f"{user_key}\x1f{practice_id}\x1f{minutes}".encode()).digest()
    return (int.from_bytes(seed[:8], "big") + day.toordinal()) % count
