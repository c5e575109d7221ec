#!/usr/bin/env bash
# Sets posecast up on Debian 12: installs the Debian packages that are missing, builds into build/
# (Release) and fetches the pretrained models. Idempotent: a second run installs nothing, the build
# is incremental and the model fetch is a no-op.
#
#   scripts/setup.sh
#
# Environment: POSECAST_BUILD_DIR (default: build/ in the repo), CMAKE_BUILD_PARALLEL_LEVEL (default:
# nproc), POSECAST_MODELS / XDG_CACHE_HOME (where the models go, see scripts/fetch-models.sh).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_dir=${POSECAST_BUILD_DIR:-$repo/build}

packages=(
  build-essential cmake pkg-config
  libtorch-dev
  libxnnpack-dev libpthreadpool-dev  # headers of the XNNPACK that Debian's LibTorch links; the engine calls it
  libopenblas0-pthread  # without it Debian's LibTorch runs on the reference BLAS, ~17x slower
  libopencv-dev nlohmann-json3-dev libcli11-dev libgtest-dev libbenchmark-dev
  libpaho-mqtt-dev libpaho-mqttpp-dev libboost-dev mosquitto libsqlite3-dev
  # The class dashboard's PostgreSQL store (class --db postgresql://...); the server for its tests
  libpqxx-dev postgresql
  # Compressed video (issue 7): encoders (x264: ugly, vp8: good), WebRTC (bad + libnice), RTSP
  libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev libgstreamer-plugins-bad1.0-dev
  libgstrtspserver-1.0-dev gstreamer1.0-plugins-base gstreamer1.0-plugins-good
  gstreamer1.0-plugins-bad gstreamer1.0-plugins-ugly gstreamer1.0-nice gstreamer1.0-rtsp
  # Fan-out servers (docs/streaming.md) and the players the tests check them with
  nginx-light libnginx-mod-rtmp janus ffmpeg
  python3  # scripts/start-janus.sh derives the mountpoints' pin from the token file (hmac)
  nodejs npm  # npm fetches the models; node is only needed to regenerate golden files
  openssl ca-certificates  # checking the models' integrity; HTTPS to the npm registry
  clang-format
  chromium  # the browser test drives the viewer page in headless Chromium (tests/e2e/browser)
  espeak-ng  # run --speak says the spoken cues on the device (docs/spoken-cues.md)
  libtomlplusplus-dev  # the config file, /etc/posecast/posecast.toml (docs/config.md)
  # The Debian package and the service (docs/deploy.md): the man page from --help, the package's
  # checks, systemd-analyze verify on the unit, dpkg-shlibdeps for the package's Depends
  help2man lintian systemd dpkg-dev
)
# Packages that another package may provide: NodeSource's nodejs bundles npm and conflicts with
# Debian's npm package, so a working command counts as installed.
declare -A provided_by_command=([nodejs]=node [npm]=npm)

is_installed() {
  local pkg=$1 cmd=${provided_by_command[$1]:-}
  if [[ -n $cmd ]] && command -v "$cmd" >/dev/null 2>&1; then return 0; fi
  [[ $(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null) == "install ok installed" ]]
}

missing=()
for pkg in "${packages[@]}"; do
  is_installed "$pkg" || missing+=("$pkg")
done

if ((${#missing[@]} > 0)); then
  echo "setup: installing Debian packages: ${missing[*]}"
  as_root=()
  if ((EUID != 0)); then
    if ! command -v sudo >/dev/null 2>&1; then
      echo "setup: not root and no sudo; install these as root, then rerun: apt-get install ${missing[*]}" >&2
      exit 1
    fi
    as_root=(sudo)
  fi
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -q --no-install-recommends "${missing[@]}"
else
  echo "setup: Debian packages present"
fi

blas=$(readlink -f /etc/alternatives/libblas.so.3-x86_64-linux-gnu 2>/dev/null || true)
if [[ -n $blas && $blas != *openblas* ]]; then
  echo "setup: warning: libblas.so.3 points at $blas, not OpenBLAS; LibTorch will be slow" \
    "(fix: update-alternatives --config libblas.so.3-x86_64-linux-gnu)" >&2
fi

if [[ ! -f $build_dir/CMakeCache.txt ]]; then
  cmake -S "$repo" -B "$build_dir" -DCMAKE_BUILD_TYPE=Release
fi
cmake --build "$build_dir" --parallel "${CMAKE_BUILD_PARALLEL_LEVEL:-$(nproc)}"

"$repo/scripts/fetch-models.sh"
