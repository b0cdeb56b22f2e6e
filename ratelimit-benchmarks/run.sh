#!/usr/bin/env bash
# Runs every benchmark of the project in one go, against one redis-server it starts on a free loopback
# port (never the machine's 6379), and prints one table of ratios against baselines measured in the
# same run. Bounded: the whole script, build included, stops within BENCH_TIME_LIMIT seconds (600).
#
#   ratelimit-benchmarks/run.sh              # jmh, e2e and memory
#   ratelimit-benchmarks/run.sh jmh          # sections: jmh, e2e, memory (the default), algorithms, evidence
#   ratelimit-benchmarks/run.sh algorithms   # sliding window and concurrency pair vs raw EVALSHA, sliding memory (~5 min)
#
# Needs: JDK 17+, Maven, redis-server (else embedded-redis' binary is used), wrk for the end-to-end
# load (Debian: apt-get install -y wrk; without it that section is skipped).
# Knobs (system properties via BENCH_JAVA_OPTS): -Dbench.wi=5 -Dbench.i=3 -Dbench.w=2 -Dbench.r=2 (JMH
# warm-up/measurement iterations and their seconds).
set -euo pipefail

cd "$(dirname "$0")/.."
start=$(date +%s)
limit=${BENCH_TIME_LIMIT:-600}
work=ratelimit-benchmarks/target/bench-work

command -v redis-server >/dev/null || echo "[run.sh] redis-server not on PATH: using the embedded-redis binary"
command -v wrk >/dev/null || echo "[run.sh] wrk not on PATH: the end-to-end load is skipped (Debian: apt-get install -y wrk)"

echo "[run.sh] building ratelimit-benchmarks and what it needs (no tests)"
mvn -B -q -pl ratelimit-benchmarks -am -P bench -DskipTests package

rm -rf "$work"
mkdir -p "$work"
left=$(( limit - ($(date +%s) - start) - 15 ))
if (( left < 60 )); then
  echo "[run.sh] only ${left}s left of ${limit}s after the build: not starting" >&2
  exit 1
fi
echo "[run.sh] running (at most ${left}s); JMH logs in $work"
# SIGTERM on overrun: the JVM's shutdown hook stops the redis-server it started.
timeout --signal=TERM --kill-after=10 "$left" \
  java ${BENCH_JAVA_OPTS:-} -Dbench.work="$work" -jar ratelimit-benchmarks/target/benchmarks.jar "$@"
echo "[run.sh] done in $(( $(date +%s) - start ))s"
