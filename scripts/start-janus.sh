#!/usr/bin/env bash
# Starts Janus (Debian: janus) as posecast's WebRTC fan-out to a class: posecast sends RTP once,
# Janus's streaming plugin relays it to every browser watching mountpoint 1 (VP8) or 2 (H.264).
#   scripts/start-janus.sh [--http-port 8188] [--rtp-port 5004] [--host 127.0.0.1] [--dir DIR]
#                          [--media-ports 20000-40000] [--ice-interfaces LIST] [--background]
#                          [--token-file ~/.config/posecast/access-token | --no-pin]
# A viewer must give the mountpoints' pin, which this script derives from posecast's access token
# (the file posecast reads; HMAC-SHA256, as posecast's /api/status "janus_pin" shows it to viewers
# with the token); --no-pin lets anybody watch (--host loopback only).
# Prints the RTP target for `posecast run --publish` and the Janus HTTP API URL. The configs are
# deploy/janus/*.jcfg with the values filled in (copied to DIR/config); only the streaming plugin
# and the HTTP transport load. --rtp-port P: VP8 on P, H.264 on P+2. --ice-interfaces: the
# interfaces/addresses Janus offers viewers (e.g. "lo" for this machine only; default: all).
# In the foreground (default) Janus replaces this script (Ctrl-C/SIGTERM stops it);
# --background returns once the API answers; stop it with `kill $(cat DIR/janus.pid)`.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
http_port=8188
rtp_port=5004
host=127.0.0.1
dir=""
media_ports=20000-40000
ice_interfaces=""
background=0
token_file=${XDG_CONFIG_HOME:-$HOME/.config}/posecast/access-token
no_pin=0

die() {
  echo "start-janus: $*" >&2
  exit 1
}
usage() { sed -n '2,15s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; }

while (($#)); do
  case $1 in
    --http-port) http_port=${2:?--http-port needs a port}; shift 2 ;;
    --rtp-port) rtp_port=${2:?--rtp-port needs a port}; shift 2 ;;
    --host) host=${2:?--host needs an address}; shift 2 ;;
    --dir) dir=${2:?--dir needs a folder}; shift 2 ;;
    --media-ports) media_ports=${2:?--media-ports needs MIN-MAX}; shift 2 ;;
    --ice-interfaces) ice_interfaces=${2:?--ice-interfaces needs a list}; shift 2 ;;
    --background) background=1; shift ;;
    --token-file) token_file=${2:?--token-file needs a file}; shift 2 ;;
    --no-pin) no_pin=1; shift ;;
    -h | --help) usage; exit 0 ;;
    *) die "unknown option '$1' (see --help)" ;;
  esac
done
for port in "$http_port" "$rtp_port"; do
  [[ $port =~ ^[0-9]+$ ]] && ((port > 0 && port < 65535)) || die "bad port '$port': use 1-65534"
done
[[ $media_ports =~ ^[0-9]+-[0-9]+$ ]] || die "bad --media-ports '$media_ports': use MIN-MAX"

if ((no_pin)) && [[ $host != 127.* && $host != ::1 ]]; then
  die "--no-pin is allowed only with a loopback --host: anybody on the network would see the video"
fi
# The pin posecast shows to viewers with its token: the same HMAC of the same token file
# (include/common/posecast/access_token.h: janus_pin). Python reads the file itself, so the token
# never appears on a command line.
pin="" pin_on="#"
if ((no_pin == 0)); then
  [[ -r $token_file ]] ||
    die "cannot read posecast's access token $token_file: start posecast once to make it, or give --token-file (--no-pin: no pin)"
  pin=$(python3 - "$token_file" <<'PY'
import hashlib, hmac, sys
token = open(sys.argv[1]).readline().strip()
if not token:
    sys.exit("empty token file")
print(hmac.new(token.encode(), b"posecast janus pin", hashlib.sha256).hexdigest()[:32])
PY
  ) || die "cannot make the pin from $token_file"
  pin_on=""
