#!/usr/bin/env bash
# Fails when a C++ file of the repository differs from .clang-format, naming each such file and
# the command that fixes it.
#   scripts/check-format.sh [--fix]
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
command -v clang-format >/dev/null || { echo "check-format: clang-format is not installed" >&2; exit 2; }

if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  mapfile -t files < <(git ls-files --cached --others --exclude-standard '*.cpp' '*.h')
else
  mapfile -t files < <(find src include tests bench fuzz scripts -name '*.cpp' -o -name '*.h')
fi
files=($(for f in "${files[@]}"; do [[ -f $f ]] && echo "$f"; done))

if [[ ${1:-} == --fix ]]; then
  clang-format -i "${files[@]}"
  exit 0
fi

# One clang-format for all files; each finding starts with "FILE:LINE:COL: error:".
mapfile -t unformatted < <(clang-format --dry-run --Werror "${files[@]}" 2>&1 |
                             sed -n 's/^\([^:]*\):[0-9]*:[0-9]*: error:.*/\1/p' | sort -u)
if ((${#unformatted[@]})); then
  printf 'check-format: differs from .clang-format: %s\n' "${unformatted[@]}" >&2
  echo "check-format: fix with scripts/check-format.sh --fix" >&2
  exit 1
fi
echo "check-format: ${#files[@]} files match .clang-format"
