#!/usr/bin/env bash
# The robot sensor job against pandas, and its cost at scale:
#
#   bench/sensors.sh [SCALES...]   (default "1 100"; env RUNS=3, PEER_SCALES="1 10", WORK,
#                                   JAVA_OPTS for the job's JVM)
#
# Per scale S: generates the readings once (strata.jar generate-sensors --scale=S: scale 1 is the
# real file's shape, 4 runs and 1,546,591 rows), and exports them once to one CSV in the real file's
# layout (DuckDB, bench/peers/ExportReadingsCsv.java), because Debian's pandas has no pyarrow and so
# cannot read Parquet. At a scale in PEER_SCALES, RUNS rounds alternate three whole processes:
# strata `sensors --force` on the CSV, strata on the Parquet files (both on embedded Flink,
# @runner-configs/flink-local.args) and the pandas peer (bench/peers/sensors_pandas.py, Debian's
# /usr/bin/python3 with python3-pandas) on the CSV. At other scales strata runs once on the Parquet
# files (scale 100: 154.7 M rows, where pandas would need the whole table in memory).
# Prints one table (medians; wall, peak RSS, rows, ratio to pandas) and writes it to
# bench/results/sensors.md. Goals (issue 18): <= 1.0 x pandas at scale 1, <= 0.5 x at 10, scale
# 100 in <= 4 GiB with the default heap.
set -euo pipefail
cd "$(dirname "$0")/.."
WORK=${WORK:-bench/work}
SCALES=${*:-1 100}
RUNS=${RUNS:-3}
PEER_SCALES=" ${PEER_SCALES:-1 10} "
PYTHON=/usr/bin/python3
mkdir -p "$WORK" bench/results
command -v /usr/bin/time >/dev/null || { echo "needs GNU time (/usr/bin/time, Debian package time)"; exit 1; }
$PYTHON -c 'import pandas' 2>/dev/null || { echo "needs Debian's python3-pandas for $PYTHON"; exit 1; }
[ -f pipelines/target/strata.jar ] || mvn -B -q -ntp package -DskipTests
DUCK_JAR=$WORK/duckdb_jdbc-2.0.0.1.jar
[ -f "$DUCK_JAR" ] || mvn -B -q -ntp dependency:copy -Dartifact=org.duckdb:duckdb_jdbc:2.0.0.1 \
  -DoutputDirectory="$WORK"
JAR=$WORK/sensors-strata.jar # a copy: a rebuild of pipelines/target meanwhile does not touch it
cp pipelines/target/strata.jar "$JAR"
JAR_INFO="strata $(git log -1 --format='%h' 2>/dev/null || echo '?'), jar built $(date -r pipelines/target/strata.jar '+%Y-%m-%d %H:%M')"
RESULTS=$WORK/sensors-results.tsv
: > "$RESULTS"

# measure SCALE TOOL CMD...: one whole process; appends scale, tool, wall, peak RSS KiB, log
measure() {
  local scale=$1 tool=$2 t log; shift 2
  t=$(mktemp); log=$WORK/sensors-$scale-$tool.log
  /usr/bin/time -f "%e %M" -o "$t" "$@" > "$log" 2>&1 || { echo "FAILED: $tool at $scale"; tail -20 "$log"; exit 1; }
  read -r wall rss < "$t"; rm -f "$t"
  printf '%s\t%s\t%s\t%s\t%s\n' "$scale" "$tool" "$wall" "$rss" "$log" >> "$RESULTS"
  echo "  scale $scale $tool: ${wall} s, $((rss / 1024)) MiB"
}

