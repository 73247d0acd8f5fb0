#!/usr/bin/env bash
# The market job's increment against its full run, on the same data and the same machine:
#
#   bench/market-increment.sh      (env SCALE=1.0, DAYS=20, DATA=dir to reuse a generated dataset,
#                                   WORK=bench/work, JAR=pipelines/target/strata.jar, JAVA_OPTS,
#                                   MARKET_ARGS: more market options, e.g. --compactAfter=0)
#
# 1. generates the synthetic dataset once (strata.jar generate-market --scale=SCALE; at 1.0 the
#    8,049 files of market.sh and market-dag.sh, shared with them) and copies it into an input
#    folder of this script's own (the steps below append to it);
# 2. full: `market --stages=ingest,features` into a fresh output, one process (wall time and peak
#    RSS, /usr/bin/time);
# 3. one trading day appended to every bar file (`generate-market --extendDays=1` on the input),
#    then the same command again: the increment (wall, peak RSS); both manifests must say
#    "kind": "incremental";
# 4. DAYS more consecutive daily increments (extend by 1, run), each checked the same way: their
#    median and max wall time, and the part files in raw/ and features/ at the end: what
#    compaction has to fold (a jar with compaction merges them once a stage lists more than
#    --compactAfter increment files, in the same process; the table says when it did and how long
#    it took, and the count there would have been without it).
# 5. WARM (3) more daily increments applied by one `market --continuous` process: the same DAG in a
#    JVM that is already warm, as a deployment that keeps watching runs them (span from the log's
#    "input changed" to its "dag:" line; ONLY_WARM=1 runs just this on the last output).
# Each measured process is whole (JVM start-up included) and runs a copy of the jar, so a rebuild of
# pipelines/target meanwhile does not touch it. Its output is kept with a time stamp per line
# (seconds since start) in WORK/market-increment/*.log, which shows where an increment's time goes.
# Nothing alternates: there is no peer; the reference is the job's own full run.
# Prints the table and writes it to bench/results/market-increment.md (at another SCALE, a trial:
# to WORK/market-increment-SCALE/market-increment.md). Goals: an increment <= 0.10 x the full
# ingest+features wall, its peak RSS <= 1 GiB.
set -euo pipefail
cd "$(dirname "$0")/.."
SCALE=${SCALE:-1.0}
DAYS=${DAYS:-20}
WORK=${WORK:-bench/work}
if [ "$SCALE" = "1.0" ] || [ "$SCALE" = "1" ]; then
  SCALE=1.0
  DATA=${DATA:-$WORK/market-full}
  W=$WORK/market-increment
  RESULTS_MD=${RESULTS_MD:-bench/results/market-increment.md}
else
  DATA=${DATA:-$WORK/market-$SCALE}
  W=$WORK/market-increment-$SCALE
  RESULTS_MD=${RESULTS_MD:-$W/market-increment.md} # a trial: bench/results keeps the full scale's
fi
IN=$W/input
OUT=$W/out
mkdir -p "$WORK" "$W" "$(dirname "$RESULTS_MD")"
command -v /usr/bin/time >/dev/null || { echo "needs GNU time (/usr/bin/time, Debian package time)"; exit 1; }

SRC_JAR=${JAR:-pipelines/target/strata.jar}
[ -f "$SRC_JAR" ] || mvn -B -q -ntp package -DskipTests
# A copy for the whole run: a rebuild of pipelines/target during the run does not touch it.
BENCH_JAR=$W/strata.jar
cp "$SRC_JAR" "$BENCH_JAR"
JAR_INFO=${JAR_INFO:-"strata $(git log -1 --format='%h %cd' --date=format:'%Y-%m-%d %H:%M' 2>/dev/null || echo '?'), jar built $(date -r "$SRC_JAR" '+%Y-%m-%d %H:%M')"}
# shellcheck disable=SC2206
STRATA=(java ${JAVA_OPTS:-} -jar "$BENCH_JAR")
RUNS=$W/runs.jsonl           # one JSON line per measured process
ONLY_WARM=${ONLY_WARM:-0}
if [ "$ONLY_WARM" = 1 ]; then # the last run's records and output, without its warm phase
  [ -s "$RUNS" ] && [ -d "$OUT/raw" ] || { echo "ONLY_WARM=1 needs a finished run in $W"; exit 1; }
  grep -v -e '"label": "warm-' -e '"label": "extend-w' "$RUNS" > "$RUNS.tmp" || true
  mv "$RUNS.tmp" "$RUNS"
