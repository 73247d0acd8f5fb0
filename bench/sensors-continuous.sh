#!/usr/bin/env bash
# sensors --continuous against a batch rerun of all runs, in the same run on this machine
# (issue 16's sensors benchmark):
#
#   bench/sensors-continuous.sh [SCALE]   (default 25 = 100 runs; env WORK, JAVA_OPTS, REPEATS=3)
#
# 1. generates the readings once (strata.jar generate-sensors --scale=SCALE: one file per run) and
#    links them into an input directory of this script's own;
# 2. batch: a full run of all runs into a fresh output, then a rerun with --force (wall time and
#    peak RSS of each process, /usr/bin/time);
# 3. continuous: `sensors --continuous --pollSeconds=2` (default --settleSeconds=10) on the same
#    input into a fresh output, until its status line shows every file done and every run
#    published (catch-up);
# 4. one new file for one run, REPEATS times with different runs: a copy of the run's file is
#    written under a name starting with "." and renamed into place as extra-NNNNN.parquet (a second
#    file of the run, all its readings duplicates); the latency is from the rename to the rewrite
#    of the run's runs/run_uuid=<id>/ file and of run_stats/ (mtimes), and the run's run_stats row
#    is checked with DuckDB (source_files 2, recomputed_at after the rename, every other column and
#    the run's table equal to the batch job's);
# 5. after each: the runs whose files (runs/, clean/, run_sources/) changed mtime: exactly that one;
# 6. SIGTERM (exit 0 expected), restart on the same output with --settleSeconds=1 and repeat 4-5
#    with other runs; SIGTERM again; then all runs and run_stats against the batch job's (DuckDB).
# Prints the table and writes it to bench/results/sensors-continuous.md. Goal (issue 16): the
# new-file latency <= 10 % of the batch rerun.
set -euo pipefail
cd "$(dirname "$0")/.."
SCALE=${1:-25}
REPEATS=${REPEATS:-3}
POLL=2
WORK=${WORK:-bench/work}
DATA=$WORK/sensors-$SCALE
CW=$WORK/sensors-continuous
IN=$CW/input
OUT_BATCH=$CW/out-batch
OUT_LIVE=$CW/out-live
RESULTS_MD=bench/results/sensors-continuous.md
mkdir -p "$WORK" "$CW" bench/results
command -v /usr/bin/time >/dev/null || { echo "needs GNU time (/usr/bin/time, Debian package time)"; exit 1; }

[ -f pipelines/target/strata.jar ] || mvn -B -q -ntp install -DskipTests -pl pipelines -am
# A copy for the whole run: a rebuild of pipelines/target during the ~20 minutes does not touch it.
JAR=$CW/strata.jar
cp pipelines/target/strata.jar "$JAR"
JAR_INFO="$(git log -1 --format='%h %cd' --date=format:'%Y-%m-%d %H:%M' 2>/dev/null || echo '?'), jar built $(date -r pipelines/target/strata.jar '+%Y-%m-%d %H:%M')"
DUCK_JAR=$WORK/duckdb_jdbc-2.0.0.1.jar
[ -f "$DUCK_JAR" ] || mvn -B -q -ntp dependency:copy -Dartifact=org.duckdb:duckdb_jdbc:2.0.0.1 -DoutputDirectory="$WORK"
STRATA=(java ${JAVA_OPTS:-} -jar "$JAR")
RES=$CW/results.tsv          # key <tab> value...
: > "$RES"
put() { local IFS=$'\t'; echo "$*" >> "$RES"; }

# Load on the machine: every 10 s the load average and every process's CPU time so far, so the
# table can say how much of the cores other work took during each phase.
LOADLOG=$CW/load.log
: > "$LOADLOG"
( while true; do
    { echo "T $(date +%s.%N) $(cut -d' ' -f1-3 /proc/loadavg)"
      ps -eo pid=,cputimes=,args= | cut -c1-400; } >> "$LOADLOG"
    sleep 10
  done ) &
