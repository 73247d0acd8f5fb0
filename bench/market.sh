#!/usr/bin/env bash
# Market job, stages 1-2, against the DuckDB peer (bench/peer/DuckDbPeer.java), back to back on
# the same full-scale synthetic dataset and the same machine.
#
#   bench/market.sh [RUNS]          (default 3; env DATA=dir to reuse a generated dataset)
#
# Prints wall time and peak RSS of each side per stage, the medians over RUNS alternating runs, and
# the ratios strata/DuckDB. Each measurement is one whole process under /usr/bin/time, JVM start-up
# included on both sides. strata runs on embedded Flink (runner-configs/flink-local.args).
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-3}
WORK=${WORK:-bench/work}
DATA=${DATA:-$WORK/market-full}
mkdir -p "$WORK"

[ -f pipelines/target/strata.jar ] || mvn -B -q -ntp package -DskipTests
DUCK_JAR=$WORK/duckdb_jdbc-2.0.0.1.jar
[ -f "$DUCK_JAR" ] || mvn -B -q -ntp dependency:copy -Dartifact=org.duckdb:duckdb_jdbc:2.0.0.1 -DoutputDirectory="$WORK"
if [ ! -f "$DATA/symbols_valid_meta.csv" ]; then
  java -jar pipelines/target/strata.jar generate-market --output="$DATA" --scale=1.0
fi
echo "dataset: $DATA ($(du -shL "$DATA" | cut -f1), $(find -L "$DATA/etfs" "$DATA/stocks" -name '*.csv' | wc -l) price files)"

STRATA_OUT=$WORK/strata-out
PEER_OUT=$WORK/duckdb-out
mkdir -p "$PEER_OUT"
RESULTS=$WORK/results.tsv
: > "$RESULTS"

measure() { # name stage cmd...  -> appends "name stage wall_s rss_kb"
  local name=$1 stage=$2; shift 2
  local t; t=$(mktemp)
  /usr/bin/time -f "%e %M" -o "$t" "$@" > "$WORK/last-$name-$stage.log" 2>&1 \
    || { echo "FAILED: $name $stage (see $WORK/last-$name-$stage.log)"; cat "$WORK/last-$name-$stage.log" | tail -20; exit 1; }
  read -r wall rss < "$t"; rm -f "$t"
  printf '%s\t%s\t%s\t%s\n' "$name" "$stage" "$wall" "$rss" | tee -a "$RESULTS"
}

for run in $(seq 1 "$RUNS"); do
  echo "--- run $run of $RUNS"
  measure strata ingest java -jar pipelines/target/strata.jar market --input="$DATA" \
    --output="$STRATA_OUT" --stages=ingest --force @runner-configs/flink-local.args
  measure duckdb ingest java -cp "$DUCK_JAR" bench/peer/DuckDbPeer.java ingest "$DATA" "$PEER_OUT" 2
  measure strata features java -jar pipelines/target/strata.jar market --input="$DATA" \
    --output="$STRATA_OUT" --stages=features --force @runner-configs/flink-local.args
  measure duckdb features java -cp "$DUCK_JAR" bench/peer/DuckDbPeer.java features "$PEER_OUT" 2
done

grep -h '\] .* rows in' "$WORK"/last-strata-*.log || true
python3 - "$RESULTS" <<'PY'
import sys, statistics, collections
rows = [l.split('\t') for l in open(sys.argv[1]) if l.strip()]
wall = collections.defaultdict(list); rss = collections.defaultdict(list)
for name, stage, w, r in rows:
    wall[(name, stage)].append(float(w)); rss[(name, stage)].append(int(r))
print(f"\n{'stage':10} {'strata wall s':>14} {'duckdb wall s':>14} {'ratio':>7} {'strata RSS MiB':>15} {'duckdb RSS MiB':>15}")
for stage in ("ingest", "features"):
    sw = statistics.median(wall[("strata", stage)]); dw = statistics.median(wall[("duckdb", stage)])
    sr = max(rss[("strata", stage)]) / 1024; dr = max(rss[("duckdb", stage)]) / 1024
    print(f"{stage:10} {sw:14.1f} {dw:14.1f} {sw/dw:7.2f} {sr:15.0f} {dr:15.0f}")
print("(medians of wall time over runs; RSS is the peak over runs)")
PY
