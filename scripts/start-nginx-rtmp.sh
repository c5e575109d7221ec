#!/usr/bin/env bash
# Starts nginx with the RTMP module (Debian: nginx-light + libnginx-mod-rtmp) as posecast's fan-out
# to a class: posecast publishes once over RTMP, nginx serves HLS to every viewer.
#   scripts/start-nginx-rtmp.sh [--rtmp-port 1935] [--http-port 8088] [--host 127.0.0.1]
#                               [--dir DIR] [--allow-publish 127.0.0.1] [--stream pose]
#                               [--auth http://127.0.0.1:8080 | --no-auth] [--background]
# Prints the rtmp:// URL to give `posecast run --publish` and the HLS URL to open. Every player
# shows posecast's access token, which nginx checks with posecast's GET/POST /api/auth at --auth
# (the device's viewer address, http:// or https://); --no-auth serves anybody (--host loopback
# only). The config is deploy/nginx-rtmp/nginx.conf with the values filled in; everything nginx
# writes (HLS segments, logs, temp files, nginx.pid) goes to DIR (default: a new temp folder), so
# it runs as root and as a normal user. In the foreground (default) nginx replaces this script:
# Ctrl-C or SIGTERM stops it. --background returns once nginx listens; stop it with
# `kill $(cat DIR/nginx.pid)`.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
rtmp_port=1935
http_port=8088
host=127.0.0.1
dir=""
allow_publish=127.0.0.1
stream=pose
background=0
auth_url=http://127.0.0.1:8080
no_auth=0

die() {
  echo "start-nginx-rtmp: $*" >&2
  exit 1
}
usage() { sed -n '2,15s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; }

while (($#)); do
  case $1 in
    --rtmp-port) rtmp_port=${2:?--rtmp-port needs a port}; shift 2 ;;
    --http-port) http_port=${2:?--http-port needs a port}; shift 2 ;;
    --host) host=${2:?--host needs an address}; shift 2 ;;
    --dir) dir=${2:?--dir needs a folder}; shift 2 ;;
    --allow-publish) allow_publish=${2:?--allow-publish needs an address or CIDR}; shift 2 ;;
    --stream) stream=${2:?--stream needs a name}; shift 2 ;;
    --auth) auth_url=${2:?--auth needs the posecast viewer URL}; shift 2 ;;
    --no-auth) no_auth=1; shift ;;
    --background) background=1; shift ;;
    -h | --help) usage; exit 0 ;;
    *) die "unknown option '$1' (see --help)" ;;
  esac
done
for port in "$rtmp_port" "$http_port"; do
  [[ $port =~ ^[0-9]+$ ]] && ((port > 0 && port < 65536)) || die "bad port '$port': use 1-65535"
done

auth_url=${auth_url%/}
[[ $auth_url =~ ^https?://[^/]+$ ]] ||
  die "bad --auth '$auth_url': use posecast's viewer address, http(s)://HOST:PORT"
if ((no_auth)) && [[ $host != 127.* && $host != ::1 ]]; then
  die "--no-auth is allowed only with a loopback --host: anybody on the network would see the video"
fi
# The auth lines are on (empty prefix) or commented out ('#'), and the open ones the other way.
auth_on="" no_auth_on="#"
((no_auth)) && auth_on="#" no_auth_on=""

nginx=$(command -v nginx || true)
[[ -n $nginx ]] || nginx=/usr/sbin/nginx
[[ -x $nginx ]] || die "nginx is not installed: apt-get install nginx-light libnginx-mod-rtmp"
module=/usr/lib/nginx/modules/ngx_rtmp_module.so
[[ -f $module ]] || die "$module is missing: apt-get install libnginx-mod-rtmp"

if [[ -z $dir ]]; then
  dir=$(mktemp -d "${TMPDIR:-/tmp}/posecast-nginx-rtmp.XXXXXX")
fi
mkdir -p "$dir/hls" "$dir/temp" || die "cannot create $dir"
dir=$(cd "$dir" && pwd)

# Root: the worker would switch to 'nobody' and could not write DIR; keep it as the caller.
user_line=""
if ((EUID == 0)); then
  user_line="user $(id -un) $(id -gn);"
fi
# The compiled-in temp folders (/var/lib/nginx/...) are root's: point every one nginx has at DIR.
build_flags=$("$nginx" -V 2>&1)
temp_paths=""
for kind in client_body proxy fastcgi scgi uwsgi; do
  module_name=${kind/client_body/}
  if [[ -n $module_name && $build_flags == *"--without-http_${module_name}_module"* ]]; then
    continue
  fi
  temp_paths+="${kind}_temp_path $dir/temp/$kind; "
done

url_host=$host
[[ $host == 0.0.0.0 ]] && url_host=127.0.0.1
sed -e "s|@RTMP_MODULE@|$module|" -e "s|@DIR@|$dir|g" -e "s|@HOST@|$host|g" \
  -e "s|@RTMP_PORT@|$rtmp_port|g" -e "s|@HTTP_PORT@|$http_port|g" \
  -e "s|@ALLOW_PUBLISH@|$allow_publish|g" -e "s|@USER_LINE@|$user_line|" \
  -e "s|@TEMP_PATHS@|$temp_paths|" -e "s|@LOCAL_HOST@|$url_host|g" -e "s|@AUTH_URL@|$auth_url|g" \
  -e "s|@AUTH_HTTP@|$auth_on|g" -e "s|@AUTH_RTMP@|$auth_on|g" -e "s|@NO_AUTH@|$no_auth_on|g" \
  "$repo/deploy/nginx-rtmp/nginx.conf" >"$dir/nginx.conf"

"$nginx" -t -q -p "$dir" -c "$dir/nginx.conf" -e "$dir/error.log" ||
  die "nginx rejects $dir/nginx.conf (see above)"

announce() {
  echo "nginx-rtmp: publish to rtmp://$url_host:$rtmp_port/live/$stream"
  if ((no_auth)); then
    echo "nginx-rtmp: HLS at http://$url_host:$http_port/hls/$stream.m3u8 (no token: --no-auth)"
  else
    echo "nginx-rtmp: HLS at http://$url_host:$http_port/hls/TOKEN/$stream.m3u8"
    echo "nginx-rtmp: RTMP at rtmp://$url_host:$rtmp_port/live/$stream?token=TOKEN"
    echo "nginx-rtmp: TOKEN: posecast's access token or a viewer link's, checked at $auth_url/api/auth"
  fi
  echo "nginx-rtmp: folder $dir (pid file nginx.pid, error.log)"
}
command=("$nginx" -p "$dir" -c "$dir/nginx.conf" -e "$dir/error.log")

if ((background == 0)); then
  announce
  exec "${command[@]}"
fi

"${command[@]}" </dev/null >>"$dir/stdout.log" 2>&1 &
nginx_pid=$!
listening() { (exec 3<>"/dev/tcp/$url_host/$1") 2>/dev/null; }
for _ in $(seq 100); do
  if ! kill -0 "$nginx_pid" 2>/dev/null; then
    cat "$dir/stdout.log" >&2
    die "nginx exited at start (rtmp port $rtmp_port, http port $http_port; log: $dir/error.log)"
  fi
  if listening "$rtmp_port" && listening "$http_port"; then
    announce
    echo "nginx-rtmp: running as pid $nginx_pid; stop: kill \$(cat $dir/nginx.pid)"
    exit 0
  fi
  sleep 0.1
done
kill "$nginx_pid" 2>/dev/null || true
die "nginx did not listen on $host:$rtmp_port and $host:$http_port within 10 s"