SAMPLER=$!
phase() { put phase "$1" "$(date +%s.%N)"; }   # marks the start of a phase (and the end of the last)
LIVE_PID=
cleanup() {
  kill "$SAMPLER" 2>/dev/null || true
  [ -n "$LIVE_PID" ] && kill "$LIVE_PID" 2>/dev/null || true
}
trap cleanup EXIT

# --- 1. data
if [ ! -f "$DATA/readings-00000.parquet" ]; then
  rm -rf "$DATA.partial"
  t=$(mktemp)
  /usr/bin/time -f "%e %M" -o "$t" "${STRATA[@]}" generate-sensors --output="$DATA.partial" --scale="$SCALE"
  mv "$DATA.partial" "$DATA"
  read -r wall rss < "$t"; rm -f "$t"
  put generate "$wall" "$rss"
fi
rm -rf "$IN"; mkdir -p "$IN"
ln "$DATA"/readings-*.parquet "$IN"/ 2>/dev/null || cp -p "$DATA"/readings-*.parquet "$IN"/
NFILES=$(find "$IN" -name 'readings-*.parquet' | wc -l)
put data "$NFILES" "$(du -sbL "$IN" | cut -f1)"
echo "input: $IN ($NFILES files, $(du -shL "$IN" | cut -f1))"

# --- 2. batch: full run, then rerun with --force
measure() { # key cmd...  -> "key wall rss"
  local key=$1; shift
  local t; t=$(mktemp)
  echo "--- $key: $*"
  /usr/bin/time -f "%e %M" -o "$t" "$@" > "$CW/$key.log" 2>&1 \
    || { echo "FAILED: $key (see $CW/$key.log)"; tail -20 "$CW/$key.log"; exit 1; }
  read -r wall rss < "$t"; rm -f "$t"
  put "$key" "$wall" "$rss" "$(cut -d' ' -f1 /proc/loadavg)"
  echo "$key: $wall s, peak RSS $((rss / 1024)) MiB"
}
rm -rf "$OUT_BATCH"
phase batch-full
measure batch-full "${STRATA[@]}" sensors --input="$IN/*" --output="$OUT_BATCH" @runner-configs/flink-local.args
phase batch-rerun
measure batch-rerun "${STRATA[@]}" sensors --input="$IN/*" --output="$OUT_BATCH" --force @runner-configs/flink-local.args
NRUNS=$(find "$OUT_BATCH/runs" -mindepth 1 -maxdepth 1 -name 'run_uuid=*' | wc -l)
ROWS=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["rows"]["in"])' "$OUT_BATCH/clean/_manifest.json")
put runs "$NRUNS" "$ROWS"
echo "batch: $NRUNS runs, $ROWS readings"

# --- helpers for the continuous job
# Waits until the status line shows FILES files done, none pending, RUNS runs published and none to
# recompute; prints the seconds since START at which that line appeared.
wait_caught_up() { # log files runs start_epoch
  python3 - "$@" "$LIVE_PID" <<'PY'
import os, re, sys, time
log, files, runs, start, pid = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5])
pat = re.compile(r"files seen ([\d,]+) · done ([\d,]+) · pending ([\d,]+) · rejected ([\d,]+) · .* runs ([\d,]+) published, ([\d,]+) to recompute")
n = lambda s: int(s.replace(",", ""))
deadline = time.time() + 3 * 3600
while time.time() < deadline:
    try:
        os.kill(pid, 0)
    except OSError:
        sys.exit(f"the continuous job ended early: see {log}")
    for line in open(log, encoding="utf-8", errors="replace"):
        m = pat.search(line)
        if m and n(m[1]) == files and n(m[2]) == files and n(m[3]) == 0 and n(m[5]) == runs and n(m[6]) == 0:
            print(f"{time.time() - start:.1f}")
            sys.exit(0)
    time.sleep(1)
