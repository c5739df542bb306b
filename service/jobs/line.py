"""Each token's line: at most ``MAX_RUNNING_EXPORTS_PER_TOKEN`` of its exports on the queue
or running, the others waiting in the order they were started.

A token's exports enter the shared RQ queue only when admitted, so a long line of one
token never delays another token's exports. Joining, leaving and admitting are single Lua
scripts: concurrent runs, ends and cancels can neither admit too many nor lose one.
"""

import time

from flask import current_app

from ..redis_conn import get_redis

ADMITTED_KEY = "export-line:{token_hash}:admitted"  # sorted set: file id → admission time
WAITING_KEY = "export-line:{token_hash}:waiting"  # list, oldest first
LINES_KEY = "export-lines"  # set of the token hashes with a line

# KEYS admitted, waiting, lines; ARGV file id, now, max running, max active, token hash.
# Returns 1 admitted, 0 waiting, -1 refused (the token has max active already).
JOIN = """
local admitted = redis.call('ZCARD', KEYS[1])
local waiting = redis.call('LLEN', KEYS[2])
if admitted + waiting >= tonumber(ARGV[4]) then
    return -1
end
redis.call('SADD', KEYS[3], ARGV[5])
if waiting == 0 and admitted < tonumber(ARGV[3]) then
    redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
    return 1
end
redis.call('RPUSH', KEYS[2], ARGV[1])
return 0
"""

# KEYS admitted, waiting, lines; ARGV file id ('' for none), now, max running, token hash.
# Removes the export from the line, then admits waiting ones while there is room.
# Returns the file ids admitted.
LEAVE = """
if ARGV[1] ~= '' then
    redis.call('ZREM', KEYS[1], ARGV[1])
    redis.call('LREM', KEYS[2], 0, ARGV[1])
end
local admitted = {}
while redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[3]) do
    local next_id = redis.call('LPOP', KEYS[2])
    if not next_id then
        break
    end
    redis.call('ZADD', KEYS[1], ARGV[2], next_id)
    table.insert(admitted, next_id)
end
if redis.call('ZCARD', KEYS[1]) == 0 and redis.call('LLEN', KEYS[2]) == 0 then
    redis.call('SREM', KEYS[3], ARGV[4])
end
return admitted
"""


def _keys(token_hash: str) -> list[str]:
    return [
        ADMITTED_KEY.format(token_hash=token_hash),
        WAITING_KEY.format(token_hash=token_hash),
        LINES_KEY,
    ]


def _max_running() -> int:
    return max(1, int(current_app.config["MAX_RUNNING_EXPORTS_PER_TOKEN"]))


def join(token_hash: str, file_id: str) -> int:
    """1: admitted now; 0: waits its turn; -1: refused, the token has too many already."""
    return int(
        get_redis().eval(
            JOIN,
            3,
            *_keys(token_hash),
            file_id,
            time.time(),
            _max_running(),
            int(current_app.config["MAX_ACTIVE_EXPORTS_PER_TOKEN"]),
            token_hash,
        )
    )


def leave(token_hash: str, file_id: str = "") -> list[str]:
    """Take an export out of the line (it ended, or was canceled while waiting) and admit
    the next ones while there is room; returns the file ids admitted."""
    admitted = get_redis().eval(
        LEAVE, 3, *_keys(token_hash), file_id, time.time(), _max_running(), token_hash
    )
    return [file_id.decode() for file_id in admitted]


def admitted(token_hash: str) -> list[tuple[str, float]]:
    """The token's admitted exports with the time each was admitted."""
    pairs = get_redis().zrange(ADMITTED_KEY.format(token_hash=token_hash), 0, -1, withscores=True)
    return [(file_id.decode(), score) for file_id, score in pairs]


def waiting(token_hash: str) -> list[str]:
    return [
        f.decode() for f in get_redis().lrange(WAITING_KEY.format(token_hash=token_hash), 0, -1)
    ]


def tokens() -> list[str]:
    return [token.decode() for token in get_redis().smembers(LINES_KEY)]
