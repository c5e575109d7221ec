#!/usr/bin/env bash
# Soak test (issue 8): `posecast run --source demo` at 30 fps for N minutes with 10 MJPEG viewers
# and MQTT telemetry to a local Mosquitto (read back by `posecast class`), sampling every 10 s the
# process's RSS, open file descriptors, threads and fps. Prints a summary and PASS/FAIL against
# the issue's criteria: RSS growth < 5 % (first vs last window), no growth in descriptors or
# threads, fps steady (last window's median within 10 % of the first's).
#
#   scripts/soak.sh [--minutes N (30)] [--out DIR (build/soak-DATE)] [--warmup SECONDS (60)]
#
# Writes DIR/samples.csv (one row per sample), DIR/summary.json and the logs of every process.
# Environment: POSECAST (the binary, default build/posecast), VIEWERS (10), FPS (30).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
minutes=30
warmup=60
out=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --minutes) minutes="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --warmup) warmup="$2"; shift 2 ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "soak.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
posecast="${POSECAST:-$root/build/posecast}"
viewers="${VIEWERS:-10}"
fps="${FPS:-30}"
out="${out:-$root/build/soak-$(date +%Y%m%d-%H%M%S)}"
interval=10
[[ -x "$posecast" ]] || { echo "soak.sh: no posecast binary at $posecast (build it, or set POSECAST)" >&2; exit 2; }
for tool in curl python3 /usr/sbin/mosquitto; do
  command -v "$tool" >/dev/null || { echo "soak.sh: needs $tool" >&2; exit 2; }
done
mkdir -p "$out"
rm -f "$out"/samples.csv "$out"/summary.json "$out"/viewer-*.restarts

pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# The broker, on a free loopback port, logging into the output folder.
broker_port=$(free_port)
chmod 777 "$out"  # Mosquitto started as root drops to its own user and must write its log here
cat >"$out/mosquitto.conf" <<CONF
listener $broker_port 127.0.0.1
allow_anonymous true
log_dest file $out/mosquitto.log
CONF
/usr/sbin/mosquitto -c "$out/mosquitto.conf" &
pids+=($!)
mqtt="tcp://127.0.0.1:$broker_port"

# The device under test, and `posecast class` as the MQTT reader (its status counts messages).
"$posecast" run --source demo --fps "$fps" --http 127.0.0.1:0 --token-file "$out/token" \
  --mqtt "$mqtt" --device soak --no-history >"$out/run.out" 2>"$out/run.err" &
run_pid=$!
pids+=($run_pid)
"$posecast" class --mqtt "$mqtt" --http 127.0.0.1:0 --no-auth >"$out/class.out" 2>"$out/class.err" &
pids+=($!)

url_of() {  # the URL a posecast process printed on stdout
  local file="$1" prefix="$2"
  for _ in $(seq 1 600); do
    local line
    line=$(grep -m1 "^$prefix" "$file" 2>/dev/null || true)
    if [[ -n "$line" ]]; then
      line="${line#"$prefix"}"
      echo "${line%% *}"
      return 0
    fi
    sleep 0.1
  done
  return 1
}
run_url=$(url_of "$out/run.out" "posecast: viewer at ") ||
  { echo "soak.sh: posecast run printed no URL; stderr:" >&2; cat "$out/run.err" >&2; exit 1; }
class_url=$(url_of "$out/class.out" "posecast: class dashboard at ") ||
  { echo "soak.sh: posecast class printed no URL" >&2; cat "$out/class.err" >&2; exit 1; }
base="${run_url%%\?*}"
token=$(cat "$out/token")
auth=(-H "Authorization: Bearer $token")
echo "soak.sh: posecast run (pid $run_pid) at $base, broker $mqtt, $viewers viewers, $minutes min; output in $out"

# The viewers: each reads the MJPEG stream and throws the bytes away; one that drops is restarted
# (and counted), so a server that hangs up on viewers shows in the summary.
viewer_loop() {
  local n=0
  while true; do
    curl -sS -N "${auth[@]}" "${base}stream.mjpg" -o /dev/null 2>>"$out/viewers.err" || true
    n=$((n + 1))
    echo "$n" >"$out/viewer-$1.restarts"
    sleep 1
  done
}
for i in $(seq 1 "$viewers"); do
  viewer_loop "$i" &
  pids+=($!)
done

# The figures of one sample from the two /api/status answers: fps,viewers,frames_rendered,messages.
cat >"$out/fields.py" <<'PY'
import json, sys
def load(text):
    try:
        return json.loads(text)
    except ValueError:
        return {}
run, dashboard = load(sys.argv[1]), load(sys.argv[2])
print(",".join(str(v) for v in (run.get("fps", 0), run.get("viewers", 0),
                                run.get("frames", {}).get("rendered", 0),
                                dashboard.get("messages", 0))))
