#!/usr/bin/env bash
# The prediction API under load from wrk, against the original solutions' way of serving the model
# (scikit-learn RandomForestRegressor, Flask, gunicorn with 2 workers), in the same run:
#
#   bench/api.sh [SECONDS]          (default 20; env API_JAVA_OPTS, default "-Xmx256m")
#
# Both servers answer GET /predict?vol_moving_avg=..&adj_close_rolling_med=.. on loopback; wrk runs
# -t2 -c32 --latency against each, the API first (after a 10 s warm-up), then the peer. Prints
# requests/s, p50/p99, the ratio, and the API's peak RSS (VmHWM). Then the mixed load
# (bench/api-mixed.lua: predictions, 1,000-row POSTs, sample streams, plots of the sensors run
# with the most rows in RUNS_DIR, default out/sensors) and the peak RSS after it.
# With BASELINE_API_JAR=PATH it also measures GET /predict of that jar and of this build
# alternately, 3 rounds each, and prints the medians (the no-regression guard of issue 15).
# Needs the Debian packages wrk, python3-sklearn, python3-flask, gunicorn. Goals (issue 4):
# >= 20,000 req/s, p99 <= 10 ms, >= 100x the peer, API RSS <= 512 MiB (also under mixed load).
set -euo pipefail
cd "$(dirname "$0")/.."
SECS=${1:-20}
WORK=${WORK:-bench/work}
API_JAVA_OPTS=${API_JAVA_OPTS:--Xmx256m}
mkdir -p "$WORK"
for cmd in wrk gunicorn; do
  command -v $cmd >/dev/null || { echo "needs $cmd: apt-get install wrk python3-sklearn python3-flask gunicorn"; exit 1; }
done
[ -f api/target/strata-api.jar ] && [ -f pipelines/target/strata.jar ] || mvn -B -q -ntp package -DskipTests
# The model and features of the full-scale run (bench/market-dag.sh) when present, else the sample's.
MODEL_DIR=${MODEL_DIR:-$WORK/dag-out}
if [ ! -f "$MODEL_DIR/model/model.bin" ]; then
  MODEL_DIR=out/market
  [ -f $MODEL_DIR/model/model.bin ] || java -jar pipelines/target/strata.jar market \
    --input=pipelines/src/test/resources/stocks-sample --output=$MODEL_DIR
fi
echo "model and features: $MODEL_DIR"
DUCK_JAR=$WORK/duckdb_jdbc-2.0.0.1.jar
[ -f "$DUCK_JAR" ] || mvn -B -q -ntp dependency:copy -Dartifact=org.duckdb:duckdb_jdbc:2.0.0.1 -DoutputDirectory="$WORK"
if [ ! -f $WORK/peer-model.pkl ] || [ "$MODEL_DIR/model/model.bin" -nt $WORK/peer-model.pkl ]; then
  java -cp "$DUCK_JAR" bench/peers/ExportFeatures.java "$MODEL_DIR/features" "$WORK/peer-features.csv"
  /usr/bin/python3 bench/peers/sklearn_peer.py train "$WORK/peer-features.csv" "$WORK/peer-model.pkl"
fi

# The sensors runs for the mixed load: the README's sensors command's output unless RUNS_DIR is set.
RUNS_DIR=${RUNS_DIR:-out/sensors}
[ -d "$RUNS_DIR/runs" ] || java -jar pipelines/target/strata.jar sensors \
  --input='pipelines/src/test/resources/machina/*' --output="$RUNS_DIR"
RUN_ID=$(java -cp "$DUCK_JAR" bench/peers/LongestRun.java "$RUNS_DIR")
echo "runs: $RUNS_DIR (mixed load plots and streams run $RUN_ID)"

URL_Q="/predict?vol_moving_avg=12345&adj_close_rolling_med=25"
API_PORT=18080
PEER_PORT=18081
cleanup() { kill "$API_PID" "$PEER_PID" 2>/dev/null || true; }
trap cleanup EXIT

# shellcheck disable=SC2086
java $API_JAVA_OPTS -jar api/target/strata-api.jar --model=$MODEL_DIR/model/model.bin \
  --runs="$RUNS_DIR" --host=127.0.0.1 --port=$API_PORT > "$WORK/api.log" 2>&1 &
API_PID=$!
PEER_MODEL=$PWD/$WORK/peer-model.pkl gunicorn -w 2 -b 127.0.0.1:$PEER_PORT \
  --chdir bench/peers --log-level warning sklearn_peer:app > "$WORK/peer.log" 2>&1 &
PEER_PID=$!
for port in $API_PORT $PEER_PORT; do
  for _ in $(seq 1 120); do curl -sf "http://127.0.0.1:$port$URL_Q" >/dev/null && break; sleep 0.5; done
done
echo "api:  $(curl -s "http://127.0.0.1:$API_PORT$URL_Q")   peer: $(curl -s "http://127.0.0.1:$PEER_PORT$URL_Q")"