else
  : > "$RUNS"
fi

# Prefixes each line with the seconds since the process started.
STAMP='import sys, time
t0 = time.time()
for line in sys.stdin:
    sys.stdout.write(f"{time.time() - t0:8.2f} {line}")
    sys.stdout.flush()'
# CPU time the whole machine has been busy, in jiffies (1/100 s): to tell the load of other work.
busy() { awk '/^cpu /{print $2+$3+$4+$7+$8+$9; exit}' /proc/stat; }

if [ ! -f "$DATA/symbols_valid_meta.csv" ]; then
  # generated with the jar being measured, so --extendDays is the same code
  java -jar "$BENCH_JAR" generate-market --output="$DATA" --scale="$SCALE"
fi
[ "$ONLY_WARM" = 1 ] || {
echo "dataset: $DATA ($(du -shL "$DATA" | cut -f1), $(find -L "$DATA/etfs" "$DATA/stocks" -name '*.csv' | wc -l) price files), copied to $IN"
rm -rf "$IN" "$OUT"
mkdir -p "$IN"
cp -r --reflink=auto -L "$DATA/symbols_valid_meta.csv" "$DATA/etfs" "$DATA/stocks" "$IN/"
}

# market LABEL: one `market --stages=ingest,features` process; appends its figures, what its
# stamped log says of each stage and what the manifests hold to $RUNS
market() {
  local label=$1 t b0 b1 t0 t1
  t=$(mktemp)
  b0=$(busy); t0=$(date +%s.%N)
  # shellcheck disable=SC2086
  if ! /usr/bin/time -f "%e %M %U %S" -o "$t" "${STRATA[@]}" market --input="$IN" --output="$OUT" \
      --stages=ingest,features @runner-configs/flink-local.args ${MARKET_ARGS:-} 2>&1 \
      | python3 -u -c "$STAMP" > "$W/$label.log"; then
    echo "FAILED: $label (see $W/$label.log)"; tail -20 "$W/$label.log"; exit 1
  fi
  b1=$(busy); t1=$(date +%s.%N)
  local wall rss user sys
  read -r wall rss user sys < "$t"; rm -f "$t"
  python3 - "$label" "$wall" "$rss" "$user" "$sys" "$b0" "$b1" "$t0" "$t1" "$OUT" "$W/$label.log" >> "$RUNS" <<'PY'
import json, os, re, sys
label, wall, rss, user, sys_, b0, b1, t0, t1, out, log = sys.argv[1:]
rec = {"label": label, "wall": float(wall), "rss_kb": int(rss), "cpu_s": float(user) + float(sys_),
       "machine_cpu_s": (int(b1) - int(b0)) / 100, "span_s": float(t1) - float(t0)}
# the stamped log (seconds since start): each stage's plan and result line, a compaction if one ran
marks, stages, compaction = {}, {"ingest": {}, "features": {}}, None
for line in open(log, errors="replace"):
    m = re.match(r"\s*([0-9.]+) (.*)", line.rstrip("\n"))
    if not m:
        continue
    at, text = float(m.group(1)), m.group(2)
    m = re.match(r"\[(ingest|features)\] (incremental|full run)(?::\s*(.*))?", text)
    if m and "plan" not in stages[m.group(1)]:
        stages[m.group(1)].update(plan="incremental" if m.group(2) == "incremental" else "full",
                                  plan_text=m.group(3) or "")
        marks[m.group(1) + " planned"] = at
        continue
    m = re.match(r"\[(ingest|features)\] ([0-9,]+) \S+ in -> ([0-9,]+) out .* in ([0-9.]+) s \[", text)
    if m and "log_s" not in stages[m.group(1)]:
        stages[m.group(1)].update(log_rows_in=int(m.group(2).replace(",", "")),
                                  log_rows_out=int(m.group(3).replace(",", "")), log_s=float(m.group(4)))
        marks[m.group(1) + " done"] = at
        continue
    m = re.match(r"\[compact\] merging ([0-9]+) increment files of raw/ and ([0-9]+) of features/", text)
    if m:
        compaction = {"raw_files": int(m.group(1)), "features_files": int(m.group(2)), "start": at}
        marks["compact start"] = at
    if text.startswith("dag:"):
        marks["dag written"] = at
if compaction and "dag written" in marks:
    compaction["s"] = marks["dag written"] - compaction["start"]
rec["compaction"] = compaction
rec["marks"] = marks
for stage, d in (("ingest", "raw"), ("features", "features")):
    m = json.load(open(os.path.join(out, d, "_manifest.json")))
    st = stages[stage]
    st.update(run=m.get("run", {}), duration_s=m["duration_s"], outputs=m.get("outputs", []),
              rows_total=m.get("rows_total", {}).get("out", m["rows"]["out"]))
    folder = os.path.join(out, d)
    st["parquet_files"] = len([f for f in os.listdir(folder) if f.endswith(".parquet")])
    state = os.path.join(folder, "_state")
    if os.path.isdir(state):
        st["state_files"] = len([f for f in os.listdir(state) if f.endswith(".parquet")])
    rec[stage] = st
print(json.dumps(rec))
PY
  python3 - "$RUNS" <<'PY'
import json, sys
r = [json.loads(l) for l in open(sys.argv[1])][-1]
parts = []
for s in ("ingest", "features"):
    x = r[s]
    parts.append(f"{s} {x.get('plan', '?')} {x.get('log_s', float('nan')):.1f} s {x.get('log_rows_out', 0):,} rows")
c = r["compaction"]
if c:
    parts.append(f"compaction of {c['raw_files']} + {c['features_files']} files {c.get('s', float('nan')):.1f} s")
print(f"{r['label']:>8}: {r['wall']:6.1f} s wall, {r['rss_kb']/1048576:.2f} GiB peak RSS; " + "; ".join(parts))
PY
}

