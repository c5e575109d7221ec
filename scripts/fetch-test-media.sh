#!/usr/bin/env bash
# Fetches the test video vtest.avi (people walking; OpenCV sample data, Apache-2.0 AND BSD-3-Clause)
# from Debian's opencv-doc package into ${XDG_CACHE_HOME:-$HOME/.cache}/posecast/media/, without
# installing the package, and three photos of the same package into media/backgrounds/ (the
# background-removal validation set of docs/background.md is composed on them). A second run does
# nothing. Not committed: see tests/data/SOURCES.
#
#   scripts/fetch-test-media.sh
set -euo pipefail

readonly data=./usr/share/doc/opencv-doc/examples/data
readonly member=$data/vtest.avi
readonly sha256=45cddc9490be69345cbdab64ca583be65987e864ca408038e648db99e10516cf
readonly backgrounds=(home.jpg fruits.jpg starry_night.jpg)
media_dir=${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/posecast/media
target=$media_dir/vtest.avi

die() { echo "fetch-test-media: $*" >&2; exit 1; }

missing=0
[[ -f $target ]] || missing=1
for name in "${backgrounds[@]}"; do [[ -f $media_dir/backgrounds/$name ]] || missing=1; done
if ((missing == 0)); then
  echo "fetch-test-media: $target and backgrounds/ present"
  exit 0
fi

as_root=()
((EUID == 0)) || ! command -v sudo >/dev/null 2>&1 || as_root=(sudo)
# apt-get download needs the package lists, which slim images delete.
if ! apt-cache show opencv-doc >/dev/null 2>&1; then
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q ||
    die "apt-get update failed; cannot look up Debian's opencv-doc package"
fi

mkdir -p "$media_dir"
work=$(mktemp -d "$media_dir/.fetch.XXXXXX")
trap 'rm -rf "$work"' EXIT
# As root, apt downloads as its unprivileged _apt user, which cannot write under /root: say so.
sandbox=()
((EUID != 0)) || sandbox=(-o APT::Sandbox::User=root)
echo "fetch-test-media: downloading Debian's opencv-doc (96 MB) for vtest.avi"
(cd "$work" && apt-get download -q "${sandbox[@]}" opencv-doc) ||
  die "apt-get download opencv-doc failed (no network?); install it with apt-get install" \
    "opencv-doc and copy /usr/share/doc/opencv-doc/examples/data/vtest.avi to $target"
dpkg-deb --fsys-tarfile "$work"/opencv-doc_*.deb |
  tar -x -C "$work" "$member" "${backgrounds[@]/#/$data/}" ||
  die "the opencv-doc package lacks $member or one of ${backgrounds[*]}"
mkdir -p "$media_dir/backgrounds"
for name in "${backgrounds[@]}"; do mv -f "$work/$data/$name" "$media_dir/backgrounds/$name"; done
actual=$(sha256sum "$work/$member" | cut -d' ' -f1)
# A newer opencv-doc could ship another encoding of the same clip; worth knowing, not fatal.
[[ $actual == "$sha256" ]] || echo "fetch-test-media: note: vtest.avi sha256 is $actual, not $sha256" >&2
mv -f "$work/$member" "$target"  # same filesystem: an atomic rename
echo "fetch-test-media: $target, $media_dir/backgrounds/{$(IFS=,; echo "${backgrounds[*]}")}"