sys.exit("timed out waiting for the continuous job to catch up")
PY
}
start_live() { # settle_seconds log
  LIVE_START=$(date +%s.%N)
  "${STRATA[@]}" sensors --input="$IN" --output="$OUT_LIVE" --continuous --pollSeconds=$POLL \
    --settleSeconds="$1" @runner-configs/flink-local.args > "$2" 2>&1 &
  LIVE_PID=$!
}
stop_live() { # key -> "key exit_code stop_seconds peak_rss_kb"
  local rss; rss=$(awk '/VmHWM/ {print $2}' "/proc/$LIVE_PID/status")
  local t0; t0=$(date +%s.%N)
  kill -TERM "$LIVE_PID"
  local rc=0; wait "$LIVE_PID" || rc=$?
  local secs; secs=$(python3 -c "import sys,time; print(f'{time.time()-float(sys.argv[1]):.1f}')" "$t0")
  put "$1" "$rc" "$secs" "$rss"
  echo "$1: SIGTERM -> exit $rc after $secs s (peak RSS $((rss / 1024)) MiB)"
  LIVE_PID=
}
# Mtimes (ns) of every run's files: runs/run_uuid=<id>/*, clean/run-<id>.parquet, run_sources/run-<id>.parquet.
snapshot() { # out file
  python3 - "$1" "$2" <<'PY'
import json, os, sys
out, dst = sys.argv[1], sys.argv[2]
snap = {}
for d in ("clean", "run_sources"):
    for n in os.listdir(os.path.join(out, d)):
        if n.startswith("run-") and n.endswith(".parquet"):
            snap.setdefault(n[4:-8], {})[f"{d}/{n}"] = os.stat(os.path.join(out, d, n)).st_mtime_ns
for p in os.listdir(os.path.join(out, "runs")):
    if p.startswith("run_uuid="):
        for n in os.listdir(os.path.join(out, "runs", p)):
            if not n.startswith("."):
                snap.setdefault(p[9:], {})[f"runs/{p}/{n}"] = os.stat(os.path.join(out, "runs", p, n)).st_mtime_ns
json.dump(snap, open(dst, "w"))
PY
}
changed_runs() { # before after -> "count run,run,..."
  python3 - "$1" "$2" <<'PY'
import json, sys
a, b = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
ch = sorted(r for r in set(a) | set(b) if a.get(r) != b.get(r))
print(len(ch), ",".join(ch) or "-")
PY
}
# Runs held by exactly one file, in file order, as "file run" lines (from the job's records).
single_run_files() {
  python3 - "$OUT_LIVE/_continuous/files" <<'PY'
import json, os, sys
d = sys.argv[1]
rows = []
for n in os.listdir(d):
    if n.endswith(".json"):
        e = json.load(open(os.path.join(d, n)))
        if os.path.basename(e["path"]).startswith("readings-") and len(e["runs"]) == 1:
            rows.append((e["path"], next(iter(e["runs"]))))
for path, run in sorted(rows):
    print(path, run)
PY
}

# DuckDB checks: a run's run_stats row and table against the batch job's, or all of them.
CHECK=$CW/CheckRuns.java
cat > "$CHECK" <<'JAVA'
import java.sql.*;

