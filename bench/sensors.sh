#!/usr/bin/env bash
# The robot sensor job at scale 1 (the real file's 1,546,591 rows) and scale 100 (154.7 M rows,
# 400 runs), each as one process on embedded Flink:
#
#   bench/sensors.sh [SCALES...]       (default "1 100"; env WORK, JAVA_OPTS for the job's JVM)
#
# Generates the data once per scale (strata.jar generate-sensors), runs both stages with --force,
# and prints wall time and peak RSS of the process, stage durations and rows, and the cost per
# row relative to scale 1. Goals (issue 5): <= 10 s at scale 1, scale 100 within 1.2 x 100 x the
# scale-1 cost, peak RSS <= 4 GiB.
set -euo pipefail
cd "$(dirname "$0")/.."
WORK=${WORK:-bench/work}
SCALES=${*:-1 100}
mkdir -p "$WORK"
[ -f pipelines/target/strata.jar ] || mvn -B -q -ntp package -DskipTests
: > "$WORK/sensors-results.tsv"
for s in $SCALES; do
  DATA=$WORK/sensors-$s
  if [ ! -f "$DATA/readings-00000.parquet" ]; then
    java -jar pipelines/target/strata.jar generate-sensors --output="$DATA" --scale="$s"
  fi
  t=$(mktemp)
  # shellcheck disable=SC2086
  /usr/bin/time -f "%e %M" -o "$t" java ${JAVA_OPTS:-} -jar pipelines/target/strata.jar sensors \
    --input="$DATA/*.parquet" --output="$WORK/sensors-out-$s" --force @runner-configs/flink-local.args \
    | tee "$WORK/sensors-$s.log"
  read -r wall rss < "$t"; rm -f "$t"
  printf '%s\t%s\t%s\n' "$s" "$wall" "$rss" >> "$WORK/sensors-results.tsv"
done
python3 - "$WORK" <<'PY'
import json, os, sys
work = sys.argv[1]
rows = [l.split('\t') for l in open(os.path.join(work, "sensors-results.tsv")) if l.strip()]
base = None
print(f"\n{'scale':>6} {'rows in':>13} {'wall s':>8} {'clean s':>8} {'runs s':>8} {'RSS GiB':>8} {'s per M rows':>13} {'vs scale 1':>10}")
for s, wall, rss in rows:
    out = os.path.join(work, f"sensors-out-{s}")
    clean = json.load(open(os.path.join(out, "clean", "_manifest.json")))
    runs = json.load(open(os.path.join(out, "runs", "_manifest.json")))
    n = clean["rows"]["in"]
    per = float(wall) / (n / 1e6)
    if base is None:
        base = (float(s), float(wall))
    rel = (float(wall) / base[1]) / (float(s) / base[0])
    print(f"{s:>6} {n:>13,} {float(wall):8.1f} {clean['duration_s']:8.1f} {runs['duration_s']:8.1f} {int(rss)/1024/1024:8.2f} {per:13.2f} {rel:10.2f}")
print("goals: <= 10 s at scale 1; scale-100 cost <= 1.2 x 100 x scale-1 cost; RSS <= 4 GiB")
PY