# extend LABEL: one trading day appended to every bar file of the input
extend() {
  local t; t=$(mktemp)
  /usr/bin/time -f "%e" -o "$t" java -jar "$BENCH_JAR" generate-market --output="$IN" --extendDays=1 \
    > "$W/extend-$1.log" 2>&1 || { echo "FAILED: extend $1"; cat "$W/extend-$1.log"; exit 1; }
  python3 - "$RUNS" "$1" "$(cat "$t")" <<'PY' >> "$RUNS"
import json, sys
print(json.dumps({"label": "extend-" + sys.argv[2], "wall": float(sys.argv[3])}))
PY
  rm -f "$t"
}

incremental() { # LABEL: both stages of the last run were increments (the log's plan lines), and
  # their manifests say so (or "compaction": the commit of a merge that followed in the same run)
  python3 - "$RUNS" "$1" <<'PY'
import json, sys
r = [json.loads(l) for l in open(sys.argv[1])][-1]
bad = [s for s in ("ingest", "features")
       if r[s].get("plan") != "incremental" or r[s]["run"].get("kind") not in ("incremental", "compaction")]
if bad:
    print(f"NOT INCREMENTAL in {sys.argv[2]}: "
          + "; ".join(f"{s}: log '{r[s].get('plan')} {r[s].get('plan_text', '')}', manifest {r[s]['run']}" for s in bad))
    sys.exit(1)
PY
}

if [ "$ONLY_WARM" != 1 ]; then
echo "--- full run (fresh output)"
market full
echo "--- one day appended, then the increment"
extend 00
market inc-00
incremental inc-00 || exit 1
echo "--- $DAYS consecutive daily increments"
for d in $(seq 1 "$DAYS"); do
  n=$(printf '%02d' "$d")
  extend "$n"
  market "inc-$n"
  incremental "inc-$n" || NOT_INCREMENTAL=$((${NOT_INCREMENTAL:-0} + 1)) # counted in the table
done
fi

