#!/usr/bin/env bash
# Makes sure PostgreSQL (127.0.0.1:5432, trust auth, database test) and Redis (127.0.0.1:6379) answer; starts them
# with the machine's own commands when they do not, and fails loudly if they still do not.
set -uo pipefail

pg_up() { pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; }
redis_up() { redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -q PONG; }

if ! command -v pg_isready >/dev/null || ! command -v redis-cli >/dev/null; then
  apt-get update -qq && apt-get install -y -qq postgresql redis-server >/dev/null || true
fi
if ! pg_up; then
  echo "starting PostgreSQL"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
  for _ in $(seq 1 30); do pg_up && break; sleep 1; done
fi
if ! redis_up; then
  echo "starting Redis"
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log || true
  for _ in $(seq 1 30); do redis_up && break; sleep 1; done
fi
pg_up || { echo "PostgreSQL is not answering on 127.0.0.1:5432"; exit 1; }
redis_up || { echo "Redis is not answering on 127.0.0.1:6379"; exit 1; }
psql -h 127.0.0.1 -U postgres -d test -c 'select 1' >/dev/null || { echo "cannot connect to database test as postgres"; exit 1; }
echo "PostgreSQL and Redis are up"
