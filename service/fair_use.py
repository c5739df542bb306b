"""At most ``MAX_ACTIVE_EXPORTS_PER_TOKEN`` exports waiting or running per token.

The check and the claim are one Lua script, so concurrent ``run`` calls cannot both take
the last slot. Slots are released when an export ends; a slot whose export died without
saying so (a killed worker) is given up when its deadline passes.
"""

import time

from flask import current_app

from .redis_conn import get_redis

SLOTS_KEY = "active-exports:{token_hash}"

# KEYS[1] slots; ARGV: now, deadline, limit, file id. Returns 1 if claimed, else 0.
CLAIM_SCRIPT = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then
    return 0
end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[4])
redis.call('EXPIRE', KEYS[1], math.ceil(ARGV[2] - ARGV[1]) + 60)
return 1
"""


def _deadline_seconds() -> int:
    # Long enough to wait in a busy queue and then run to the time limit.
    return 2 * int(current_app.config["EXPORT_TIMEOUT"]) + 600


def claim(token_hash: str, file_id: str) -> bool:
    now = time.time()
    claimed = get_redis().eval(
        CLAIM_SCRIPT,
        1,
        SLOTS_KEY.format(token_hash=token_hash),
        now,
        now + _deadline_seconds(),
        int(current_app.config["MAX_ACTIVE_EXPORTS_PER_TOKEN"]),
        file_id,
    )
    return bool(claimed)


def release(token_hash: str, file_id: str) -> None:
    get_redis().zrem(SLOTS_KEY.format(token_hash=token_hash), file_id)


def holders(token_hash: str) -> list[str]:
    return [f.decode() for f in get_redis().zrange(SLOTS_KEY.format(token_hash=token_hash), 0, -1)]