/** run BATCH LIVE RUN: "source_files recomputed_at_us stats_diff table_diff"; all BATCH LIVE: "stats_diff runs_diff files2". */
public class CheckRuns {
  static Statement s;
  static long one(String q) throws SQLException {
    try (ResultSet r = s.executeQuery(q)) { r.next(); return r.getLong(1); }
  }
  static long diff(String a, String b) throws SQLException {
    return one("SELECT count(*) FROM (" + a + " EXCEPT ALL " + b + ")") + one("SELECT count(*) FROM (" + b + " EXCEPT ALL " + a + ")");
  }
  public static void main(String[] a) throws Exception {
    try (Connection c = DriverManager.getConnection("jdbc:duckdb:")) {
      s = c.createStatement();
      s.execute("SET threads=2");
      String stats = " EXCLUDE (source_files, recomputed_at) FROM read_parquet('%s/run_stats/*.parquet')";
      if (a[0].equals("run")) {
        String run = a[3].replace("'", "''");
        String w = " WHERE run_uuid = '" + run + "'";
        long files = one("SELECT source_files FROM read_parquet('" + a[2] + "/run_stats/*.parquet')" + w);
        long at = one("SELECT epoch_us(recomputed_at) FROM read_parquet('" + a[2] + "/run_stats/*.parquet')" + w);
        long sd = diff("SELECT *" + String.format(stats, a[1]) + w, "SELECT *" + String.format(stats, a[2]) + w);
        String t = "SELECT * FROM read_parquet('%s/runs/run_uuid=" + run + "/*.parquet')";
        long td = diff(String.format(t, a[1]), String.format(t, a[2]));
        System.out.println(files + " " + at + " " + sd + " " + td);
      } else {
        long sd = diff("SELECT *" + String.format(stats, a[1]), "SELECT *" + String.format(stats, a[2]));
        String t = "SELECT * FROM read_parquet('%s/runs/*/*.parquet', hive_partitioning = true, hive_types_autocast = false)";
        long td = diff(String.format(t, a[1]), String.format(t, a[2]));
        long two = one("SELECT count(*) FROM read_parquet('" + a[2] + "/run_stats/*.parquet') WHERE source_files = 2");
        System.out.println(sd + " " + td + " " + two);
      }
    }
  }
}
JAVA

