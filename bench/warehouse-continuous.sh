#!/usr/bin/env bash
# warehouse --continuous under load, on this machine (issue 16's benchmark):
#
#   bench/warehouse-continuous.sh [steady|catchup|all]     (default all)
#
# env: MINUTES (steady state, default 5), RATE (files/s, default 2), FILES (catch-up backlog,
# default 43201 = the full 82.7 M rows), POLL (--pollSeconds, default 2), WORK, JAVA_OPTS.
#
# steady  - a producer renames RATE files/s into --input for MINUTES minutes while
#           `warehouse --continuous` runs (embedded Flink, a fresh embedded PostgreSQL). Per file,
#           the latency from its rename into place (recorded by the producer) to its commit (the
#           ledger's loaded_at: the load transaction's start, which commits right after its COPY);
#           p50 / p95 / max, and whether the backlog grew: files renamed in but not yet
#           committed, in the middle of the run and at its last rename (and its peak). Goal:
#           p95 <= 5 s, no growing backlog.
# catchup - FILES Data Wow files (strata.jar generate-warehouse, once; shared with
#           bench/warehouse.sh) loaded twice into fresh databases in the same run: the batch load
#           (whole process: JVM, PostgreSQL start, load, index), then `--continuous` from process
#           start until the ledger holds every file. rows/s of both and the ratio. Goal: >= 0.8 x.
set -euo pipefail
cd "$(dirname "$0")/.."
WHAT=${1:-all}
MINUTES=${MINUTES:-5}
RATE=${RATE:-2}
FILES=${FILES:-43201}
POLL=${POLL:-2}
WORK=${WORK:-bench/work}
mkdir -p "$WORK"
WORK=$(cd "$WORK" && pwd)
[ -f pipelines/target/strata.jar ] || mvn -B -q -ntp package -DskipTests
command -v psql >/dev/null || { echo "needs psql (Debian package postgresql-client)"; exit 1; }
STRATA=(java ${JAVA_OPTS:-} -jar pipelines/target/strata.jar)
JOB=

cleanup() { if [ -n "$JOB" ] && kill -0 "$JOB" 2>/dev/null; then kill -TERM "$JOB"; wait "$JOB" || true; fi; }
trap cleanup EXIT

# Waits until FILE contains TEXT (or the job JOB ended, or SECS passed).
await_log() {
  local file=$1 text=$2 secs=$3
  for _ in $(seq 1 $((secs * 5))); do
    grep -q -- "$text" "$file" 2>/dev/null && return 0
    kill -0 "$JOB" 2>/dev/null || { echo "the job ended:"; tail -n 30 "$file"; exit 1; }
    sleep 0.2
  done
  echo "no '$text' in $file after $secs s"; tail -n 30 "$file"; exit 1
}

# The psql command for the embedded PostgreSQL a job's log names.
psql_of() {
  local port
  port=$(grep -o 'jdbc:postgresql://localhost:[0-9]*' "$1" | head -1 | grep -o '[0-9]*$')
  echo "psql -q -t -A -h localhost -p $port -U postgres postgres"
}

# Starts `warehouse --continuous` in the background: JOB is its pid.
start_continuous() {
  local in=$1 out=$2 log=$3
  "${STRATA[@]}" warehouse --input="$in" --output="$out" --continuous --pollSeconds="$POLL" \
    @runner-configs/flink-local.args > "$log" 2>&1 &
  JOB=$!
}

# SIGTERM, and the exit status must be 0.
stop_continuous() {
  local log=$1
  kill -TERM "$JOB"
  local rc=0
  wait "$JOB" || rc=$?
  JOB=
  [ "$rc" = 0 ] || { echo "the continuous job exited $rc"; tail -n 30 "$log"; exit 1; }
}

steady() {
  local n=$((MINUTES * 60 * RATE)) dir=$WORK/wc-steady
  rm -rf "$dir"; mkdir -p "$dir/in" "$dir/staging"
  echo "== steady state: $RATE files/s for $MINUTES min ($n files), --pollSeconds=$POLL"
  # one file more than produced: the warm-up, which tells that the watch is polling
  "${STRATA[@]}" generate-warehouse --output="$dir/staging" --files=$((n + 1)) > "$dir/gen.log" 2>&1
  local warm
  warm=$(ls "$dir/staging" | sort | tail -1)
  start_continuous "$dir/in" "$dir/out" "$dir/job.log"
  await_log "$dir/job.log" "continuous: watching" 120
  mv "$dir/staging/$warm" "$dir/in/"
  await_log "$dir/job.log" "done 1," 180
  # the producer: RATE renames a second, on a fixed schedule; it records each rename's time
  python3 - "$dir/staging" "$dir/in" "$RATE" "$dir/renames.csv" <<'PY'
import os, sys, time
staging, into, rate, out = sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4]
names = sorted(os.listdir(staging))
t0 = time.time()
with open(out, "w") as f:
    for i, name in enumerate(names):
        wait = t0 + i / rate - time.time()
        if wait > 0:
            time.sleep(wait)
        os.rename(os.path.join(staging, name), os.path.join(into, name))
        f.write(f"{name}\t{time.time() * 1000:.0f}\n")
