#!/usr/bin/env bash
# The compressed-video benchmark (issue 7), all in one run at 480p 30 fps on loopback:
#   - capture -> viewer latency for WebRTC straight from posecast, via Janus (RTP -> WebRTC) and
#     via nginx-rtmp/HLS, read from the capture time posecast draws into every frame
#     (`run --time-code`, include/render/posecast/time_code.h) by headless Chromium / ffmpeg
#     (tests/e2e/browser/stream-latency.mjs);
#   - encoder CPU per stream: the CPU time of each encoder's own thread ("h264-frames:src",
#     "vp8-frames:src": conversion + encoding), as % of one core;
#   - bitrate per codec (/api/status "video.encoders") and the fps posecast kept while publishing.
#
#   scripts/bench-stream.sh [--seconds N (20)] [--out DIR] [--source SOURCE (demo)]
#
# Needs nginx-light + libnginx-mod-rtmp, janus, ffmpeg, chromium and the browser test's npm
# packages (tests/e2e/browser/setup.sh). POSECAST is the binary (default build/posecast).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
seconds=20
out=""
source=demo
while (($#)); do
  case $1 in
    --seconds) seconds=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --source) source=$2; shift 2 ;;
    -h | --help) sed -n '2,15s/^# \{0,1\}//p' "$0"; exit 0 ;;
    *) echo "bench-stream: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
posecast=${POSECAST:-$repo/build/posecast}
out=${out:-$(mktemp -d /tmp/posecast-bench-stream.XXXXXX)}
mkdir -p "$out"
chmod 777 "$out"
[[ -x $posecast ]] || { echo "bench-stream: no posecast binary at $posecast" >&2; exit 2; }

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  [[ -f $out/nginx/nginx.pid ]] && kill "$(cat "$out/nginx/nginx.pid")" 2>/dev/null || true
  [[ -f $out/janus/janus.pid ]] && kill "$(cat "$out/janus/janus.pid")" 2>/dev/null || true
  wait 2>/dev/null || true
}
trap cleanup EXIT

rtmp_port=$(free_port)
hls_port=$(free_port)
janus_port=$(free_port)
rtp_port=$((20000 + RANDOM % 20000 / 4 * 4))
# Everything on loopback and posecast with --no-auth: the servers check no token either.
"$repo/scripts/start-nginx-rtmp.sh" --rtmp-port "$rtmp_port" --http-port "$hls_port" \
  --dir "$out/nginx" --stream bench --no-auth --background >"$out/nginx.out" 2>&1
"$repo/scripts/start-janus.sh" --http-port "$janus_port" --rtp-port "$rtp_port" --dir "$out/janus" \
  --ice-interfaces lo --no-pin --background >"$out/janus.out" 2>&1
janus_api=$(grep -o 'http://[^ ]*/janus' "$out/janus.out" | head -1)

"$posecast" run --source "$source" --size 640x480 --fps 30 --http 127.0.0.1:0 --no-auth \
  --no-history --time-code --publish "rtmp://127.0.0.1:$rtmp_port/live/bench" \
  --publish "rtp://127.0.0.1:$rtp_port" >"$out/run.out" 2>"$out/run.err" &
run_pid=$!
pids+=($run_pid)
url=""
for _ in $(seq 1 300); do
  url=$(grep -o 'viewer at [^ ]*' "$out/run.out" 2>/dev/null | head -1 | cut -d' ' -f3) && [[ -n $url ]] && break
  sleep 0.1
done
[[ -n $url ]] || { echo "bench-stream: posecast run did not start:" >&2; cat "$out/run.err" >&2; exit 1; }
echo "bench-stream: posecast at $url, nginx-rtmp HLS on :$hls_port, Janus at $janus_api; $seconds s"

# CPU seconds of a thread of posecast by name (utime + stime of /proc/PID/task/*/stat).
thread_cpu() {
  local total=0 task
  for task in /proc/$run_pid/task/*; do
    [[ $(cat "$task/comm" 2>/dev/null) == "$1" ]] || continue
    total=$(awk -v t="$total" '{ print t + ($14 + $15) / 100 }' "$task/stat")
  done
  echo "$total"
}
process_cpu() { awk '{ print ($14 + $15) / 100 }' "/proc/$run_pid/stat"; }

sleep 3  # the first viewers' key frames and the HLS playlist
h264_0=$(thread_cpu h264-frames:src) vp8_0=$(thread_cpu vp8-frames:src) all_0=$(process_cpu)
t0=$(date +%s.%N)
node "$repo/tests/e2e/browser/stream-latency.mjs" --seconds "$seconds" --webrtc "$url" \
  --janus "$janus_api" --mount 1 --hls "http://127.0.0.1:$hls_port/hls/bench.m3u8" \
  >"$out/latency.json" 2>"$out/latency.err" || true
t1=$(date +%s.%N)
h264_1=$(thread_cpu h264-frames:src) vp8_1=$(thread_cpu vp8-frames:src) all_1=$(process_cpu)
curl -sS "${url%%\?*}api/status" >"$out/status.json"
nproc_here=$(nproc)
load=$(cut -d' ' -f1 /proc/loadavg)

python3 - "$out" "$t0" "$t1" "$h264_0" "$h264_1" "$vp8_0" "$vp8_1" "$all_0" "$all_1" "$nproc_here" "$load" <<'PY'
import json, sys
out, t0, t1, h0, h1, v0, v1, a0, a1, cores, load = sys.argv[1:]
span = float(t1) - float(t0)
status = json.load(open(f"{out}/status.json"))
latency = json.load(open(f"{out}/latency.json")) if open(f"{out}/latency.json").read().strip() else {}
enc = status.get("video", {}).get("encoders", {})
result = {
    "span_s": round(span, 1), "cores": int(cores), "load_average": float(load),
    "fps": status.get("fps"),
    "encoder_cpu_pct_of_one_core": {"h264": round(100 * (float(h1) - float(h0)) / span, 1),
                                    "vp8": round(100 * (float(v1) - float(v0)) / span, 1)},
    "process_cpu_pct_of_one_core": round(100 * (float(a1) - float(a0)) / span, 1),
    "bitrate_kbps": {c: round(e.get("measured_kbps", 0)) for c, e in enc.items()},
    "encode_ms": {c: e.get("encode_ms") for c, e in enc.items()},
    "latency": latency,
    "publish": status.get("video", {}).get("publish"),
}
json.dump(result, open(f"{out}/summary.json", "w"), indent=1)
print(json.dumps(result, indent=1))
PY