# WARM more daily increments applied by one `market --continuous` process (poll 1 s, settle 1 s): the
# same DAG run in a JVM that is already warm (classes loaded, code compiled), as a deployment that
# keeps watching runs them. Each span is from the log's "input changed" line to its "dag:" line, so
# the detection delay (the poll and settle seconds) is not in it; it is reported apart.
WARM=${WARM:-3}
if [ "$WARM" -gt 0 ]; then
  echo "--- $WARM daily increments in one warm process (market --continuous)"
  WLOG=$W/warm.log
  WTIME=$(mktemp)
  # shellcheck disable=SC2086
  ( /usr/bin/time -f "%M" -o "$WTIME" "${STRATA[@]}" market --input="$IN" --output="$OUT" \
      --stages=ingest,features --continuous --pollSeconds=1 --settleSeconds=1 \
      @runner-configs/flink-local.args ${MARKET_ARGS:-} 2>&1 | python3 -u -c "$STAMP" > "$WLOG" ) &
  WPID=$!
  dags() { grep -c ' dag: ' "$WLOG" 2>/dev/null || true; }
  wait_dags() { # N: until the log has N "dag:" lines (a run's end), or fail after 300 s
    local i=0
    while [ "$(dags)" -lt "$1" ]; do
      sleep 1; i=$((i + 1))
      [ "$i" -lt 300 ] || { echo "FAILED: the continuous run did not finish (see $WLOG)"; kill -TERM $WPID; exit 1; }
    done
  }
  wait_dags 1 # the catch-up run: nothing changed since the last increment
  for k in $(seq 1 "$WARM"); do
    extend "w$(printf '%02d' "$k")"
    wait_dags $((k + 1))
  done
  pkill -TERM -f -- "^java .*--output=$OUT --stages=ingest,features --continuous" || true
  wait $WPID || true
  python3 - "$WLOG" "$(cat "$WTIME")" >> "$RUNS" <<'PY'
import json, re, sys
log, rss = sys.argv[1], int(sys.argv[2] or 0)
changed, stage, k = None, {}, 0
for line in open(log, errors="replace"):
    m = re.match(r"\s*([0-9.]+) (.*)", line.rstrip("\n"))
    if not m:
        continue
    at, text = float(m.group(1)), m.group(2)
    if re.match(r"\[market\] run [0-9]+: input changed", text):
        changed, stage = at, {}
    m2 = re.match(r"\[(ingest|features)\] ([0-9,]+) \S+ in -> ([0-9,]+) out .* in ([0-9.]+) s \[", text)
    if m2 and changed is not None and m2.group(1) not in stage:
        stage[m2.group(1)] = {"s": float(m2.group(4)), "rows_out": int(m2.group(3).replace(",", ""))}
    m3 = re.match(r"\[(ingest|features)\] (incremental|full run)", text)
    if m3 and changed is not None:
        stage.setdefault("plans", {})[m3.group(1)] = m3.group(2)
    if text.startswith("dag:") and changed is not None:
        k += 1
        print(json.dumps({"label": f"warm-{k:02d}", "span": at - changed, "stages": stage, "rss_kb": rss}))
        changed = None
PY
  rm -f "$WTIME"
fi

FILES=$(find "$IN/etfs" "$IN/stocks" -name '*.csv' | wc -l)
python3 - "$RUNS" "$RESULTS_MD" "$(date '+%Y-%m-%d')" "$(nproc)" \
  "$(awk '/MemTotal/{printf "%.0f", $2/1048576}' /proc/meminfo)" "$SCALE" "$FILES" "$JAR_INFO" \
  "${JAVA_OPTS:-(none)}" "$DAYS" "$DATA" "${MARKET_ARGS:-}" <<'PY'
import json, statistics, sys
runs_path, md, date, cores, ram, scale, files, jar, java_opts, days, data, market_args = sys.argv[1:]
files = int(files)
recs = [json.loads(l) for l in open(runs_path)]
runs = {r["label"]: r for r in recs}
full, first = runs["full"], runs["inc-00"]
daily = [runs[f"inc-{d:02d}"] for d in range(1, int(days) + 1)]
incs = [first] + daily
last = incs[-1]
extends = [r["wall"] for r in recs if r["label"].startswith("extend-")]  # the warm runs' too
gib = lambda kb: kb / 1048576
ratio = first["wall"] / full["wall"]
walls = [r["wall"] for r in daily]
med = statistics.median(walls) if walls else float("nan")
ok = lambda v, goal: "met" if v <= goal else "not met"
inc_ok = lambda r: all(r[s].get("plan") == "incremental" for s in ("ingest", "features"))
others = lambda r: max(0.0, r["machine_cpu_s"] - r["cpu_s"]) / r["span_s"]

