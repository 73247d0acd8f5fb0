#!/usr/bin/env bash
# The prediction API under load from wrk, against the original solutions' way of serving the model
# (scikit-learn RandomForestRegressor, Flask, gunicorn with 2 workers), in the same run:
#
#   bench/api.sh [SECONDS]          (default 20; env API_JAVA_OPTS, default "-Xmx256m")
#
# Both servers answer GET /predict?vol_moving_avg=..&adj_close_rolling_med=.. on loopback; wrk runs
# -t2 -c32 --latency against each, the API first (after a 10 s warm-up), then the peer. Prints
# requests/s, p50/p99, the ratio, and the API's peak RSS (VmHWM). Needs the Debian packages wrk,
# python3-sklearn, python3-flask, gunicorn. Goals (issue 4): >= 20,000 req/s, p99 <= 10 ms,
# >= 100x the peer, API RSS <= 512 MiB.
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
  java -cp "$DUCK_JAR" bench/peer/ExportFeatures.java "$MODEL_DIR/features" "$WORK/peer-features.csv"
  /usr/bin/python3 bench/peer/sklearn_peer.py train "$WORK/peer-features.csv" "$WORK/peer-model.pkl"
fi

URL_Q="/predict?vol_moving_avg=12345&adj_close_rolling_med=25"
API_PORT=18080
PEER_PORT=18081
cleanup() { kill "$API_PID" "$PEER_PID" 2>/dev/null || true; }
trap cleanup EXIT

# shellcheck disable=SC2086
java $API_JAVA_OPTS -jar api/target/strata-api.jar --model=$MODEL_DIR/model/model.bin \
  --host=127.0.0.1 --port=$API_PORT > "$WORK/api.log" 2>&1 &
API_PID=$!
PEER_MODEL=$PWD/$WORK/peer-model.pkl gunicorn -w 2 -b 127.0.0.1:$PEER_PORT \
  --chdir bench/peer --log-level warning sklearn_peer:app > "$WORK/peer.log" 2>&1 &
PEER_PID=$!
for port in $API_PORT $PEER_PORT; do
  for _ in $(seq 1 120); do curl -sf "http://127.0.0.1:$port$URL_Q" >/dev/null && break; sleep 0.5; done
done
echo "api:  $(curl -s "http://127.0.0.1:$API_PORT$URL_Q")   peer: $(curl -s "http://127.0.0.1:$PEER_PORT$URL_Q")"

wrk -t2 -c32 -d10s "http://127.0.0.1:$API_PORT$URL_Q" > /dev/null   # JIT warm-up, not measured
wrk -t2 -c32 -d"${SECS}s" --latency "http://127.0.0.1:$API_PORT$URL_Q" | tee "$WORK/wrk-api.txt"
API_RSS_KB=$(awk '/VmHWM/ {print $2}' /proc/$API_PID/status)
wrk -t2 -c32 -d"${SECS}s" --latency "http://127.0.0.1:$PEER_PORT$URL_Q" | tee "$WORK/wrk-peer.txt"

python3 - "$WORK/wrk-api.txt" "$WORK/wrk-peer.txt" "$API_RSS_KB" "$API_JAVA_OPTS" <<'PY'
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
print(f"throughput ratio: {a[0]/p[0]:.0f}x   API peak RSS: {int(sys.argv[3])/1024:.0f} MiB ({sys.argv[4]})")
print("goals: >= 20,000 req/s, p99 <= 10 ms, >= 100x the peer, RSS <= 512 MiB")
PY
