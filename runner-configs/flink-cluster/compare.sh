#!/usr/bin/env bash
# The cluster check: starts the Flink session cluster (start.sh), runs the three jobs on the
# bundled samples once with the DirectRunner and once on the cluster, compares their outputs row
# by row (CompareOutputs.java: DuckDB over the Parquet outputs, SQL over the two warehouse
# tables), checks that the cluster shows every job FINISHED, then kills the TaskManager in the
# middle of a job and checks that the job fails loudly and publishes nothing, and stops the
# cluster. Exits non-zero on any difference.
#
#   runner-configs/flink-cluster/compare.sh         (from anywhere; needs pipelines/target/strata.jar)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
cd "$ROOT"
JAR=pipelines/target/strata.jar
WORK=${WORK:-target/cluster-compare}
RES=pipelines/src/test/resources
[ -f "$JAR" ] || mvn -B -q -ntp package -DskipTests
DUCK_JAR=target/duckdb_jdbc-2.0.0.1.jar
[ -f "$DUCK_JAR" ] || mvn -B -q -ntp dependency:copy -Dartifact=org.duckdb:duckdb_jdbc:2.0.0.1 -DoutputDirectory=target
compare() { java -cp "$JAR:$DUCK_JAR" "$HERE/CompareOutputs.java" "$@"; }
rm -rf "$WORK"; mkdir -p "$WORK"
trap '"$HERE/stop.sh" || true; [ -n "${PG:-}" ] && kill "$PG" 2>/dev/null || true' EXIT
"$HERE/start.sh"

# One PostgreSQL for both warehouse loads (schemas direct and cluster), so the tables can be
# compared with one query.
mkdir -p "$WORK/pg-input" # nothing to load: the run only starts the embedded PostgreSQL
java -jar "$JAR" warehouse --input="$WORK/pg-input" --output="$WORK/pg" --keepRunning > "$WORK/pg.log" 2>&1 &
PG=$!
for _ in $(seq 1 120); do grep -q "keeps running" "$WORK/pg.log" && break; sleep 0.5; done
URL=$(grep -o 'jdbc:postgresql://localhost:[0-9]*/postgres' "$WORK/pg.log" | head -1)
[ -n "$URL" ] || { echo "embedded PostgreSQL did not start"; cat "$WORK/pg.log"; exit 1; }

fail=0
for mode in direct cluster; do
  args=@runner-configs/direct.args
  [ "$mode" = cluster ] && args=@runner-configs/flink-cluster.args
  echo "== $mode"
  java -jar "$JAR" market --input=$RES/stocks-sample --output="$WORK/$mode/market" $args \
    | grep '^\[' | tee "$WORK/$mode-market.log"
  java -jar "$JAR" sensors --input=$RES/machina/sample_v0.csv --output="$WORK/$mode/sensors" $args \
    | grep '^\[' | tee "$WORK/$mode-sensors.log"
  java -jar "$JAR" warehouse --input=$RES/datawow --output="$WORK/$mode/warehouse" $args \
    --jdbcUrl="$URL?user=postgres" --table=$mode.data_sample | grep '^\[load\] files' | tee "$WORK/$mode-warehouse.log"
done

echo "== jobs on the cluster (GET http://localhost:8081/jobs/overview)"
curl -s http://localhost:8081/jobs/overview | python3 -c '
import json, sys
jobs = json.load(sys.stdin)["jobs"]
for j in sorted(jobs, key=lambda j: j["start-time"]):
    secs = (j["end-time"] - j["start-time"]) / 1000
    print("  %s  %-9s %6.1f s  %s" % (j["jid"], j["state"], secs, j["name"]))
bad = [j for j in jobs if j["state"] != "FINISHED"]
print(f"  {len(jobs)} jobs, {len(jobs) - len(bad)} FINISHED")
sys.exit(1 if bad or len(jobs) != 5 else 0)
' || fail=1

echo "== outputs, DirectRunner vs cluster, row by row"
for job in market sensors; do
  compare parquet "$WORK/direct/$job" "$WORK/cluster/$job" || fail=1
done
compare pg "$URL?user=postgres" direct.data_sample cluster.data_sample || fail=1
python3 - "$WORK" <<'PY' || fail=1
import json, os, sys
work = sys.argv[1]; bad = 0
for job, stages in {"market": ["raw", "features", "model"], "sensors": ["clean", "runs"], "warehouse": ["load"]}.items():
    for st in stages:
        a, b = (json.load(open(os.path.join(work, m, job, st, "_manifest.json")))["rows"] for m in ("direct", "cluster"))
        same = all(a[k] == b[k] for k in ("in", "out", "rejected", "dropped"))
        bad += not same
        print(f"{job + '/' + st + ' manifest':40} {'same' if same else 'DIFFERENT'}: in {a['in']:,} out {a['out']:,} rejected {a['rejected']:,} dropped {a['dropped']:,}" + ("" if same else f" vs {b}"))
# training runs in the launcher on the features: same features, same seed, same model
ma, mb = (json.load(open(os.path.join(work, m, "market", "model", "metrics.json")))["model"] for m in ("direct", "cluster"))
# (feature files are sharded differently, so sums over the test rows may differ in the last bits)
close = ma["rows"] == mb["rows"] and all(abs(ma[k] - mb[k]) <= 1e-9 * max(1.0, abs(ma[k])) for k in ("mae", "rmse", "r2"))
print(f"{'market/model metrics.json':40} {'same' if close else 'DIFFERENT'}: test rows {ma['rows']:,} vs {mb['rows']:,}, MAE {ma['mae']:,.3f} vs {mb['mae']:,.3f}, RMSE {ma['rmse']:,.3f} vs {mb['rmse']:,.3f}")
bad += not close
sys.exit(1 if bad else 0)
PY

echo "== a TaskManager killed mid-job"
java -jar "$JAR" market --input=$RES/stocks-sample --output="$WORK/killed" --stages=ingest \
  @runner-configs/flink-cluster.args > "$WORK/killed.log" 2>&1 &
JOB=$!
for _ in $(seq 1 120); do
  curl -s http://localhost:8081/jobs/overview | grep -q '"state":"RUNNING"' && break; sleep 0.5
done
sleep 2
TM=$(cat "${FLINK_RUN_DIR:-$ROOT/target/flink-cluster}/taskmanager.pid")
kill -9 "$TM"; echo "  killed TaskManager pid $TM while the job was RUNNING"
set +e; wait "$JOB"; code=$?; set -e
state=$(curl -s http://localhost:8081/jobs/overview | python3 -c 'import json,sys; print(sorted(json.load(sys.stdin)["jobs"], key=lambda j: j["start-time"])[-1]["state"])')
echo "  strata exit code $code; job state $state; $(grep -c 'FAILED' "$WORK/killed.log") FAILED lines in its log"
if [ "$code" -ne 0 ] && [ "$state" = FAILED ] && [ ! -e "$WORK/killed/raw/_manifest.json" ] && [ ! -e "$WORK/killed/raw" ]; then
  echo "  failed loudly: no raw/ and no manifest published (only .inprogress leftovers: $(ls -a "$WORK/killed" | grep -c inprogress))"
else
  echo "  NOT as expected"; fail=1
fi
[ "$fail" = 0 ] && echo "== all the same on the cluster as on the DirectRunner" || echo "== DIFFERENCES (see above)"
exit $fail
