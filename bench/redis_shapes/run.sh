#!/usr/bin/env bash
# Measures the two shapes issue #20 weighs for shared state in Redis, against Debian's
# redis-server on 127.0.0.1 (started and stopped here, by PID; nothing else is touched):
#   merge: every push is one FCALL of a Lua function that merges it into hashes;
#   log:   every push is one XADD of its write-ahead-log record to a stream, which each
#          replica reads back in order and applies with the C++ store.
# Bounded: every redis-benchmark run has a fixed request count. Not part of .ci/run.
#   bash bench/redis_shapes/run.sh            # about a minute
# The figures and the decision they led to: docs/decisions/0018-shared-state-in-redis.md.
set -euo pipefail

# redis-server brings redis-cli and redis-benchmark (redis-tools).
if ! dpkg-query -W -f='${Status}' redis-server 2>/dev/null | grep -q "install ok installed"; then
  sudo=""; [[ $(id -u) -ne 0 ]] && sudo=sudo
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends redis-server
fi

work=$(mktemp -d)
redis_pid=""
cleanup() {
  if [[ -n "$redis_pid" ]]; then kill "$redis_pid" 2>/dev/null || true; wait "$redis_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

port=$((20000 + RANDOM % 20000))
cli() { redis-cli -p "$port" "$@"; }

start_redis() {  # start_redis <extra redis-server args...>
  if [[ -n "$redis_pid" ]]; then kill "$redis_pid"; wait "$redis_pid" 2>/dev/null || true; fi
  rm -rf "$work/data" && mkdir -p "$work/data"
  redis-server --bind 127.0.0.1 --port "$port" --dir "$work/data" --save "" \
    --daemonize no --logfile "$work/redis.log" "$@" &
  redis_pid=$!
  for _ in $(seq 100); do cli ping >/dev/null 2>&1 && return; sleep 0.05; done
  echo "redis-server did not start" >&2; exit 1
}

# rate <label> <redis-benchmark args...>: requests per second as redis-benchmark reports.
rate() {
  local label=$1; shift
  local r
  r=$(redis-benchmark -p "$port" -q "$@" 2>/dev/null | tr '\r' '\n' | grep -o '[0-9.]* requests per second' | tail -1)
  printf '%-62s %s\n' "$label" "${r:-failed}"
}

# A push of 10 counter series, and a record as long as our write-ahead log writes for it
# (900 bytes for the bench push of compare_pushgateway).
series_args=()
for i in $(seq 1 10); do series_args+=("bench_requests_total{code=\"200\",route=\"r$i\"}" 1); done
record=$(head -c 900 /dev/zero | tr '\0' 'x')

merge_function='#!lua name=ma
redis.register_function("push", function(keys, args)
  local limit = tonumber(args[1])
  local fresh = 0
  for i = 2, #args, 2 do
    if redis.call("HEXISTS", keys[1], args[i]) == 0 then fresh = fresh + 1 end
  end
  if redis.call("HLEN", keys[1]) + fresh > limit then
    return redis.error_reply("limit")
  end
  for i = 2, #args, 2 do
    redis.call("HINCRBYFLOAT", keys[1], args[i], args[i + 1])
    redis.call("HSET", keys[2], args[i], "counter")
  end
  return fresh
end)'

measure() {  # measure <title>
  echo "== $1"
  cli function load replace "$merge_function" >/dev/null
  rate "merge: FCALL per push, 10 series, 50 conns" \
    -c 50 -n 200000 fcall push 2 "{g}:values" "{g}:types" 1000000 "${series_args[@]}"
  cli del "{g}:log" >/dev/null
  rate "log: XADD per push (900 B record), 50 conns" \
    -c 50 -n 300000 xadd "{g}:log" '*' r "$record"
  cli del "{g}:log" >/dev/null
  rate "log: XADD, group commit (3 replicas x 32 records per trip)" \
    -c 3 -P 32 -n 600000 xadd "{g}:log" '*' r "$record"
}

start_redis --appendonly no
measure "in memory (no AOF)"

echo "== reading the log back (one replica's catch-up, 100 entries per call)"
rate "log: XRANGE 100 entries, 3 readers (x100 = entries/s)" \
  -c 3 -n 20000 xrange "{g}:log" - + COUNT 100
cli memory usage "{g}:log" | awk -v n="$(cli xlen '{g}:log')" \
  '{ printf "%-62s %d B per entry (%d entries)\n", "log: Redis memory per stream entry", $1 / n, n }'

echo "== a large read in each shape (Redis is single-threaded: nothing else runs meanwhile)"
cli del "{g}:values" >/dev/null
# 1M series in one hash, written by Redis itself (quicker than sending them).
cli eval 'for i = 0, 999999 do redis.call("HSET", KEYS[1], "bench_requests_total{series=\"" .. i .. "\"}", 1) end' \
  1 "{g}:values" >/dev/null
printf '%-62s %s\n' "merge: Redis memory per series (1M-field hash)" \
  "$(( $(cli memory usage '{g}:values' samples 0) / 1000000 )) B"
# Time inside Redis, from its own command statistics (Redis runs one command at a time:
# while one runs, every other client waits).
ms() { awk -v u="$1" 'BEGIN { printf "%.2f", u / 1000 }'; }
usec_per_call() { cli info commandstats | tr -d '\r' | grep "^cmdstat_$1:" | sed 's/.*usec_per_call=\([0-9.]*\).*/\1/'; }
cli config resetstat >/dev/null
start_ns=$(date +%s%N)
cli hgetall "{g}:values" >/dev/null
printf '%-62s %d ms (Redis blocked %s ms)\n' "merge: HGETALL of 1M series (a scrape), client-side" \
  $(( ($(date +%s%N) - start_ns) / 1000000 )) "$(ms "$(usec_per_call hgetall)")"
# log shape: a snapshot of 1M series (~60 MB in our snapshot format), in 1 MB chunks.
head -c 786432 /dev/urandom | base64 -w0 > "$work/chunk"
cli config resetstat >/dev/null
for c in $(seq 1 60); do cli -x set "{g}:snap:$c" < "$work/chunk" >/dev/null; done
printf '%-62s %s ms each\n' "log: snapshot of 1M series as 60 x 1 MB SET, Redis blocked" \
  "$(ms "$(usec_per_call set)")"
cli config resetstat >/dev/null
for c in $(seq 1 60); do cli get "{g}:snap:$c" >/dev/null; done
printf '%-62s %s ms each\n' "log: a new replica reads it back (60 x GET), Redis blocked" \
  "$(ms "$(usec_per_call get)")"
echo

start_redis --appendonly yes --appendfsync always
measure "appendfsync always"