# part files each stage would list had nothing been merged: the full run's, plus every increment's
# new inc-* files (in a run that merged, the merge took the earlier ones and this run's)
def unmerged(stage):
    n, prev = full[stage]["parquet_files"], [o for o in full[stage]["outputs"] if o.startswith("inc-")]
    for r in incs:
        now = [o for o in r[stage]["outputs"] if o.startswith("inc-")]
        if r["compaction"]:
            n += r["compaction"]["raw_files" if stage == "ingest" else "features_files"] - len(prev)
        else:
            n += len(set(now) - set(prev))
        prev = now
    return n

compactions = [r for r in incs if r["compaction"]]
def phases(r):
    """Seconds before ingest's plan line, in ingest, in features, and after (DAG report, exit)."""
    m = r["marks"]
    try:
        a, b, c = m["ingest planned"], m["ingest done"], m["features done"]
    except KeyError:
        return None
    end = m.get("compact start", m.get("dag written", r["wall"]))
    return a, b - a, c - b, r["wall"] - c - (r["compaction"]["s"] if r["compaction"] and "s" in r["compaction"] else 0)
ph = [p for p in (phases(r) for r in incs if not r["compaction"]) if p]
pm = [statistics.median(x) for x in zip(*ph)] if ph else None
added_rows = sum(r["ingest"]["log_rows_out"] for r in incs)
expected_total = full["ingest"]["log_rows_out"] + added_rows

fi, ff = full["ingest"], full["features"]
i0, f0 = first["ingest"], first["features"]
rows = [
    (f"full run, `--stages=ingest,features`, fresh output (ingest {fi['log_s']:.1f} s, features"
     f" {ff['log_s']:.1f} s; {fi['log_rows_out']:,} rows)",
     f"**{full['wall']:.1f} s**, peak RSS {gib(full['rss_kb']):.2f} GiB", "the reference"),
    (f"increment: one trading day appended to all {files:,} files (ingest {i0['log_s']:.1f} s,"
     f" features {f0['log_s']:.1f} s)", f"**{first['wall']:.1f} s**", "—"),
    ("ratio increment / full", f"**{ratio:.3f}**", f"≤ 0.10 ({ok(ratio, 0.10)})"),
    ("increment peak RSS", f"**{gib(first['rss_kb']):.2f} GiB**", f"≤ 1 GiB ({ok(gib(first['rss_kb']), 1.0)})"),
    ("rows added by the increment (ingest rows out / features rows out)",
     f"{i0['log_rows_out']:,} / {f0['log_rows_out']:,}", f"{files:,}"),
    ("the increment's manifests: `run`",
     f"ingest `{json.dumps(i0['run'])}`; features `{json.dumps(f0['run'])}`", "incremental"),
]
if daily:
    worst = max(daily, key=lambda r: r["wall"])
    rows += [
        (f"{len(daily)} consecutive daily increments (extend 1, run): median / max wall",
         f"**{med:.1f} s** / {worst['wall']:.1f} s ({worst['label']}{', with a compaction' if worst['compaction'] else ''});"
         f" median ratio {med / full['wall']:.3f}", "≤ 0.10 × full"),
        (f"the {len(daily)}: peak RSS, median / max",
         f"{gib(statistics.median(r['rss_kb'] for r in daily)):.2f} / {gib(max(r['rss_kb'] for r in daily)):.2f} GiB", "≤ 1 GiB"),
        (f"the {len(daily)}: both stages incremental (log and manifests)",
         f"{sum(1 for r in daily if inc_ok(r))} of {len(daily)}", f"{len(daily)} of {len(daily)}"),
    ]
if compactions:
    rows.append(("compactions that ran (`--compactAfter`, default 16, in the same process as the increment)",
                 "; ".join(f"{r['label']}: {r['compaction']['raw_files']} raw/ + {r['compaction']['features_files']}"
                           f" features/ files merged in {r['compaction'].get('s', float('nan')):.1f} s (run {r['wall']:.1f} s)"
                           for r in compactions), "—"))
    parts_what = (f"part files at the end, after 1 full run and {len(incs)} increments, with the compactions above"
                  f" (without them: raw/ {unmerged('ingest')}, features/ {unmerged('features')})")
else:
    parts_what = (f"part files at the end, after 1 full run and {len(incs)} increments (no compaction ran:"
                  " not built in this jar, or not due; the count is what compaction will have to fold)")
