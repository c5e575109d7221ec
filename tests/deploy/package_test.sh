#!/usr/bin/env bash
# Builds the Debian package from a build folder (cpack -G DEB, into a temporary folder) and checks
# it with dpkg-deb: its name, its files (the binary, the data, fetch-models.sh, the unit, the
# example config as a conffile, the man page), its dependencies (dpkg-shlibdeps found the
# libraries), the maintainer scripts; then lintian, when installed, must report no error.
#
#   tests/deploy/package_test.sh BUILD_DIR    (exit 77: skipped)
set -euo pipefail

build=$(cd "${1:?usage: $0 BUILD_DIR}" && pwd)
for tool in cpack dpkg-deb dpkg-shlibdeps; do
  if ! command -v $tool >/dev/null 2>&1; then
    echo "SKIP: $tool is not installed (Debian packages cmake, dpkg-dev)"
    exit 77
  fi
done
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

start=$SECONDS
cpack -G DEB --config "$build/CPackConfig.cmake" -B "$out" >"$out/cpack.log" 2>&1 ||
  { cat "$out/cpack.log"; fail "cpack failed"; }
version=$(sed -n 's/^set(CPACK_PACKAGE_VERSION "\(.*\)")$/\1/p' "$build/CPackConfig.cmake")
deb=$out/posecast_${version}_$(dpkg --print-architecture).deb
[[ -f $deb ]] || fail "no $(basename "$deb"); cpack wrote: $(ls "$out")"
echo "ok: $(basename "$deb") ($(du -h "$deb" | cut -f1)) in $((SECONDS - start)) s"

contents=$(dpkg-deb -c "$deb")
for path in ./usr/bin/posecast ./usr/share/posecast/poses.json ./usr/share/posecast/exercises.json \
    ./usr/share/posecast/fetch-models.sh ./lib/systemd/system/posecast.service \
    ./etc/posecast/posecast.toml ./usr/share/man/man1/posecast.1.gz \
    ./usr/share/doc/posecast/copyright ./usr/share/doc/posecast/changelog.gz; do
  grep -q " $path\$" <<<"$contents" || fail "$path is not in the package"
done
grep -q '^-rwxr-xr-x .* ./usr/share/posecast/fetch-models.sh$' <<<"$contents" ||
  fail "fetch-models.sh is not executable"
echo "ok: the binary, data, fetch-models.sh, unit, example config, man page and copyright"

info=$(dpkg-deb -I "$deb")
depends=$(dpkg-deb -f "$deb" Depends)
for dependency in libopencv-videoio libpaho-mqttpp3 libsqlite3 libgstreamer1.0-0 libssl3 libc6 \
    libtorch adduser openssl; do
  grep -q "$dependency" <<<"$depends" || fail "Depends lacks $dependency: $depends"
done
[[ $(dpkg-deb -f "$deb" Package) == posecast ]] || fail "Package is not posecast"
[[ $(dpkg-deb -f "$deb" Architecture) == $(dpkg --print-architecture) ]] || fail "Architecture"
echo "ok: Depends has the shared libraries' packages (dpkg-shlibdeps) and adduser, openssl"

for script in postinst prerm postrm conffiles; do
  grep -q " $script\$\| $script " <<<"$info" || fail "no $script in the control archive"
done
dpkg-deb --ctrl-tarfile "$deb" | tar -xO ./conffiles | grep -qx /etc/posecast/posecast.toml ||
  fail "/etc/posecast/posecast.toml is not a conffile"
dpkg-deb --ctrl-tarfile "$deb" | tar -xO ./postinst | grep -q 'adduser --system' ||
  fail "postinst does not make the posecast user"
echo "ok: postinst makes the posecast user; the config is a conffile"

if ! command -v lintian >/dev/null 2>&1; then
  echo "lintian is not installed: not run (Debian package lintian)"
  exit 0
fi
lintian --tag-display-limit 0 "$deb" >"$out/lintian.log" 2>&1 || true
if grep -q '^E: ' "$out/lintian.log"; then
  cat "$out/lintian.log"
  fail "lintian reports errors"
fi
echo "ok: lintian reports no error ($(grep -c '^W: ' "$out/lintian.log" || true) warnings)"
grep '^W: ' "$out/lintian.log" || true
echo "total $((SECONDS - start)) s"