print(f"producer: {len(names)} files renamed in {time.time() - t0:.1f} s")
PY
  local produced_at
  produced_at=$(date +%s)
  # drained: every produced file (and the warm-up) in the ledger
  local psql
  psql=$(psql_of "$dir/job.log")
  for _ in $(seq 1 600); do
    [ "$($psql -c "SELECT count(*) FROM dwh.load_ledger")" -ge $((n + 1)) ] && break
    sleep 0.5
  done
  echo "drained $(($(date +%s) - produced_at)) s after the last rename"
  $psql -c "SELECT file_name, (extract(epoch FROM loaded_at) * 1000)::bigint, status FROM dwh.load_ledger" \
    -F $'\t' > "$dir/ledger.tsv"
  stop_continuous "$dir/job.log"
  python3 - "$dir/renames.csv" "$dir/ledger.tsv" "$MINUTES" "$RATE" <<'PY'
import bisect, sys
renames = dict(l.rstrip("\n").split("\t") for l in open(sys.argv[1]))
ledger = {}
for l in open(sys.argv[2]):
    name, at, status = l.rstrip("\n").split("\t")
    ledger[name] = (int(at), status)
minutes, rate = float(sys.argv[3]), float(sys.argv[4])
lat = sorted(ledger[n][0] - int(t) for n, t in renames.items() if n in ledger)
missing = [n for n in renames if n not in ledger or ledger[n][1] != "loaded"]
def pct(p):
    return lat[min(len(lat) - 1, int(round(p / 100 * (len(lat) - 1))))] / 1000
# the backlog at time t: files renamed into place by t whose commit came after t
put = sorted(int(t) for t in renames.values())
done = sorted(ledger[n][0] for n in renames if n in ledger)
t0, t1 = put[0], put[-1]
def backlog(t):
    return bisect.bisect_right(put, t) - bisect.bisect_right(done, t)
mid, end = backlog((t0 + t1) / 2), backlog(t1)
peak = max(backlog(t) for t in range(t0, t1 + 1, 100))
print(f"\nsteady state: {len(renames)} files renamed into place at {rate:g} files/s for {minutes:g} min;"
      f" {len(lat)} committed, {len(missing)} not loaded")
print(f"latency rename -> commit: p50 {pct(50):.2f} s, p95 {pct(95):.2f} s, max {lat[-1] / 1000:.2f} s")
print(f"backlog (renamed, not yet committed): {mid} in the middle, {end} at the last rename, peak {peak};"
      f" {'GREW' if end > mid + 2 * rate * 5 else 'did not grow'}")
print("goal: p95 <= 5 s, no growing backlog")
PY
}

catchup() {
  local data=$WORK/warehouse-$FILES rows=$((FILES * 1914))
  echo "== catch-up: $FILES files ($rows rows), batch then --continuous, fresh databases"
  if [ ! -f "$data/2023-01-01 00:00:00.parquet" ] || [ "$(find "$data" -name '*.parquet' | wc -l)" -ne "$FILES" ]; then
    rm -rf "$data"
    "${STRATA[@]}" generate-warehouse --output="$data" --files="$FILES"
  fi
  local b=$WORK/wc-batch c=$WORK/wc-catchup t
  rm -rf "$b" "$c"
  t=$(mktemp)
  /usr/bin/time -f "%e" -o "$t" "${STRATA[@]}" warehouse --input="$data" --output="$b" \
    @runner-configs/flink-local.args > "$WORK/wc-batch.log" 2>&1
  local batch
  batch=$(cat "$t"); rm -f "$t"
  grep '^\[load\] files:' "$WORK/wc-batch.log" || true
  rm -rf "$b/pgdata" # ~20 GB; the continuous run gets a fresh one
  local start end psql
  start=$(date +%s.%N)
  start_continuous "$data" "$c" "$c.log"
  await_log "$c.log" "continuous: watching" 180
  psql=$(psql_of "$c.log")
  for _ in $(seq 1 36000); do
    [ "$($psql -c "SELECT count(*) FROM dwh.load_ledger" 2>/dev/null || echo 0)" -ge "$FILES" ] && break
    kill -0 "$JOB" 2>/dev/null || { echo "the job ended"; tail -n 30 "$c.log"; exit 1; }
    sleep 0.5
  done
  end=$(date +%s.%N)
  local loaded
  loaded=$($psql -c "SELECT coalesce(sum(rows), 0) FROM dwh.load_ledger WHERE status = 'loaded'")
  stop_continuous "$c.log"
  grep '^\[load\] \(final status\|this run\)' "$c.log" || true
  rm -rf "$c/pgdata"
  python3 - "$batch" "$start" "$end" "$rows" "$loaded" <<'PY'
import sys
batch, start, end, rows, loaded = float(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
cont = end - start
print(f"\nbatch load     : {rows:,} rows in {batch:.1f} s = {rows / batch:,.0f} rows/s (whole process)")
print(f"--continuous   : {loaded:,} rows in {cont:.1f} s = {loaded / cont:,.0f} rows/s (process start to the ledger holding every file)")
print(f"ratio: {(loaded / cont) / (rows / batch):.2f} x the batch load's rows/s   (goal >= 0.8)")
PY
}

case "$WHAT" in
  steady) steady ;;
  catchup) catchup ;;
  all) steady; catchup ;;
  *) echo "usage: $0 [steady|catchup|all]"; exit 2 ;;
esac
