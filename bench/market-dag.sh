#!/usr/bin/env bash
# The whole market DAG (ingest -> features -> train) on the full-scale synthetic dataset, as one
# process on embedded Flink, the way a user runs it:
#
#   bench/market-dag.sh            (env DATA=dir to reuse a generated dataset, JAVA_OPTS for the JVM)
#
# Prints wall time and peak RSS of the process (/usr/bin/time), each stage's duration and rows from
# its manifest, the model's size and the three rows of metrics.json. Goals (issue 3): wall <= 5 min,
# peak RSS <= 4 GiB, model.bin <= 1 MB.
set -euo pipefail
cd "$(dirname "$0")/.."
WORK=${WORK:-bench/work}
DATA=${DATA:-$WORK/market-full}
OUT=$WORK/dag-out
mkdir -p "$WORK"
[ -f pipelines/target/strata.jar ] || mvn -B -q -ntp package -DskipTests
if [ ! -f "$DATA/symbols_valid_meta.csv" ]; then
  java -jar pipelines/target/strata.jar generate-market --output="$DATA" --scale=1.0
fi
echo "dataset: $DATA ($(du -shL "$DATA" | cut -f1), $(find -L "$DATA/etfs" "$DATA/stocks" -name '*.csv' | wc -l) price files)"
t=$(mktemp)
# shellcheck disable=SC2086
/usr/bin/time -f "%e %M" -o "$t" java ${JAVA_OPTS:-} -jar pipelines/target/strata.jar market \
  --input="$DATA" --output="$OUT" --force @runner-configs/flink-local.args | tee "$WORK/dag.log"
read -r wall rss < "$t"; rm -f "$t"
python3 - "$OUT" "$wall" "$rss" <<'PY'
import json, os, sys
out, wall, rss = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
print(f"\nwhole DAG: {wall:.1f} s wall (goal <= 300 s), peak RSS {rss/1024/1024:.2f} GiB (goal <= 4 GiB)")
for stage, d in (("ingest", "raw"), ("features", "features"), ("train", "model")):
    m = json.load(open(os.path.join(out, d, "_manifest.json")))
    r = m["rows"]
    print(f"  {stage:9} {m['duration_s']:7.1f} s  {r['in']:>12,} in  {r['out']:>12,} out  {r['rejected']:>9,} rejected  [{m['runner']}]")
size = os.path.getsize(os.path.join(out, "model", "model.bin"))
print(f"model.bin: {size:,} bytes (goal <= 1 MB)")
mx = json.load(open(os.path.join(out, "model", "metrics.json")))
print(f"test rows: {mx['test_rows']:,}  split: {json.dumps(mx['split'])}")
for k in ("model", "naive", "random_forest"):
    v = mx[k]
    print(f"  {k:14} MAE {v['mae']:>14,.0f}  RMSE {v['rmse']:>14,.0f}  R2 {v['r2']:.4f}  ({v['rows']:,} rows)")
same = mx["random_forest"]["same_rows"]
print(f"  on the forest's rows: model MAE {same['model']['mae']:,.0f}, naive MAE {same['naive']['mae']:,.0f}")
PY
