#!/usr/bin/env bash
# Market job, stages 1-2, against the DuckDB peer (bench/peers/DuckDbPeer.java), back to back on
# the same full-scale synthetic dataset and the same machine.
#
#   bench/market.sh [RUNS]          (default 3; env DATA=dir to reuse a generated dataset,
#                                    DIRECT=1 to also run strata on the DirectRunner)
#
# Prints wall time and peak RSS of each side per stage, the medians over RUNS alternating runs, and
# the ratios strata/DuckDB. Each measurement is one whole process under /usr/bin/time, JVM start-up
# included on both sides. strata runs on embedded Flink (runner-configs/flink-local.args); with
# DIRECT=1 each round also runs both stages with --runner=DirectRunner into an output of their own,
# and the table gains the DirectRunner's figures and its ratio to embedded Flink (goal: <= 3).
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
  measure duckdb ingest java -cp "$DUCK_JAR" bench/peers/DuckDbPeer.java ingest "$DATA" "$PEER_OUT" 2
  measure strata features java -jar pipelines/target/strata.jar market --input="$DATA" \
    --output="$STRATA_OUT" --stages=features --force @runner-configs/flink-local.args
  measure duckdb features java -cp "$DUCK_JAR" bench/peers/DuckDbPeer.java features "$PEER_OUT" 2
  if [ "${DIRECT:-0}" = 1 ]; then
    measure direct ingest java -jar pipelines/target/strata.jar market --input="$DATA" \
      --output="$WORK/strata-direct-out" --stages=ingest --force --runner=DirectRunner
    measure direct features java -jar pipelines/target/strata.jar market --input="$DATA" \
      --output="$WORK/strata-direct-out" --stages=features --force --runner=DirectRunner
  fi
done

grep -h '\] .* rows in' "$WORK"/last-strata-*.log || true
mkdir -p bench/results
python3 - "$RESULTS" "$RUNS" <<'PY' | tee bench/results/market.md
import datetime, os, sys, statistics, collections
rows = [l.split('\t') for l in open(sys.argv[1]) if l.strip()]
print(f"# `bench/market.sh`: market ingest and features against DuckDB\n\n{datetime.date.today()}, "
      f"{os.cpu_count()} cores; {sys.argv[2]} alternating runs, whole processes; strata on embedded "
      "Flink (and, with DIRECT=1, the DirectRunner), DuckDB with 2 threads.\n\n```")
wall = collections.defaultdict(list); rss = collections.defaultdict(list)
for name, stage, w, r in rows:
    wall[(name, stage)].append(float(w)); rss[(name, stage)].append(int(r))
print(f"\n{'stage':10} {'strata wall s':>14} {'duckdb wall s':>14} {'ratio':>7} {'strata RSS MiB':>15} {'duckdb RSS MiB':>15}")
for stage in ("ingest", "features"):
    sw = statistics.median(wall[("strata", stage)]); dw = statistics.median(wall[("duckdb", stage)])
    sr = max(rss[("strata", stage)]) / 1024; dr = max(rss[("duckdb", stage)]) / 1024
    print(f"{stage:10} {sw:14.1f} {dw:14.1f} {sw/dw:7.2f} {sr:15.0f} {dr:15.0f}")
if ("direct", "ingest") in wall:
    print(f"\n{'stage':10} {'direct wall s':>14} {'/ flink':>8} {'direct RSS MiB':>15} {'/ flink':>8}")
    for stage in ("ingest", "features"):
        sw = statistics.median(wall[("strata", stage)]); xw = statistics.median(wall[("direct", stage)])
        sr = max(rss[("strata", stage)]) / 1024; xr = max(rss[("direct", stage)]) / 1024
        print(f"{stage:10} {xw:14.1f} {xw/sw:8.2f} {xr:15.0f} {xr/sr:8.2f}")
print("(medians of wall time over runs; RSS is the peak over runs)\n```")
PY
