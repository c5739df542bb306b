"""Export records: what outlives the RQ job (who, what, parameters, state, file).

A record is a Redis hash that expires with the result (``EXPORT_TTL_HOURS``); a sorted set
per token lists its exports, newest first. Records hold the token's hash, never the token.
"""

import time
from datetime import UTC, datetime

from flask import current_app

from .redis_conn import get_redis

RECORD_KEY = "export:{file_id}"
TOKEN_INDEX_KEY = "exports-by-token:{token_hash}"


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def ttl_seconds() -> int:
    return int(current_app.config["EXPORT_TTL_HOURS"] * 3600)


def save(file_id: str, **fields) -> None:
    """Create or update a record; every write renews its expiry."""
    key = RECORD_KEY.format(file_id=file_id)
    fields["file_id"] = file_id
    pipe = get_redis().pipeline()
    pipe.hset(key, mapping={k: _text(v) for k, v in fields.items()})
    pipe.expire(key, ttl_seconds())
    pipe.execute()


def _text(value) -> str:
    return "" if value is None else str(value)


def load(file_id: str) -> dict | None:
    raw = get_redis().hgetall(RECORD_KEY.format(file_id=file_id))
    if not raw:
        return None
    return {k.decode(): v.decode() for k, v in raw.items()}


def add_to_token_index(token_hash: str, file_id: str) -> None:
    index = TOKEN_INDEX_KEY.format(token_hash=token_hash)
    pipe = get_redis().pipeline()
    pipe.zadd(index, {file_id: time.time()})
    pipe.expire(index, ttl_seconds())
    pipe.execute()


def of_token(token_hash: str) -> list[dict]:
    """The live records of a token's exports, newest first; expired ones leave the index."""
    redis = get_redis()
    index = TOKEN_INDEX_KEY.format(token_hash=token_hash)
    file_ids = [f.decode() for f in redis.zrevrange(index, 0, -1)]
    pipe = redis.pipeline()
    for file_id in file_ids:
        pipe.hgetall(RECORD_KEY.format(file_id=file_id))
    records, expired = [], []
    for file_id, raw in zip(file_ids, pipe.execute(), strict=True):
        if raw:
            records.append({k.decode(): v.decode() for k, v in raw.items()})
        else:
            expired.append(file_id)
    if expired:
        redis.zrem(index, *expired)
    return records


def delete(file_id: str) -> None:
    get_redis().delete(RECORD_KEY.format(file_id=file_id))


# KEYS record; ARGV started, its epoch seconds. A waiting export becomes running once,
# whoever asks twice.
START_RUNNING = """
if redis.call('HGET', KEYS[1], 'state') ~= 'waiting' then
    return 0
end
redis.call('HSET', KEYS[1], 'state', 'running', 'started', ARGV[1], 'started_ts', ARGV[2])
return 1
"""

# KEYS record; ARGV field, value. Updates a record that still exists, never makes one.
SET_IF_EXISTS = """
if redis.call('EXISTS', KEYS[1]) == 1 then
    redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
end
"""


def start_running(file_id: str) -> bool:
    """Mark a waiting export running; False if it is not waiting (canceled, expired, or
    already taken by another worker)."""
    key = RECORD_KEY.format(file_id=file_id)
    return bool(get_redis().eval(START_RUNNING, 1, key, now_iso(), repr(time.time())))


def mark_turn_ended(file_id: str) -> None:
    """When the export gave up its turn (epoch seconds): with ``started_ts``, the span in
    which it counted against its token's running exports."""
    key = RECORD_KEY.format(file_id=file_id)
    get_redis().eval(SET_IF_EXISTS, 1, key, "ended_ts", repr(time.time()))


# KEYS record; ARGV ttl seconds, then field, value pairs. An export ends once: whoever
# ends it first (the job, a cancel, or whoever notices its worker died) writes how, and
# every later attempt leaves that answer alone, so a client never sees it change.
END_ONCE = """
local state = redis.call('HGET', KEYS[1], 'state')
if not state or state == 'finished' or state == 'failed' or state == 'canceled' then
    return 0
end
redis.call('HSET', KEYS[1], unpack(ARGV, 2))
redis.call('EXPIRE', KEYS[1], ARGV[1])
return 1
"""


def end_once(file_id: str, state: str, **fields) -> bool:
    """Record how an export ended (``state`` finished, failed or canceled, with
    ``finished`` set to now); False, and nothing written, if it had already ended or its
    record is gone."""
    fields = {**fields, "state": state, "finished": now_iso()}
    pairs = [part for key, value in fields.items() for part in (key, _text(value))]
    key = RECORD_KEY.format(file_id=file_id)
    return bool(get_redis().eval(END_ONCE, 1, key, ttl_seconds(), *pairs))
