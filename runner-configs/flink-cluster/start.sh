#!/usr/bin/env bash
# Starts a standalone Flink 1.19 session cluster on this machine: a JobManager
# (StandaloneSessionClusterEntrypoint) and a TaskManager (TaskManagerRunner), each its own JVM,
# from Flink's own entry points on strata.jar's classpath, configured by config.yaml beside this
# script, REST on http://localhost:8081. Waits until the TaskManager has registered.
#
#   runner-configs/flink-cluster/start.sh        then submit with @runner-configs/flink-cluster.args
#   runner-configs/flink-cluster/stop.sh         stops the two JVMs by the PIDs this script saved
#
# Env: STRATA_JAR (default pipelines/target/strata.jar), FLINK_RUN_DIR (PIDs and logs, default
# target/flink-cluster).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
JAR=${STRATA_JAR:-$ROOT/pipelines/target/strata.jar}
RUN=${FLINK_RUN_DIR:-$ROOT/target/flink-cluster}
REST=http://localhost:8081
[ -f "$JAR" ] || { echo "no $JAR: build it first (mvn -B -ntp package -DskipTests)"; exit 1; }
unzip -l "$JAR" org/apache/flink/runtime/entrypoint/StandaloneSessionClusterEntrypoint.class >/dev/null 2>&1 \
  || { echo "$JAR has no Flink runtime: build it with the default or flink-runner profile"; exit 1; }
mkdir -p "$RUN/log"
alive() { [ -f "$RUN/$1.pid" ] && kill -0 "$(cat "$RUN/$1.pid")" 2>/dev/null \
  && tr '\0' ' ' < "/proc/$(cat "$RUN/$1.pid")/cmdline" 2>/dev/null | grep -q org.apache.flink; }
if alive jobmanager || alive taskmanager; then
  echo "a cluster started from $RUN is running already (stop.sh stops it)"; exit 1
fi
if curl -s -o /dev/null "$REST/overview"; then
  echo "something else answers on $REST already"; exit 1
fi
# Flink's own log4j2 setup writes each process's log into $RUN/log.
common=(-cp "$JAR" -Dlog.file="$RUN/log/flink.log" -Djava.net.preferIPv4Stack=true)
nohup java -Xms768m -Xmx768m -XX:MaxMetaspaceSize=256m "${common[@]}" \
  org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint --configDir "$HERE" \
  > "$RUN/log/jobmanager.out" 2>&1 &
echo $! > "$RUN/jobmanager.pid"
nohup java -Xms1664m -Xmx1664m -XX:MaxDirectMemorySize=512m -XX:MaxMetaspaceSize=256m "${common[@]}" \
  org.apache.flink.runtime.taskexecutor.TaskManagerRunner --configDir "$HERE" \
  > "$RUN/log/taskmanager.out" 2>&1 &
echo $! > "$RUN/taskmanager.pid"
for _ in $(seq 1 90); do
  if curl -s "$REST/overview" | grep -q '"taskmanagers":[1-9]'; then
    echo "Flink session cluster up at $REST: JobManager pid $(cat "$RUN/jobmanager.pid"), TaskManager pid $(cat "$RUN/taskmanager.pid") (logs in $RUN/log)"
    exit 0
  fi
  if ! alive jobmanager || ! alive taskmanager; then break; fi
  sleep 1
done
echo "the cluster did not come up; logs in $RUN/log:"
tail -n 20 "$RUN/log/jobmanager.out" "$RUN/log/taskmanager.out" || true
"$HERE/stop.sh" || true
exit 1