wrk -t2 -c32 -d10s "http://127.0.0.1:$API_PORT$URL_Q" > /dev/null   # JIT warm-up, not measured
wrk -t2 -c32 -d"${SECS}s" --latency "http://127.0.0.1:$API_PORT$URL_Q" | tee "$WORK/wrk-api.txt"
API_RSS_KB=$(awk '/VmHWM/ {print $2}' /proc/$API_PID/status)
wrk -t2 -c32 -d"${SECS}s" --latency "http://127.0.0.1:$PEER_PORT$URL_Q" | tee "$WORK/wrk-peer.txt"
wrk -t2 -c32 -d"${SECS}s" --latency -s bench/api-mixed.lua "http://127.0.0.1:$API_PORT" -- "$RUN_ID" \
  | tee "$WORK/wrk-mixed.txt"
API_MIXED_RSS_KB=$(awk '/VmHWM/ {print $2}' /proc/$API_PID/status)

python3 - "$WORK/wrk-api.txt" "$WORK/wrk-peer.txt" "$API_RSS_KB" "$API_JAVA_OPTS" \
  "$WORK/wrk-mixed.txt" "$API_MIXED_RSS_KB" <<'PY'
import re, sys
def parse(path):
    t = open(path).read()
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", t).group(1))
    def lat(p):
        v, unit = re.search(rf"\s{p}%\s+([\d.]+)(us|ms|s)", t).groups()
        return float(v) * {"us": 0.001, "ms": 1, "s": 1000}[unit]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", t)
    return rps, lat(50), lat(99), int(errors.group(1)) if errors else 0
a, p = parse(sys.argv[1]), parse(sys.argv[2])
print(f"\n{'':22}{'req/s':>10}{'p50 ms':>9}{'p99 ms':>9}{'non-2xx':>9}")
print(f"{'strata-api (Vert.x)':22}{a[0]:10.0f}{a[1]:9.2f}{a[2]:9.2f}{a[3]:9d}")
print(f"{'sklearn RF + gunicorn':22}{p[0]:10.0f}{p[1]:9.2f}{p[2]:9.2f}{p[3]:9d}")
m = parse(sys.argv[5])
print(f"{'strata-api mixed load':22}{m[0]:10.0f}{m[1]:9.2f}{m[2]:9.2f}{m[3]:9d}")
print(f"throughput ratio: {a[0]/p[0]:.0f}x   API peak RSS: {int(sys.argv[3])/1024:.0f} MiB after /predict,"
      f" {int(sys.argv[6])/1024:.0f} MiB after the mixed load ({sys.argv[4]})")
print("goals: >= 20,000 req/s, p99 <= 10 ms, >= 100x the peer, RSS <= 512 MiB")
PY

# The guard: GET /predict of BASELINE_API_JAR and of this build, alternately, same settings.
if [ -n "${BASELINE_API_JAR:-}" ]; then
  kill "$API_PID" 2>/dev/null || true
  wait "$API_PID" 2>/dev/null || true
  for round in 1 2 3; do
    for which in baseline current; do
      jar=api/target/strata-api.jar
      [ $which = baseline ] && jar=$BASELINE_API_JAR
      # shellcheck disable=SC2086
      java $API_JAVA_OPTS -jar "$jar" --model=$MODEL_DIR/model/model.bin \
        --host=127.0.0.1 --port=$API_PORT > "$WORK/api-$which.log" 2>&1 &
      API_PID=$!
      for _ in $(seq 1 120); do curl -sf "http://127.0.0.1:$API_PORT$URL_Q" >/dev/null && break; sleep 0.5; done
      wrk -t2 -c32 -d10s "http://127.0.0.1:$API_PORT$URL_Q" > /dev/null
      wrk -t2 -c32 -d"${SECS}s" --latency "http://127.0.0.1:$API_PORT$URL_Q" > "$WORK/guard-$which-$round.txt"
      kill "$API_PID"; wait "$API_PID" 2>/dev/null || true
    done
  done
  python3 - "$WORK" <<'PY'
import re, statistics, sys
def parse(path):
    t = open(path).read()
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", t).group(1))
    v, unit = re.search(r"\s99%\s+([\d.]+)(us|ms|s)", t).groups()
    return rps, float(v) * {"us": 0.001, "ms": 1, "s": 1000}[unit]
r = {w: [parse(f"{sys.argv[1]}/guard-{w}-{i}.txt") for i in (1, 2, 3)] for w in ("baseline", "current")}
med = {w: (statistics.median(x[0] for x in v), statistics.median(x[1] for x in v)) for w, v in r.items()}
for w, (rps, p99) in med.items():
    print(f"guard {w:9} median of 3: {rps:8.0f} req/s  p99 {p99:6.2f} ms   runs: "
          + ", ".join(f"{x[0]:.0f}/{x[1]:.2f}" for x in r[w]))
print(f"current/baseline: throughput {med['current'][0]/med['baseline'][0]:.3f}, "
      f"p99 {med['current'][1]/med['baseline'][1]:.3f} (guard: throughput >= 0.95, p99 <= 1.05)")
PY
fi
