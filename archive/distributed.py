"""The Redis side of a crawl spread over several machines: key names, the run's announcement, leases and status.

scrapy-redis provides the shared frontier (a priority queue) and the shared duplicate filter; what it lacks
is an acknowledgement: a request popped by a worker that then dies is gone. So popping *moves* the request
into a lease (atomically, in one Lua script), the worker renews its leases with every heartbeat and
acknowledges a lease only after the captures it produced were pushed to Redis. A lease whose deadline
passes (its worker was killed or hung) is put back into the queue by whoever notices first.

No Scrapy import here: the archiver and `gongkai workers` use this module without a crawler.
"""

from __future__ import annotations

import json
import os
import socket
import time
from dataclasses import dataclass

PREFIX = "gongkai"
CURRENT_RUN = f"{PREFIX}:run"
WORKERS = f"{PREFIX}:workers"
HEARTBEAT_SECONDS = 1.0
#: a worker's heartbeat key outlives a few missed beats
HEARTBEAT_TTL = 10
DEFAULT_LEASE_SECONDS = 30.0
#: how long a finished run's keys stay for `gongkai workers` / post-mortems
KEEP_FINISHED_SECONDS = 24 * 3600

# KEYS: queue, leases (zset id->deadline ms), leased data (hash), leased score (hash); ARGV: lease id, ttl ms
_POP = """
local item = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if #item == 0 then return false end
redis.call('ZREM', KEYS[1], item[1])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZADD', KEYS[2], now + tonumber(ARGV[2]), ARGV[1])
redis.call('HSET', KEYS[3], ARGV[1], item[1])
redis.call('HSET', KEYS[4], ARGV[1], item[2])
return item[1]
"""

# KEYS: leases, leased data, leased score, queue; ARGV: max; puts expired leases back into the queue
_REAP = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, tonumber(ARGV[1]))
for _, id in ipairs(ids) do
  local data = redis.call('HGET', KEYS[2], id)
  if data then redis.call('ZADD', KEYS[4], redis.call('HGET', KEYS[3], id) or 0, data) end
  redis.call('ZREM', KEYS[1], id)
  redis.call('HDEL', KEYS[2], id)
  redis.call('HDEL', KEYS[3], id)
end
return #ids
"""

# KEYS: dupefilter, queue, leases, leased data, leased score; ARGV: fingerprint ('' = not filtered), score,
# data, lease id ('' = none). Marks the request seen and queues it in one step (a worker killed between the
# two would leave a fingerprint seen but never queued: that request, and all it leads to, lost for the run),
# and hands the lease of the request it came from over to it (a retry, a redirect) in the same step.
_QUEUE = """
local queued = 0
if ARGV[1] == '' or redis.call('SADD', KEYS[1], ARGV[1]) == 1 then
  redis.call('ZADD', KEYS[2], ARGV[2], ARGV[3])
  queued = 1
end
if ARGV[4] ~= '' then
  redis.call('ZREM', KEYS[3], ARGV[4])
  redis.call('HDEL', KEYS[4], ARGV[4])
  redis.call('HDEL', KEYS[5], ARGV[4])
end
return queued
"""

# KEYS: leases; ARGV: ttl ms, ids...; pushes the deadline of leases that still exist
_RENEW = """
local t = redis.call('TIME')
local deadline = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) + tonumber(ARGV[1])
local n = 0
for i = 2, #ARGV do
  if redis.call('ZSCORE', KEYS[1], ARGV[i]) then redis.call('ZADD', KEYS[1], deadline, ARGV[i]); n = n + 1 end
end
return n
"""

# KEYS: leases, leased data, leased score, queue; ARGV: ids...; hands leases back at once (graceful stop)
_RELEASE = """
for i = 1, #ARGV do
  local data = redis.call('HGET', KEYS[2], ARGV[i])
  if data then redis.call('ZADD', KEYS[4], redis.call('HGET', KEYS[3], ARGV[i]) or 0, data) end
  redis.call('ZREM', KEYS[1], ARGV[i])
  redis.call('HDEL', KEYS[2], ARGV[i])
  redis.call('HDEL', KEYS[3], ARGV[i])
