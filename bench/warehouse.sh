#!/usr/bin/env bash
# The warehouse load against the single-stream limit, in the same run on this machine:
#
#   bench/warehouse.sh [FILES]      (default 43201 = the full 82.7 M rows; env WORK, JAVA_OPTS)
#
# 1. generates FILES Data Wow files once (strata.jar generate-warehouse);
# 2. loads them with strata.jar warehouse on embedded Flink into a fresh embedded PostgreSQL,
#    under /usr/bin/time (wall, peak RSS of the loader; the server is a separate process);
# 3. the peer: the same rows as one CSV (exported by DuckDB, not timed) loaded with
#    psql \copy into an index-free table of the same columns on an embedded PostgreSQL.
# Prints rows/s of both and the ratio. Goals (issue 6): 82.7 M rows in <= 5 min, >= 1.0 x the
# \copy rate, loader RSS <= 2 GiB.
set -euo pipefail
cd "$(dirname "$0")/.."
FILES=${1:-43201}
WORK=${WORK:-bench/work}
DATA=$WORK/warehouse-$FILES
mkdir -p "$WORK"
[ -f pipelines/target/strata.jar ] || mvn -B -q -ntp package -DskipTests
command -v psql >/dev/null || { echo "needs psql (Debian package postgresql-client)"; exit 1; }
DUCK_JAR=$WORK/duckdb_jdbc-2.0.0.1.jar
[ -f "$DUCK_JAR" ] || mvn -B -q -ntp dependency:copy -Dartifact=org.duckdb:duckdb_jdbc:2.0.0.1 -DoutputDirectory="$WORK"
if [ ! -f "$DATA/$(printf '2023-01-01 00:00:00.parquet')" ] || [ "$(find "$DATA" -name '*.parquet' | wc -l)" -ne "$FILES" ]; then
  rm -rf "$DATA"
  java -jar pipelines/target/strata.jar generate-warehouse --output="$DATA" --files="$FILES"
fi
ROWS=$((FILES * 1914))

OUT=$WORK/warehouse-out
rm -rf "$OUT"
t=$(mktemp)
# shellcheck disable=SC2086
/usr/bin/time -f "%e %M" -o "$t" java ${JAVA_OPTS:-} -jar pipelines/target/strata.jar warehouse \
  --input="$DATA" --output="$OUT" @runner-configs/flink-local.args | tee "$WORK/warehouse.log"
read -r wall rss < "$t"; rm -f "$t"
# The full load's database is ~20 GB; free it before the peer's (KEEP=1 keeps it).
[ "${KEEP:-0}" = 1 ] || rm -rf "$OUT/pgdata"

# the peer: one CSV, one psql \copy, no index
CSV=$WORK/warehouse-$FILES.csv
[ -f "$CSV" ] || java -cp "$DUCK_JAR" bench/peers/ExportCsv.java "$DATA" "$CSV"
PEER=$WORK/warehouse-peer
rm -rf "$PEER"; mkdir -p "$PEER/empty"
java -jar pipelines/target/strata.jar warehouse --input="$PEER/empty" --output="$PEER" \
  --keepRunning > "$PEER/server.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 1 120); do grep -q "keeps running" "$PEER/server.log" && break; sleep 0.5; done
PORT=$(grep -o 'localhost:[0-9]*' "$PEER/server.log" | head -1 | cut -d: -f2)
PSQL="psql -q -h localhost -p $PORT -U postgres postgres"
$PSQL -c "CREATE TABLE copy_peer (department_name varchar(32), sensor_serial varchar(64), create_at timestamp, product_name varchar(16), product_expire timestamp)"
start=$(date +%s.%N)
$PSQL -c "\\copy copy_peer FROM '$CSV' WITH (FORMAT csv)"
peer=$(echo "$(date +%s.%N) - $start" | bc)
peer_rows=$($PSQL -t -A -c "SELECT count(*) FROM copy_peer")
python3 - "$wall" "$rss" "$peer" "$ROWS" "$peer_rows" "$OUT" <<'PY'
import json, sys, os
wall, rss, peer, rows, peer_rows, out = float(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), sys.argv[6]
m = json.load(open(os.path.join(out, "load", "_manifest.json")))
loaded = m["counters"]["rows"]
print(f"\nstrata warehouse: {loaded:,} rows in {wall:.1f} s = {loaded/wall:,.0f} rows/s (whole process, embedded Flink), loader peak RSS {rss/1024/1024:.2f} GiB")
print(f"psql \\copy peer : {peer_rows:,} rows in {peer:.1f} s = {peer_rows/peer:,.0f} rows/s (one stream, no index)")
print(f"ratio: {(loaded/wall)/(peer_rows/peer):.2f} x the single-stream rate   (expected rows {rows:,})")
print("goals: 82.7 M rows in <= 300 s, >= 1.0 x \\copy, loader RSS <= 2 GiB")
PY
