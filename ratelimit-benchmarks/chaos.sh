#!/usr/bin/env bash
# The long reliability scenarios of issue 20 (see RELIABILITY.md), kept out of `mvn verify`. Each section is
# bounded in time and prints a table; each starts its own redis-server on a free loopback port.
#
#   ratelimit-benchmarks/chaos.sh soak [minutes] [redis|memory|both]   # scenario 4: default 10 min per store, both
#   ratelimit-benchmarks/chaos.sh redeploy [count]                     # scenario 5: default 50 redeploys under load
#   ratelimit-benchmarks/chaos.sh cluster [seconds]                    # scenario 1 under full load: default 60 s,
#                                                                      #   a master killed a third of the way in
#
# Needs: JDK 17+, Maven, redis-server (else embedded-redis' binary is used).
set -euo pipefail

cd "$(dirname "$0")/.."
section=${1:-}
case "$section" in
  soak)
    minutes=${2:-10}
    store=${3:-both}
    stores=$([ "$store" = both ] && echo 2 || echo 1)
    echo "[chaos.sh] building ratelimit-benchmarks and what it needs (no tests)"
    mvn -B -q -pl ratelimit-benchmarks -am -P bench -DskipTests package
    # Bounded: the soak's own minutes per store, plus 2 minutes per store for start, samples and stop.
    limit=$(awk -v m="$minutes" -v s="$stores" 'BEGIN { printf "%d", (m * 60 + 120) * s }')
    timeout --signal=TERM --kill-after=10 "$limit" \
      java -Xmx512m -cp ratelimit-benchmarks/target/benchmarks.jar dev.ratelimit.bench.Soak "$minutes" "$store"
    ;;
  cluster)
    seconds=${2:-60}
    echo "[chaos.sh] building ratelimit-benchmarks and what it needs (no tests)"
    mvn -B -q -pl ratelimit-benchmarks -am -P bench -DskipTests package
    # Bounded: the run, plus 2 minutes for the cluster's start, the warm-up, the report and the stop.
    timeout --signal=TERM --kill-after=10 $(( seconds + 120 )) \
      java -Xmx512m -cp ratelimit-benchmarks/target/benchmarks.jar dev.ratelimit.bench.ClusterFailover "$seconds"
    ;;
  redeploy)
    count=${2:-50}
    report=ratelimit-filter/target/surefire-reports/dev.ratelimit.servlet.RedeployUnderLoadTest-output.txt
    # Bounded: 20 s per redeploy is far beyond what one takes (about 0.3 s here), plus the build.
    timeout --signal=TERM --kill-after=10 $(( 300 + 20 * count )) \
      mvn -B -q -pl ratelimit-filter -am verify -Dtest=RedeployUnderLoadTest -Dsurefire.failIfNoSpecifiedTests=false \
        -Dredeploys="$count" || { status=$?; grep -h '\[redeploy\]' "$report" 2>/dev/null; exit $status; }
    grep -h '\[redeploy\]' "$report"
    ;;
  *)
    echo "usage: $0 soak [minutes] [redis|memory|both] | redeploy [count] | cluster [seconds]" >&2
    exit 2
    ;;
esac