fi
random_hex() { head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n'; }

janus=$(command -v janus || true)
[[ -n $janus ]] || janus=/usr/bin/janus
[[ -x $janus ]] || die "janus is not installed: apt-get install janus"
libdir=""
for candidate in "/usr/lib/$(uname -m)-linux-gnu/janus" /usr/lib/janus /usr/local/lib/janus \
  /opt/janus/lib/janus; do
  if [[ -f $candidate/plugins/libjanus_streaming.so ]]; then
    libdir=$candidate
    break
  fi
done
[[ -n $libdir ]] || die "Janus's streaming plugin (libjanus_streaming.so) not found"
[[ -f $libdir/transports/libjanus_http.so ]] ||
  die "Janus's HTTP transport ($libdir/transports/libjanus_http.so) not found"

if [[ -z $dir ]]; then
  dir=$(mktemp -d "${TMPDIR:-/tmp}/posecast-janus.XXXXXX")
fi
mkdir -p "$dir/config" || die "cannot create $dir"
dir=$(cd "$dir" && pwd)

ice_enforce=""
[[ -n $ice_interfaces ]] && ice_enforce="ice_enforce_list = \"$ice_interfaces\""
rtp_host=$host
[[ $host == 0.0.0.0 ]] && rtp_host=""  # all interfaces
for config in janus.jcfg janus.plugin.streaming.jcfg janus.transport.http.jcfg; do
  sed -e "s|@DIR@|$dir|g" -e "s|@PLUGINS@|$libdir/plugins|" -e "s|@TRANSPORTS@|$libdir/transports|" \
    -e "s|@EVENTS@|$libdir/events|" -e "s|@LOGGERS@|$libdir/loggers|" \
    -e "s|@MEDIA_PORTS@|$media_ports|" -e "s|@ICE_ENFORCE@|$ice_enforce|" \
    -e "s|@HOST@|$host|g" -e "s|@HTTP_PORT@|$http_port|g" -e "s|@RTP_HOST@|$rtp_host|g" \
    -e "s|@RTP_PORT@|$rtp_port|g" -e "s|@RTP_PORT_H264@|$((rtp_port + 2))|g" \
    -e "s|@PIN@|$pin_on|g" -e "s|@PIN_VALUE@|$pin|g" -e "s|@SECRET@|$(random_hex)|g" \
    -e "s|@ADMIN_KEY@|$(random_hex)|g" \
    "$repo/deploy/janus/$config" >"$dir/config/$config"
done
# An empty iface means "all interfaces": drop the line rather than give Janus "".
sed -i '/iface = ""/d' "$dir/config/janus.plugin.streaming.jcfg"

url_host=$host
[[ $host == 0.0.0.0 ]] && url_host=127.0.0.1
announce() {
  echo "janus: publish with posecast run --publish rtp://$url_host:$rtp_port  (VP8, mountpoint 1)"
  echo "janus: or posecast run --publish 'rtp://$url_host:$((rtp_port + 2))?codec=h264'  (mountpoint 2)"
  echo "janus: API at http://$url_host:$http_port/janus"
  if ((no_pin)); then
    echo "janus: no pin (--no-pin): anybody who reaches Janus may watch"
  else
    echo "janus: watch with the pin: deploy/janus/viewer.html?api=http://$url_host:$http_port/janus&id=1&pin=$pin"
  fi
  echo "janus: folder $dir (config/, janus.log, janus.pid)"
}
# The plugin/transport folders are in janus.jcfg (Janus has no option for the transports one).
command=("$janus" --configs-folder="$dir/config" --pid-file="$dir/janus.pid" --disable-colors)

if ((background == 0)); then
  announce
  exec "${command[@]}"
fi

# Ready when Janus itself answers /janus/info (not merely something on the port).
api_answers() {
  local reply
  reply=$( (exec 3<>"/dev/tcp/$url_host/$http_port" &&
    printf 'GET /janus/info HTTP/1.0\r\nHost: %s\r\n\r\n' "$url_host" >&3 &&
    timeout 2 cat <&3) 2>/dev/null) || return 1
  [[ $reply == *'"server_info"'* ]]
}

"${command[@]}" </dev/null >"$dir/janus.log" 2>&1 &
janus_pid=$!
for _ in $(seq 150); do
  if ! kill -0 "$janus_pid" 2>/dev/null; then
    tail -n 20 "$dir/janus.log" >&2
    die "janus exited at start (http port $http_port, rtp port $rtp_port; log: $dir/janus.log)"
  fi
  if api_answers; then
    announce
    echo "janus: running as pid $janus_pid; stop: kill \$(cat $dir/janus.pid)"
    exit 0
  fi
  sleep 0.1
done
kill "$janus_pid" 2>/dev/null || true
die "janus's API did not answer on $host:$http_port within 15 s (log: $dir/janus.log)"