PY
echo "t_s,rss_kib,fds,threads,fps,viewers,frames_rendered,mqtt_messages" >"$out/samples.csv"
start=$(date +%s)
end=$((start + minutes * 60))
while [[ $(date +%s) -lt $end ]]; do
  sleep "$interval"
  kill -0 "$run_pid" 2>/dev/null || { echo "soak.sh: posecast run died; stderr:" >&2; tail -20 "$out/run.err" >&2; exit 1; }
  rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$run_pid/status")
  fds=$(ls "/proc/$run_pid/fd" | wc -l)
  threads=$(ls "/proc/$run_pid/task" | wc -l)
  status=$(curl -sS --max-time 5 "${auth[@]}" "${base}api/status" || echo '{}')
  class_status=$(curl -sS --max-time 5 "${class_url%%\?*}api/status" || echo '{}')
  IFS=, read -r fps_now viewers_now rendered messages <<<"$(python3 "$out/fields.py" "$status" "$class_status")"
  echo "$(( $(date +%s) - start )),$rss,$fds,$threads,$fps_now,$viewers_now,$rendered,$messages" >>"$out/samples.csv"
done
restarts=0
for file in "$out"/viewer-*.restarts; do
  [[ -f "$file" ]] && restarts=$((restarts + $(cat "$file")))
done

python3 - "$out" "$minutes" "$warmup" "$restarts" <<'PY'
import csv, json, statistics, sys
out, minutes, warmup, restarts = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
rows = [{k: float(v) for k, v in r.items()} for r in csv.DictReader(open(f"{out}/samples.csv"))]
steady = [r for r in rows if r["t_s"] > warmup] or rows
span = steady[-1]["t_s"] - steady[0]["t_s"]
# The first and last 5 minutes after the warm-up (a third of the run each when it is shorter).
window = min(300.0, max(span / 3, 10.0))
first = [r for r in steady if r["t_s"] <= steady[0]["t_s"] + window]
last = [r for r in steady if r["t_s"] >= steady[-1]["t_s"] - window]
mean = lambda rs, k: statistics.fmean(r[k] for r in rs)
rss_growth = 100 * (mean(last, "rss_kib") / mean(first, "rss_kib") - 1)
fps_all = [r["fps"] for r in steady]
fps_first, fps_last = statistics.median(r["fps"] for r in first), statistics.median(r["fps"] for r in last)
mqtt_rate = (steady[-1]["mqtt_messages"] - steady[0]["mqtt_messages"]) / span if span > 0 else 0
summary = {
    "minutes": minutes, "samples": len(rows), "warmup_s": warmup, "window_s": window,
    "rss_first_mib": mean(first, "rss_kib") / 1024, "rss_last_mib": mean(last, "rss_kib") / 1024,
    "rss_growth_pct": rss_growth,
    "fds_min": min(r["fds"] for r in steady), "fds_max": max(r["fds"] for r in steady),
    "fds_first_max": max(r["fds"] for r in first), "fds_last_max": max(r["fds"] for r in last),
    "threads_min": min(r["threads"] for r in steady), "threads_max": max(r["threads"] for r in steady),
    "threads_first_max": max(r["threads"] for r in first),
    "threads_last_max": max(r["threads"] for r in last),
    "fps_median": statistics.median(fps_all), "fps_min": min(fps_all),
    "fps_first_median": fps_first, "fps_last_median": fps_last,
    "viewers_min": min(r["viewers"] for r in steady), "viewer_restarts": restarts,
    "mqtt_messages_per_s": mqtt_rate,
}
checks = {
    "rss_growth_below_5pct": rss_growth < 5,
    "fds_not_growing": summary["fds_last_max"] <= summary["fds_first_max"],
    "threads_not_growing": summary["threads_last_max"] <= summary["threads_first_max"],
    "fps_steady": fps_first > 0 and abs(fps_last - fps_first) <= 0.1 * fps_first,
    "mqtt_flowing": mqtt_rate > 0,
}
summary["checks"] = checks
summary["pass"] = all(checks.values())
json.dump(summary, open(f"{out}/summary.json", "w"), indent=1)
print(f"soak: {minutes:g} min, {len(rows)} samples ({warmup:g} s warm-up left out), windows of {window:.0f} s")
print(f"  RSS      {summary['rss_first_mib']:.1f} MiB -> {summary['rss_last_mib']:.1f} MiB: {rss_growth:+.2f} %  (< 5 %)")
print(f"  fds      min {summary['fds_min']:.0f} max {summary['fds_max']:.0f}; first window max {summary['fds_first_max']:.0f}, last {summary['fds_last_max']:.0f}")
print(f"  threads  min {summary['threads_min']:.0f} max {summary['threads_max']:.0f}; first window max {summary['threads_first_max']:.0f}, last {summary['threads_last_max']:.0f}")
print(f"  fps      median {summary['fps_median']:.1f} min {summary['fps_min']:.1f}; first window {fps_first:.1f}, last {fps_last:.1f}")
print(f"  viewers  at least {summary['viewers_min']:.0f} connected, {restarts} reconnects; MQTT {mqtt_rate:.1f} messages/s")
for name, ok in checks.items():
    print(f"  {'ok  ' if ok else 'FAIL'} {name}")
print("PASS" if summary["pass"] else "FAIL")
sys.exit(0 if summary["pass"] else 1)
PY
