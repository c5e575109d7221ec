#!/usr/bin/env bash
# Prints the folder graph of posecast's library (which layer of src/ includes which) from the
# bottom up, and fails when the folders include each other in a loop.
#
#   scripts/check-layers.sh [ROOT]   # ROOT: a tree with src/ and include/ (default: this repo)
#
# A layer is a folder of src/ (src/<layer>/, its private headers) with its public headers in
# include/<layer>/posecast/. Each quoted #include is resolved as the compiler would (beside the
# file, then the layer's own folders, then every layer's public headers) and counted as an edge
# from the including layer to the layer that owns the header. The build enforces the direction
# (a layer's target sees only the headers of the layers it links); this check also sees includes
# the compiler cannot catch, such as "../other/x.h", and names the loop when there is one.
set -euo pipefail

root=$(cd "${1:-$(dirname "${BASH_SOURCE[0]}")/..}" && pwd)
cd "$root"
[[ -d src && -d include ]] || { echo "check-layers: $root has no src/ and include/" >&2; exit 2; }

layer_of() {  # path relative to root -> its layer, or nothing
  case $1 in
    src/*/* | include/*/*) local rest=${1#*/}; echo "${rest%%/*}" ;;
  esac
}

declare -A deps=()    # layer -> " dep dep ..."
declare -A layers=()  # every layer seen
declare -A via=()     # "from owner" -> the first file that makes that edge
# Headers CMake generates into the build tree, and the layer whose target provides them.
declare -A generated=([posecast/source_dir.h]=common)
edges=""
unresolved=0
while IFS= read -r line; do
  file=${line%%:*}
  [[ ${line#*:} =~ \"([^\"]+)\" ]] && header=${BASH_REMATCH[1]}
  from=$(layer_of "$file")
  [[ -n $from ]] || continue
  layers[$from]=1
  owner=""
  for candidate in "$(dirname "$file")/$header" "src/$from/$header" "include/$from/$header"; do
    if [[ -f $candidate ]]; then
      [[ $candidate == *../* ]] && candidate=$(realpath -m --relative-to="$root" "$candidate")
      owner=$(layer_of "$candidate")
      break
    fi
  done
  [[ -z $owner ]] && owner=${generated[$header]:-}
  if [[ -z $owner ]]; then
    matches=(include/*/"$header")
    [[ -f ${matches[0]} ]] && owner=$(layer_of "${matches[0]}")
  fi
  if [[ -z $owner ]]; then
    echo "check-layers: $file includes \"$header\", which no layer has" >&2
    unresolved=1
    continue
  fi
  layers[$owner]=1
  if [[ $owner != "$from" && " ${deps[$from]:-} " != *" $owner "* ]]; then
    deps[$from]+=" $owner"
    via["$from $owner"]="$file includes \"$header\""
    edges+="$owner $from"$'\n'
  fi
done < <(grep -rHE '^[[:space:]]*#[[:space:]]*include[[:space:]]+"' src include \
           --include='*.cpp' --include='*.h' | sort)

# Layers with no edges still appear: each as a self-pair, which tsort accepts.
for layer in "${!layers[@]}"; do edges+="$layer $layer"$'\n'; done

# The path from $1 to $2 along the edges, breadth first (so the shortest), or nothing.
path_between() {
  local start=$1 goal=$2 node next
  local -A parent=([$start]=-)
  local queue=("$start")
  while ((${#queue[@]})); do
    node=${queue[0]} && queue=("${queue[@]:1}")
    for next in ${deps[$node]:-}; do
      [[ -n ${parent[$next]:-} ]] && continue
      parent[$next]=$node
      if [[ $next == "$goal" ]]; then
        local path=$goal
        while [[ $node != - ]]; do path="$node $path" && node=${parent[$node]}; done
        echo "$path"
        return
      fi
      queue+=("$next")
    done
  done
}

if ! order=$(tsort <<<"$edges" 2>/dev/null); then
  # Name one loop, the shortest through the first layer that has one, edge by edge.
  for layer in $(printf '%s\n' "${!layers[@]}" | sort); do
    for dep in ${deps[$layer]:-}; do
      loop=$(path_between "$dep" "$layer")
      [[ -n $loop ]] && break 2
    done
  done
  echo "check-layers: the folders include each other in a loop: $layer -> ${loop// / -> }" >&2
  prev=$layer
  for next in $loop; do
    echo "  $prev -> $next: ${via["$prev $next"]}" >&2
    prev=$next
  done
  exit 1
fi

echo "Layers, bottom up (a layer includes only those above it in this list):"
for layer in $order; do
  printf '  %-10s -> %s\n' "$layer" "$(tr ' ' '\n' <<<"${deps[$layer]:-}" | sort | xargs)"
done
exit "$unresolved"