li, lf = last["ingest"], last["features"]
rows += [
    (parts_what,
     f"raw/ {li['parquet_files']} (manifest lists {len(li['outputs'])}), features/ {lf['parquet_files']}"
     f" (manifest lists {len(lf['outputs'])})"
     + (f", features/_state/ {lf['state_files']}" if "state_files" in lf else ""), "—"),
    ("rows at the end (`rows_total` of raw/ / features/) against full + rows added",
     f"{li['rows_total']:,} / {lf['rows_total']:,} against {expected_total:,}", "equal"),
]
if pm:
    rows.append((f"where an increment's wall goes (median of the {len(ph)} without a compaction; stamped log)",
                 f"JVM start-up + ingest's plan {pm[0]:.1f} s, ingest {pm[1]:.1f} s, features"
                 f" {pm[2]:.1f} s, DAG report + exit {pm[3]:.1f} s", "—"))
warm = [r for r in recs if r["label"].startswith("warm-")]
if warm:
    spans = [r["span"] for r in warm]
    wm = statistics.median(spans)
    all_inc = sum(1 for r in warm if all(r["stages"].get("plans", {}).get(s) == "incremental"
                                          for s in ("ingest", "features")))
    rows.append((f"the same daily increment in a warm JVM: {len(warm)} runs of one `market --continuous`"
                 " process (poll 1 s, settle 1 s), from its \"input changed\" line to its DAG written"
                 " (the poll and settle delay before it not included): median / max",
                 f"**{wm:.1f} s** / {max(spans):.1f} s; ratio to the full run **{wm / full['wall']:.3f}**;"
                 f" both stages incremental in {all_inc} of {len(warm)}; the process's peak RSS"
                 f" {gib(warm[0]['rss_kb']):.2f} GiB", "≤ 0.10 × full"))
if extends:
    rows.append(("`generate-market --extendDays=1` on the input (not part of the increment's wall): median",
                 f"{statistics.median(extends):.1f} s", "—"))

head = (f"{date}, {cores} cores, {ram} GiB RAM (shared with other work); `generate-market --scale={scale}`"
        f" ({data}: {files:,} files, {fi['log_rows_in']:,} rows in the full run), copied; {jar};"
        f" embedded Flink (`@runner-configs/flink-local.args`{' ' + market_args if market_args else ''}),"
        f" JAVA_OPTS `{java_opts}`. Each figure is one whole process (JVM start-up included), measured once"
        " unless a median is given; nothing alternates (there is no peer: the reference is the job's own"
        " full run).")
table = ["| measured | result | goal |", "|---|---|---|"] + [f"| {a} | {b} | {c} |" for a, b, c in rows]
walls_line = ("Increment walls (s), `inc-00` first: " + ", ".join(
    f"{r['wall']:.1f}" + ("ᶜ" if r["compaction"] else "") for r in incs)
    + (" (ᶜ with a compaction)" if compactions else "") + ".")
busy_others = statistics.mean(others(r) for r in [full] + incs)
load_note = (f"Other work on the machine took {busy_others:.2f} of the {cores} cores on average while these"
             " processes ran" + (": the figures are those of a machine shared about half and half, the"
             " full run and the increments alike." if busy_others > 0.5 else "."))
load = ["| run | wall | ingest | features | cores busy, this process | cores busy, other work | peak RSS |",
        "|---|---|---|---|---|---|---|"]
for r in [full] + incs:
    load.append(f"| {r['label']} | {r['wall']:.1f} s | {r['ingest']['log_s']:.1f} s | {r['features']['log_s']:.1f} s"
                f" | {r['cpu_s'] / r['span_s']:.2f} | {others(r):.2f} | {gib(r['rss_kb']):.2f} GiB |")
text = "\n".join(["# `bench/market-increment.sh`: one more trading day against the full run", "",
                  head, "", *table, "", walls_line, "",
                  "Each run (the cores' load from GNU time's CPU time of the process and /proc/stat's of the"
                  " machine over the same seconds):", "", *load, "", load_note, ""])
print("\n" + "\n".join(table) + "\n\n" + walls_line)
open(md, "w").write(text)
print(f"\nwritten to {md}")
PY
[ "${NOT_INCREMENTAL:-0}" = 0 ] || { echo "$NOT_INCREMENTAL of the $DAYS daily runs were not increments"; exit 1; }
