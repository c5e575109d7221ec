#!/usr/bin/env bash
# scripts/check-function-size.py: it fails, naming the function, on a planted 120-line function and
# on a 700-line file, and is not fooled by braces in strings and comments or by digit separators.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
check=$repo/scripts/check-function-size.py
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

{
  echo 'int short_one() { const char* s = "{{{"; /* { */ return 100'"'"'000; }'
  echo 'int planted_long(int x) {'
  for i in $(seq 118); do echo "  x += $i;  // {"; done
  echo '  return x;'
  echo '}'
} >"$tmp/long.cpp"
if python3 "$check" "$tmp/long.cpp" >"$tmp/out" 2>&1; then cat "$tmp/out"; fail "a 121-line function should fail"; fi
grep -q 'planted_long is 121 lines' "$tmp/out" || { cat "$tmp/out"; fail "the long function is not named"; }
grep -q 'short_one' "$tmp/out" && fail "the short function was reported"

{ for i in $(seq 700); do echo "int f$i() { return $i; }"; done; } >"$tmp/big.cpp"
if python3 "$check" "$tmp/big.cpp" >"$tmp/out" 2>&1; then fail "a 700-line file should fail"; fi
grep -q 'big.cpp is 700 lines' "$tmp/out" || { cat "$tmp/out"; fail "the long file is not named"; }

python3 "$check" >"$tmp/out" 2>&1 || { cat "$tmp/out"; fail "the tree should pass"; }
echo "check-function-size catches a planted long function and file"