end
return #ARGV
"""


def connect(url: str):
    """A Redis client (bytes in, bytes out: the frontier holds pickled requests)."""
    import redis

    return redis.Redis.from_url(url, socket_timeout=30, socket_connect_timeout=10, retry_on_timeout=True)


@dataclass(frozen=True)
class RunKeys:
    """Every Redis key of one run: several runs (or a leftover one) never mix."""

    run_id: int

    def _k(self, name: str) -> str:
        return f"{PREFIX}:run:{self.run_id}:{name}"

    @property
    def config(self) -> str:
        return self._k("config")

    @property
    def state(self) -> str:
        return self._k("state")

    @property
    def requests(self) -> str:
        return self._k("requests")

    @property
    def dupefilter(self) -> str:
        return self._k("dupefilter")

    @property
    def leases(self) -> str:
        return self._k("leases")

    @property
    def leased(self) -> str:
        return self._k("leased")

    @property
    def leased_score(self) -> str:
        return self._k("leased-score")

    @property
    def latest(self) -> str:
        return self._k("latest")

    @property
    def captures(self) -> str:
        return self._k("captures")

    @property
    def processing(self) -> str:
        return self._k("captures:processing")

    @property
    def delivered(self) -> str:
        return self._k("delivered")

    @property
    def stats(self) -> str:
        return self._k("stats")

    @property
    def revisit(self) -> str:
        """url -> next due day, for URLs the revisit policy holds back on this run's night"""
        return self._k("revisit")

    @property
    def revisit_links(self) -> str:
        """url -> JSON [[url, role], …]: what a held-back URL led to last time (its due links are still asked)"""
        return self._k("revisit-links")

    @property
    def not_due(self) -> str:
        """url -> 1 for each URL a worker's due check held back (the run report's not_due)"""
        return self._k("not-due")

    def robots(self, netloc: str) -> str:
        return self._k(f"robots:{netloc}")

    def all_fixed(self) -> list[str]:
        return [self.config, self.state, self.requests, self.dupefilter, self.leases, self.leased,
                self.leased_score, self.latest, self.captures, self.processing, self.delivered, self.stats,
                self.revisit, self.revisit_links, self.not_due]


def worker_id() -> str:
    """host:pid:token — unique across machines and pid reuse (it names the worker's capture batches)."""
    return f"{socket.gethostname()}:{os.getpid()}:{os.urandom(3).hex()}"


# -- the run's announcement ------------------------------------------------------------------------
def announce_run(r, run_id: int, config: dict) -> RunKeys:
    """Publish the run (registry text, archive dir, politeness share, lease time) for workers to join."""
    keys = RunKeys(run_id)
    r.set(keys.config, json.dumps(config, ensure_ascii=False))
    r.setnx(keys.state, "crawling")
    r.hsetnx(keys.stats, "started", time.time())
    r.set(CURRENT_RUN, run_id)
    return keys


def clear_run(r, keys: RunKeys) -> None:
    """Forget a run's keys (a fresh run whose id an earlier archive on this Redis used)."""
    r.delete(*keys.all_fixed())
    for key in r.scan_iter(match=keys.robots("*"), count=1000):
        r.delete(key)


def current_run(r) -> tuple[RunKeys, dict] | None:
    """The announced run and its config, or None when no run was announced."""
    raw = r.get(CURRENT_RUN)
    if raw is None:
        return None
    keys = RunKeys(int(raw))
    config = r.get(keys.config)
    return (keys, json.loads(config)) if config else None


def run_state(r, keys: RunKeys) -> str:
    raw = r.get(keys.state)
    return raw.decode() if raw else "unknown"


def finish_announcement(r, keys: RunKeys) -> None:
    """Tell workers the run is over; keep its keys a day for status, then let Redis drop them."""
    r.set(keys.state, "done")
    for key in keys.all_fixed():
        r.expire(key, KEEP_FINISHED_SECONDS)


# -- leases ----------------------------------------------------------------------------------------
def pop_leased(r, keys: RunKeys, lease_id: str, lease_seconds: float) -> bytes | None:
    """Take the highest-priority request and hold it under lease_id until acknowledged or expired."""
    return r.eval(_POP, 4, keys.requests, keys.leases, keys.leased, keys.leased_score, lease_id,
                  int(lease_seconds * 1000))


