#!/usr/bin/env bash
# Runs the benchmarks of the project against one redis-server it starts on a free loopback port (never the
# machine's 6379), and prints one table of ratios against baselines measured in the same run, plus PNG charts.
# Bounded: each run, build included, stops within BENCH_TIME_LIMIT seconds (600).
#
#   ratelimit-benchmarks/run.sh              # the default: jmh and memory (~8 min with the build)
#   ratelimit-benchmarks/run.sh e2e          # one or more sections: jmh, engine, algorithms, evidence, e2e, fleet, memory
#   ratelimit-benchmarks/run.sh all          # every section, each its own bounded run (600 s each, one build)
#   ratelimit-benchmarks/run.sh jmh e2e fleet   # several sections: each its own bounded run, as for all
#   ratelimit-benchmarks/run.sh --publish e2e fleet   # also copies the charts to src/docs/bench/ for BENCHMARKS.md
#
# Needs: JDK 17+, Maven, redis-server (else embedded-redis' binary is used), wrk for the end-to-end and fleet
# sections (Debian: apt-get install -y wrk; without it they are skipped), gnuplot for the charts (Debian:
# apt-get install -y gnuplot-nox; without it the charts' data files stay in target/bench-work/charts).
# Knobs (system properties via BENCH_JAVA_OPTS): -Dbench.wi=4 -Dbench.i=3 -Dbench.w=2 -Dbench.r=2 (JMH
# warm-up/measurement iterations and their seconds); -Dbench.e2e.rounds=3 -Dbench.e2e.s=5 -Dbench.e2e.w=8
# (end-to-end and fleet: rounds, seconds per wrk run, warm-up seconds).
set -euo pipefail

cd "$(dirname "$0")/.."
start=$(date +%s)
limit=${BENCH_TIME_LIMIT:-600}
work=ratelimit-benchmarks/target/bench-work
publish=
args=()
for a in "$@"; do
  if [[ $a == --publish ]]; then publish=1; else args+=("$a"); fi
done

command -v redis-server >/dev/null || echo "[run.sh] redis-server not on PATH: using the embedded-redis binary"
command -v wrk >/dev/null || echo "[run.sh] wrk not on PATH: the end-to-end and fleet loads are skipped (Debian: apt-get install -y wrk)"
command -v gnuplot >/dev/null || echo "[run.sh] gnuplot not on PATH: no charts (Debian: apt-get install -y gnuplot-nox)"

echo "[run.sh] building ratelimit-benchmarks and what it needs (no tests)"
mvn -B -q -pl ratelimit-benchmarks -am -P bench -DskipTests package

rm -rf "$work"
mkdir -p "$work"

# One bounded run of RunAll; $1: seconds it may take from $2 (its start, build included for the first).
run() {
  local budget=$1 since=$2; shift 2
  local left=$(( budget - ($(date +%s) - since) - 15 ))
  if (( left < 60 )); then
    echo "[run.sh] only ${left}s left of ${budget}s: not starting $*" >&2
    return 1
  fi
  echo "[run.sh] running ${*:-the default sections} (at most ${left}s); JMH and Tomcat logs in $work"
  # SIGTERM on overrun: the JVM's shutdown hook stops the redis-server it started; its Tomcats end with it.
  timeout --signal=TERM --kill-after=10 "$left" \
    java ${BENCH_JAVA_OPTS:-} -Dbench.work="$work" -jar ratelimit-benchmarks/target/benchmarks.jar "$@"
}

status=0
sections=()
if (( ${#args[@]} == 1 )) && [[ ${args[0]} == all ]]; then
  sections=(jmh engine e2e fleet memory algorithms evidence)
elif (( ${#args[@]} > 1 )); then
  sections=("${args[@]}")
fi
if (( ${#sections[@]} > 0 )); then
  # Each section on its own, each within the bound (the first one's includes the build); results add up in $work.
  first=1
  for section in "${sections[@]}"; do
    if (( first )); then since=$start; first=0; else since=$(date +%s); fi
    run "$limit" "$since" "$section" || status=$?
  done
else
  run "$limit" "$start" ${args[@]+"${args[@]}"} || status=$?
fi

if [[ -n $publish ]] && ls "$work"/charts/*.png >/dev/null 2>&1; then
  mkdir -p src/docs/bench
  cp "$work"/charts/*.png src/docs/bench/
  echo "[run.sh] charts copied to src/docs/bench/"
fi
echo "[run.sh] done in $(( $(date +%s) - start ))s"
exit $status