for s in $SCALES; do
  DATA=$WORK/sensors-$s
  if [ ! -f "$DATA/readings-00000.parquet" ]; then
    java -jar "$JAR" generate-sensors --output="$DATA" --scale="$s"
  fi
  # shellcheck disable=SC2086
  STRATA=(java ${JAVA_OPTS:-} -jar "$JAR" sensors --force @runner-configs/flink-local.args)
  if [[ "$PEER_SCALES" == *" $s "* ]]; then
    CSV=$WORK/sensors-$s.csv
    [ -f "$CSV" ] || java -cp "$DUCK_JAR" bench/peers/ExportReadingsCsv.java "$DATA" "$CSV"
    for r in $(seq 1 "$RUNS"); do
      echo "--- scale $s, round $r of $RUNS"
      measure "$s" strata-csv "${STRATA[@]}" --input="$CSV" --output="$WORK/sensors-out-$s-csv"
      measure "$s" strata-parquet "${STRATA[@]}" --input="$DATA/*.parquet" --output="$WORK/sensors-out-$s"
      measure "$s" pandas "$PYTHON" bench/peers/sensors_pandas.py "$CSV" "$WORK/sensors-pandas-$s"
    done
  else
    echo "--- scale $s"
    measure "$s" strata-parquet "${STRATA[@]}" --input="$DATA/*.parquet" --output="$WORK/sensors-out-$s"
  fi
done

python3 - "$RESULTS" "$WORK" "$JAR_INFO" "${JAVA_OPTS:-(none)}" "$RUNS" <<'PY' | tee bench/results/sensors.md
import collections, datetime, json, os, re, statistics, sys
results, work, jar_info, java_opts, runs = sys.argv[1:]
by = collections.defaultdict(list)
for line in open(results):
    s, tool, wall, rss, log = line.rstrip("\n").split("\t")
    by[(s, tool)].append((float(wall), int(rss), log))
def rows(s, tool, log):
    if tool == "pandas":
        m = re.search(r"(\d+) readings in, (\d+) grid rows out", open(log).read())
        return int(m.group(1)), int(m.group(2))
    out = os.path.join(work, f"sensors-out-{s}" + ("-csv" if tool == "strata-csv" else ""))
    clean = json.load(open(os.path.join(out, "clean", "_manifest.json")))
    grid = json.load(open(os.path.join(out, "runs", "_manifest.json")))["counters"]["gridPoints"]
    return clean["rows"]["in"], grid
cores = os.cpu_count()
ram = round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30)
print(f"# `bench/sensors.sh`: the sensors job against pandas\n")
pandas = os.popen("/usr/bin/python3 -c 'import pandas; print(pandas.__version__)'").read().strip()
print(f"{datetime.date.today()}, {cores} cores, {ram} GiB RAM; {jar_info}; embedded Flink "
      f"(`@runner-configs/flink-local.args`), JAVA_OPTS `{java_opts}`; pandas {pandas} "
      f"(Debian, no pyarrow: it reads and writes CSV). Medians of {runs} alternating rounds where "
      "pandas ran (strata on the CSV, strata on the Parquet files, pandas on the CSV), else one run. "
      "Whole processes, start-up included.\n")
print("| scale | tool, input | readings in | grid rows out | wall | peak RSS | wall / pandas |")
print("|---|---|---|---|---|---|---|")
for s in sorted({k[0] for k in by}, key=float):
    peer = by.get((s, "pandas"))
    peer_wall = statistics.median(w for w, _, _ in peer) if peer else None
    for tool in ("strata-csv", "strata-parquet", "pandas"):
        if (s, tool) not in by:
            continue
        v = by[(s, tool)]
        wall = statistics.median(w for w, _, _ in v)
        rss = statistics.median(r for _, r, _ in v) / 2**20
        n_in, n_out = rows(s, tool, v[-1][2])
        ratio = f"{wall / peer_wall:.2f}" if peer_wall else "—"
        name = {"strata-csv": "strata, CSV", "strata-parquet": "strata, Parquet", "pandas": "pandas, CSV"}[tool]
        walls = ", ".join(f"{w:.1f}" for w, _, _ in v)
        print(f"| {s} | {name} | {n_in:,} | {n_out:,} | {wall:.1f} s ({walls}) | {rss:.2f} GiB | {ratio} |")
print("\nGoals (issue 18): strata <= 1.0 x pandas at scale 1 and <= 0.5 x at scale 10; scale 100 in "
      "<= 4 GiB with the default heap. Grid rows out: the rows of the runs' aligned tables (strata's "
      "`gridPoints` counter, the rows of pandas' run CSVs); the two tools doing the same work give "
      "the same count.")
PY