def queue_new(r, keys: RunKeys, fp: str | None, score: float, data: bytes, handover: str | None = None) -> bool:
    """Queue a request unless the duplicate filter saw its fingerprint (fp None: queue it anyway), atomically
    with marking it seen; acknowledges the lease `handover` in the same step. True when it was queued."""
    return bool(r.eval(_QUEUE, 5, keys.dupefilter, keys.requests, keys.leases, keys.leased, keys.leased_score,
                       fp or "", score, data, handover or ""))


def renew(r, keys: RunKeys, lease_ids: list[str], lease_seconds: float) -> int:
    if not lease_ids:
        return 0
    return int(r.eval(_RENEW, 1, keys.leases, int(lease_seconds * 1000), *lease_ids))


def acknowledge(r, keys: RunKeys, lease_ids: list[str]) -> None:
    """The work of these leases is safe in Redis (captures pushed, follow-up requests queued)."""
    if not lease_ids:
        return
    pipe = r.pipeline(transaction=True)
    pipe.zrem(keys.leases, *lease_ids)
    pipe.hdel(keys.leased, *lease_ids)
    pipe.hdel(keys.leased_score, *lease_ids)
    pipe.execute()


def release(r, keys: RunKeys, lease_ids: list[str]) -> None:
    """Put unfinished leases back into the queue now (a worker stopping cleanly)."""
    if lease_ids:
        r.eval(_RELEASE, 4, keys.leases, keys.leased, keys.leased_score, keys.requests, *lease_ids)


def requeue_expired(r, keys: RunKeys, limit: int = 1000) -> int:
    """Put requests whose lease deadline passed back into the queue; returns how many."""
    return int(r.eval(_REAP, 4, keys.leases, keys.leased, keys.leased_score, keys.requests, limit))


def outstanding(r, keys: RunKeys) -> dict[str, int]:
    """Queued, leased and not-yet-archived work, read in one transaction (a consistent snapshot)."""
    pipe = r.pipeline(transaction=True)
    pipe.zcard(keys.requests)
    pipe.zcard(keys.leases)
    pipe.llen(keys.captures)
    pipe.llen(keys.processing)
    queued, leased, captures, processing = pipe.execute()
    return {"queued": queued, "leased": leased, "captures": captures + processing}


# -- heartbeats and status -------------------------------------------------------------------------
def heartbeat(r, wid: str, info: dict) -> None:
    """A worker's liveness and counters; the key expires when the worker stops beating."""
    key = f"{WORKERS}:{wid}"
    pipe = r.pipeline()
    pipe.set(key, json.dumps({**info, "worker": wid, "seen": time.time()}), ex=HEARTBEAT_TTL)
    pipe.sadd(WORKERS, wid)
    pipe.execute()


def live_workers(r) -> list[dict]:
    out = []
    for wid in sorted(m.decode() for m in r.smembers(WORKERS)):
        raw = r.get(f"{WORKERS}:{wid}")
        if raw is None:
            r.srem(WORKERS, wid)  # its heartbeat expired: gone
            continue
        out.append(json.loads(raw))
    return out


def distributed_status(redis_url: str) -> dict:
    """Workers (from heartbeats), frontier size, leases, archiving backlog and throughput of the current run."""
    r = connect(redis_url)
    workers = live_workers(r)
    found = current_run(r)
    status: dict = {"redis": redis_url, "workers": workers, "run": None}
    if found is None:
        return status
    keys, config = found
    work = outstanding(r, keys)
    stats = {k.decode(): float(v) for k, v in r.hgetall(keys.stats).items()}
    started = stats.get("started") or time.time()
    elapsed = max(time.time() - started, 1e-6)
    archived = int(stats.get("archived", 0))
    status["run"] = {
        "id": keys.run_id, "state": run_state(r, keys), "share": config.get("share"),
        "frontier": work["queued"], "in_flight": work["leased"], "to_archive": work["captures"],
        "seen": r.scard(keys.dupefilter), "archived": archived, "elapsed_seconds": round(elapsed, 1),
        "archived_per_second": round(archived / elapsed, 2),
        "fetched_per_second": round(sum(w.get("rate", 0.0) for w in workers if w.get("run") == keys.run_id), 2),
    }
    return status