# One new file for one run: copy to a "." name, rename into place, wait for the run's file and
# run_stats to be rewritten. Appends "latency settle i run part_s stats_s changed_count changed
# source_files recomputed_ok stats_diff table_diff staged_s" (staged_s: when the job's record of
# the new file was written, i.e. the file was seen, found stable for one poll, read and staged).
new_file() { # settle index source_file run
  local settle=$1 i=$2 src=$3 run=$4 base; base=$(basename "$src")
  local dst=$IN/extra-${base#readings-}
  snapshot "$OUT_LIVE" "$CW/snap-before.json"
  local timing
  timing=$(python3 - "$src" "$IN/.staging-$base" "$dst" "$OUT_LIVE" "$run" "$settle" <<'PY'
import json, os, shutil, sys, time
src, tmp, dst, out, run, settle = sys.argv[1:7]
part = os.path.join(out, "runs", f"run_uuid={run}", "part-00000-of-00001.parquet")
stats = os.path.join(out, "run_stats", "part-00000-of-00001.parquet")
shutil.copyfile(src, tmp)
with open(tmp, "rb+") as f:
    os.fsync(f.fileno())
t0 = time.time_ns()
os.rename(tmp, dst)
deadline = time.time() + 600
while time.time() < deadline:
    try:
        p, s = os.stat(part).st_mtime_ns, os.stat(stats).st_mtime_ns
    except FileNotFoundError:
        p = s = 0
    if p > t0 and s >= p:
        break
    time.sleep(0.05)
else:
    sys.exit("timed out: the run's files were not rewritten within 600 s")
staged = 0
recs = os.path.join(out, "_continuous", "files")
for n in os.listdir(recs):
    if n.endswith(".json"):
        try:
            if json.load(open(os.path.join(recs, n)))["path"] == os.path.abspath(dst):
                staged = os.stat(os.path.join(recs, n)).st_mtime_ns
        except (OSError, ValueError):
            pass
# quiet time: anything else the new file causes (it should cause nothing) shows in the snapshot
time.sleep(int(settle) + 3 * 2 + 2)
print(f"{(p - t0) / 1e9:.2f} {(s - t0) / 1e9:.2f} {t0 // 1000} {(staged - t0) / 1e9 if staged else float('nan'):.2f}")
PY
)
  local part_s stats_s t0_us staged_s; read -r part_s stats_s t0_us staged_s <<< "$timing"
  snapshot "$OUT_LIVE" "$CW/snap-after.json"
  local ch; ch=$(changed_runs "$CW/snap-before.json" "$CW/snap-after.json")
  local files at sd td
  read -r files at sd td <<< "$(java -cp "$DUCK_JAR" "$CHECK" run "$OUT_BATCH" "$OUT_LIVE" "$run")"
  local ok=no; [ "$at" -gt "$t0_us" ] && ok=yes
  put latency "$settle" "$i" "$run" "$part_s" "$stats_s" ${ch} "$files" "$ok" "$sd" "$td" "$staged_s"
  echo "settle $settle #$i: $(basename "$dst") (run $run): staged after $staged_s s, run file after $part_s s, run_stats after $stats_s s;" \
    "runs rewritten: ${ch}; source_files $files, recomputed_at after the rename: $ok, stats diff $sd, table diff $td"
}

# --- 3. continuous catch-up
rm -rf "$OUT_LIVE"
phase catch-up
start_live 10 "$CW/live-settle10.log"
echo "--- continuous (settle 10 s), catch-up of $NFILES files"
caught=$(wait_caught_up "$CW/live-settle10.log" "$NFILES" "$NRUNS" "$LIVE_START")
# the end of catch-up on disk: the last run_stats rewrite (after the last run)
last=$(python3 -c "import os,sys; print(f'{os.stat(sys.argv[1]).st_mtime - float(sys.argv[2]):.1f}')" \
  "$OUT_LIVE/run_stats/part-00000-of-00001.parquet" "$LIVE_START")
put catchup "$last" "$caught" "$(cut -d' ' -f1 /proc/loadavg)"
echo "caught up: last run published $last s after the start (status line at $caught s)"
snapshot "$OUT_LIVE" "$CW/snap-0.json"
mapfile -t PICKS < <(single_run_files | awk -v n="$((2 * REPEATS))" '{l[NR]=$0} END {for (k = 0; k < n; k++) print l[int(NR * (2 * k + 1) / (2 * n)) + 1]}')
[ "${#PICKS[@]}" -eq $((2 * REPEATS)) ] || { echo "needs $((2 * REPEATS)) single-run files"; exit 1; }

# --- 4./5. new files, settle 10 s
phase new-files-settle10
for i in $(seq 1 "$REPEATS"); do
  read -r src run <<< "${PICKS[$((i - 1))]}"
  new_file 10 "$i" "$src" "$run"
done
# --- 6. SIGTERM, restart with --settleSeconds=1, new files again
phase other
stop_live stop-settle10
snapshot "$OUT_LIVE" "$CW/snap-1.json"
start_live 1 "$CW/live-settle1.log"
echo "--- continuous restart (settle 1 s)"
caught=$(wait_caught_up "$CW/live-settle1.log" "$((NFILES + REPEATS))" "$NRUNS" "$LIVE_START")
snapshot "$OUT_LIVE" "$CW/snap-2.json"
put restart "$caught" $(changed_runs "$CW/snap-1.json" "$CW/snap-2.json")
echo "restart: caught up (status line) after $caught s; runs rewritten by the restart: $(changed_runs "$CW/snap-1.json" "$CW/snap-2.json")"
phase new-files-settle1
for i in $(seq 1 "$REPEATS"); do
  read -r src run <<< "${PICKS[$((REPEATS + i - 1))]}"
  new_file 1 "$i" "$src" "$run"
done
phase other
stop_live stop-settle1
snapshot "$OUT_LIVE" "$CW/snap-3.json"
put total-changed $(changed_runs "$CW/snap-0.json" "$CW/snap-3.json")
echo "--- all runs and run_stats, continuous against batch (DuckDB)"
put final $(java -cp "$DUCK_JAR" "$CHECK" all "$OUT_BATCH" "$OUT_LIVE")
phase end
sleep 11   # one more load sample
kill "$SAMPLER" 2>/dev/null || true

# --- 7. the table
python3 - "$RES" "$RESULTS_MD" "$(nproc)" "$(awk '/MemTotal/ {printf "%.0f", $2/1024/1024}' /proc/meminfo)" \
  "$SCALE" "$JAR_INFO" "$LOADLOG" "${JAVA_OPTS:-}" "$REPEATS" <<'PY'
import collections, datetime, re, statistics, sys
res, md, cores, mem, scale, jar, loadlog, jopts, repeats = sys.argv[1:10]
rows = collections.defaultdict(list)
for l in open(res):
    f = l.rstrip("\n").split("\t")
    rows[f[0]].append(f[1:])
g = lambda k: rows[k][0]
gib = lambda kb: f"{int(kb) / 1024 / 1024:.2f} GiB"
nfiles, nbytes = g("data")
nruns, nrows = g("runs")
full, rerun = g("batch-full"), g("batch-rerun")
rerun_s = float(rerun[0])
catch = g("catchup")
lat = {s: [r for r in rows["latency"] if r[0] == s] for s in ("10", "1")}
# latency = until both the run's file and run_stats are rewritten (run_stats is written last)
med = {s: statistics.median(max(float(r[3]), float(r[4])) for r in v) for s, v in lat.items()}
st10, st1 = g("stop-settle10"), g("stop-settle1")
restart = g("restart")
tot = g("total-changed")
fin = g("final")
# Load: CPU time per process between samples (user processes; kernel threads left out); ours =
# this script, its jar copy and its DuckDB checks.
samples = []
for l in open(loadlog):
    if l.startswith("T "):
        f = l.split()
        samples.append((float(f[1]), float(f[2]), {}))
    elif samples:
        m = re.match(r"\s*(\d+)\s+(\d+)\s+(.*)", l)
        if m:
            samples[-1][2][m[1]] = (int(m[2]), m[3])
def name(a):
    if a.startswith("postgres"):
        return "postgres (all backends)"
    if "plexus-classworlds" in a:
        return "mvn " + re.sub(r".*Launcher ", "", a)[:90]
    m = re.search(r"-jar (\S+) (\S+)", a)
    if m:
        return f"java -jar {m[1]} {m[2]}"
    m = re.search(r"-cp (\S+strata\.jar).*?(org\.apache\.flink\.\S+)", a)
    return f"Flink {m[2].rsplit('.', 1)[-1]} ({m[1]})" if m else a[:90]
ours = lambda a: any(x in a for x in ("sensors-continuous/", "sensors-continuous.sh", "CheckRuns", "ps -eo", "python3 -"))
phases = [(r[0], float(r[1])) for r in rows["phase"]]
def phase_at(t):
    cur = None
    for n, t0 in phases:
        if t >= t0:
            cur = n
    return cur
busy = collections.defaultdict(lambda: [0.0, 0.0, 0.0, []])   # phase -> [wall, ours, others, loads]
by_cmd = collections.Counter()
for (t0, l0, a), (t1, l1, b) in zip(samples, samples[1:]):
    ph = phase_at(t0)
    if ph is None or ph == "end":
        continue
    d = busy[ph]
    d[0] += t1 - t0
    d[3].append(l1)
    for pid, (cpu, args) in b.items():
        dc = cpu - a[pid][0] if pid in a and cpu >= a[pid][0] else cpu
        if dc <= 0 or args.startswith("["):   # kernel threads (I/O, memory) are not counted
            continue
        if ours(args):
            d[1] += dc
        else:
            d[2] += dc
            by_cmd[name(args)] += dc
loads = [l for d in busy.values() for l in d[3]]
def lat_cell(s):
    v = lat[s]
    each = ", ".join(f"{max(float(r[3]), float(r[4])):.1f}" for r in v)
    return f"**{med[s]:.1f} s** (median of {len(v)}: {each}; run file at " + \
        ", ".join(f"{float(r[3]):.1f}" for r in v) + " s)"
rewritten = lambda s: ", ".join(r[5] for r in lat[s])
checks = lambda s: all(r[7] == "2" and r[8] == "yes" and r[9] == "0" and r[10] == "0" for r in lat[s])
date = datetime.date.today().isoformat()
lines = [
    f"# `bench/sensors-continuous.sh`: one new file with {nruns} runs processed",
    "",
    f"{date}, {cores} cores, {mem} GiB RAM (shared with other work, see below); `generate-sensors --scale={scale}`: "
    f"{int(nfiles)} files, {int(nruns)} runs, {int(nrows):,} readings, {int(nbytes) / 2**20:.0f} MiB; strata {jar}; "
    f"embedded Flink (`@runner-configs/flink-local.args`), JAVA_OPTS `{jopts or '(none)'}`. "
    "Each figure is one whole process (batch) or one event (continuous), measured once unless a median is given.",
    "",
    "| measured | result | goal |",
    "|---|---|---|",
    f"| batch, full run of all runs (fresh output) | {float(full[0]):.1f} s, peak RSS {gib(full[1])} | — |",
    f"| batch rerun of all runs (`--force`) | **{rerun_s:.1f} s**, peak RSS {gib(rerun[1])} | the reference |",
    f"| continuous catch-up of the {int(nfiles)} files (start → last run published; status line at {float(catch[1]):.0f} s) | "
    f"{float(catch[0]):.1f} s = {float(catch[0]) / float(full[0]):.2f}× the batch full run | — |",
    f"| new file for one run, `--settleSeconds=10` (rename → run file and `run_stats` rewritten) | {lat_cell('10')} | — |",
    f"| ratio to the batch rerun, settle 10 s | **{med['10'] / rerun_s:.3f}** | ≤ 0.10 |",
    f"| new file for one run, `--settleSeconds=1` (same output, restarted) | {lat_cell('1')} | — |",
    f"| ratio to the batch rerun, settle 1 s | **{med['1'] / rerun_s:.3f}** | ≤ 0.10 |",
    f"| runs whose files (`runs/`, `clean/`, `run_sources/`) were rewritten, per new file | {rewritten('10')} / {rewritten('1')} | exactly 1 |",
    f"| runs rewritten over the whole continuous phase (after catch-up) | {tot[0]} (the {2 * int(repeats)} runs given a file) | {2 * int(repeats)} |",
    f"| runs rewritten by the restart | {restart[1]} | 0 |",
    f"| the new file's run: `source_files` 2, `recomputed_at` after the rename, other stats and the run's table equal to batch | "
    f"{'yes' if checks('10') and checks('1') else 'NO: see results.tsv'} | yes |",
    f"| at the end, all runs and `run_stats` (but `source_files`, `recomputed_at`) against batch: rows differing | "
    f"runs {fin[1]}, run_stats {fin[0]}; {fin[2]} runs with `source_files` = 2 | 0, 0, {2 * int(repeats)} |",
    f"| SIGTERM: exit code, seconds to exit | {st10[0]} in {float(st10[1]):.1f} s; {st1[0]} in {float(st1[1]):.1f} s | 0 |",
    f"| peak RSS of the continuous process | {gib(st10[2])} (settle 10 s), {gib(st1[2])} (settle 1 s) | — |",
    f"| restart to caught up (status line, every 10 s) | {float(restart[0]):.0f} s | — |",
    "",
    "The latency is the sum of: finding the file (listed every 2 s, taken once its size and mtime are unchanged for one poll),"
    " reading and staging it, the settle time, recomputing the run (clean, align, statistics, its three files) and rewriting"
    " `run_stats`. Staged after (s): settle 10 s "
    + ", ".join(r[11] for r in lat["10"]) + "; settle 1 s " + ", ".join(r[11] for r in lat["1"]) + ".",
    "",
    f"Load on the {cores} cores (CPU time of every process, sampled every 10 s; 1-minute load average):",
    "",
    "| phase | wall | cores busy, this benchmark | cores busy, other work | load average |",
    "|---|---|---|---|---|",
]
for ph in ("batch-full", "batch-rerun", "catch-up", "new-files-settle10", "new-files-settle1"):
    d = busy.get(ph)
    if d and d[0] > 0:
        lines.append(f"| {ph} | {d[0]:.0f} s | {d[1] / d[0]:.2f} | {d[2] / d[0]:.2f} | {statistics.mean(d[3]):.1f} |")
lines += ["", "Other work by CPU time over the run: " + ("; ".join(
    f"`{k}` {v / 60:.1f} core-min" for k, v in by_cmd.most_common(6) if v >= 10) or "none") + "."]
text = "\n".join(lines) + "\n"
print("\n" + text)
open(md, "w").write(text)
print(f"written to {md}")
PY
