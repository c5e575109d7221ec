#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz/*_fuzzer.cpp) with clang, ASan and UBSan into build-fuzz/,
# each from only the project sources it needs, then runs each for a fixed time on a copy of its
# seed corpus (fuzz/corpus/<target>/). See docs/fuzzing.md.
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET (default 60)] [TARGET...]   (default: every target)
#
# Per target it prints executions, exec/s and crashes, and appends one JSON line to
# build-fuzz/summary.jsonl. Crashing inputs land in build-fuzz/artifacts/<target>/; keep each as a
# regression test in tests/data/fuzz_regressions/<target>/ (tests/fuzz/fuzz_regression_test.cpp).
# Environment: CXX (default clang++), JOBS (parallel compiles, default 2), FUZZ_BUILD_ONLY=1.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="$root/build-fuzz"
seconds="${1:-60}"
shift || true
cxx="${CXX:-clang++}"
jobs="${JOBS:-2}"

declare -A sources=(
  [instructor_command]="src/telemetry/instructor_command.cpp"
  [model_def]="src/engine/model_def.cpp src/common/tensor.cpp"
  [graph_model]="src/engine/graph_model.cpp src/engine/model_def.cpp src/engine/op_registry.cpp src/engine/xnn.cpp src/engine/ops/conv.cpp src/engine/ops/elementwise.cpp src/engine/ops/image_ops.cpp src/engine/ops/reduce_ops.cpp src/engine/ops/shape_ops.cpp src/common/tensor.cpp"
  [recordio]="src/data/recordio.cpp src/data/image_tree.cpp src/data/image_dataset.cpp"
  [mlp_model]="src/classify/mlp_classifier.cpp src/classify/features.cpp src/pose/keypoints.cpp src/engine/model_def.cpp src/common/tensor.cpp"
  [http_request]="src/stream/http_routes.cpp src/stream/practice_routes.cpp src/stream/access_control.cpp src/stream/request_checks.cpp src/common/access_token.cpp src/common/user_dirs.cpp src/common/prometheus.cpp src/telemetry/instructor_command.cpp generated/viewer_assets.cpp generated/class_assets.cpp"
  [image_decode]="src/common/image_io.cpp src/common/image_header.cpp"
)
opencv="-lopencv_imgcodecs -lopencv_imgproc -lopencv_core"
torch="-ltorch -ltorch_cpu -lc10 -lXNNPACK -lpthreadpool"
declare -A libs=(
  [graph_model]="$torch"
  [recordio]="$opencv"
  [image_decode]="$opencv"
  [http_request]="-lcrypto"
)
all_targets=(instructor_command http_request recordio mlp_model model_def image_decode graph_model)
targets=("$@")
[[ ${#targets[@]} -eq 0 ]] && targets=("${all_targets[@]}")
for t in "${targets[@]}"; do
  [[ -n "${sources[$t]:-}" ]] || { echo "fuzz.sh: unknown target '$t' (known: ${all_targets[*]})" >&2; exit 2; }
done

sanitize="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-sanitize=vptr"
# Every layer's public (include/<layer>) and private (src/<layer>) headers, as each layer's
# CMake target sees them; src/ itself for the fuzzers' own includes of private headers.
layer_includes=()
for dir in "$root"/include/*/ "$root"/src/*/; do layer_includes+=(-I"${dir%/}"); done
cxxflags=(-g -O1 -fno-omit-frame-pointer $sanitize "${layer_includes[@]}" -I"$root/src"
          -I"$root" -I"$build/generated" -isystem /usr/include/opencv4
          -isystem /usr/include/torch/csrc/api/include)
mkdir -p "$build/obj" "$build/bin" "$build/generated/posecast"
# The checkout's path, as CMakeLists.txt generates it.
printf '#pragma once\n#define POSECAST_SOURCE_DIR "%s"\n' "$root" >"$build/generated/posecast/source_dir.h"

# The pages' embedded files, as CMakeLists.txt generates them.
for page in viewer class; do
  out="$build/generated/${page}_assets.cpp"
  if [[ ! -f "$out" || -n "$(find "$root/src/stream/${page}_assets" "$root/src/stream/common_assets" -newer "$out" -type f)" ]]; then
    cmake "-DASSET_DIRS=$root/src/stream/common_assets|$root/src/stream/${page}_assets" \
      -DFUNCTION="${page}_assets" -DOUTPUT="$out" -P "$root/cmake/embed_assets.cmake"
  fi
done

# Objects: each source once (instrumented for coverage), rebuilt when it or a header it
# includes changed (clang's -MMD dependency files).
object_of() { echo "$build/obj/$(echo "$1" | tr / _).o"; }
source_path() { [[ "$1" == generated/* ]] && echo "$build/$1" || echo "$root/$1"; }
stale() {  # object dep-file
  [[ -f "$1" && -f "$2" ]] || return 0
  local deps
  deps=$(sed -e 's/^[^:]*://' -e 's/\\$//' "$2" | tr -s ' \n' '\n' | grep -v '^$')
  for d in $deps; do [[ "$d" -nt "$1" ]] && return 0; done
  return 1
}
compile_list=()
for t in "${targets[@]}"; do
  for s in ${sources[$t]} "fuzz/${t}_fuzzer.cpp"; do
    o=$(object_of "$s")
    if stale "$o" "${o%.o}.d"; then compile_list+=("$s"); fi
  done
done
# LibTorch 1.13's headers do not compile with clang 14 in C++20 mode (c10::IValue is incomplete
# where List.h needs it); the engine's torch files compile as C++17, which they are written in.
std_of() {
  case "$1" in
    src/engine/graph_model.cpp | src/engine/op_registry.cpp | src/engine/xnn.cpp | src/engine/ops/*) echo c++17 ;;
    *) echo c++20 ;;
  esac
}
running=0
for s in $(printf '%s\n' "${compile_list[@]}" | sort -u); do
  o=$(object_of "$s")
  echo "  compile $s"
  "$cxx" "${cxxflags[@]}" -std="$(std_of "$s")" -fsanitize=fuzzer-no-link -MMD \
    -c "$(source_path "$s")" -o "$o" &
  if (( ++running >= jobs )); then wait -n || { wait; exit 1; }; ((running--)); fi
done
while (( running > 0 )); do wait -n || { wait; exit 1; }; ((running--)); done
for t in "${targets[@]}"; do
  objs=()
  for s in ${sources[$t]} "fuzz/${t}_fuzzer.cpp"; do objs+=("$(object_of "$s")"); done
  bin="$build/bin/${t}_fuzzer"
  newest=$(ls -t "${objs[@]}" | head -1)
  if [[ ! -f "$bin" || "$newest" -nt "$bin" ]]; then
    echo "  link ${t}_fuzzer"
    # shellcheck disable=SC2086
    "$cxx" -fsanitize=fuzzer $sanitize "${objs[@]}" -o "$bin" ${libs[$t]:-} -lpthread
  fi
done
[[ "${FUZZ_BUILD_ONLY:-0}" == 1 ]] && exit 0

summary="$build/summary.jsonl"
status=0
for t in "${targets[@]}"; do
  seeds="$root/fuzz/corpus/$t"
  work="$build/corpus/$t"  # new inputs go here, not into the repository
  artifacts="$build/artifacts/$t"
  mkdir -p "$work" "$artifacts"
  dict=()
  [[ -f "$root/fuzz/dictionaries/$t.dict" ]] && dict=("-dict=$root/fuzz/dictionaries/$t.dict")
  log="$build/$t.log"
  echo "== $t: ${seconds}s"
  before=$(find "$artifacts" -type f | wc -l)
  set +e
  ASAN_OPTIONS="detect_leaks=1:allocator_may_return_null=1:${ASAN_OPTIONS:-}" \
  UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:${UBSAN_OPTIONS:-}" \
    "$build/bin/${t}_fuzzer" "$work" "$seeds" "${dict[@]}" -max_total_time="$seconds" \
      -timeout=5 -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 \
      -artifact_prefix="$artifacts/" >"$log" 2>&1
  rc=$?
  set -e
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
  rate=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
  if [[ -z "$execs" ]]; then  # stopped by a crash: the last status line has the count
    execs=$(grep -oE '^#[0-9]+' "$log" | tail -1 | tr -d '#')
    rate=$(grep -oE 'exec/s: [0-9]+' "$log" | tail -1 | grep -oE '[0-9]+$')
  fi
  cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -1 | grep -oE '[0-9]+$')
  crashes=$(( $(find "$artifacts" -type f | wc -l) - before ))
  [[ $rc -ne 0 && $crashes -eq 0 ]] && crashes=1
  newest=$(ls -t "$artifacts" 2>/dev/null | head -1)
  printf '   executions %s, %s exec/s, coverage %s, crashes %s%s\n' "${execs:-0}" "${rate:-0}" \
    "${cov:-0}" "$crashes" "${newest:+ (latest: build-fuzz/artifacts/$t/$newest)}"
  line=$(printf '{"target":"%s","seconds":%s,"executions":%s,"exec_per_sec":%s,"coverage":%s,"crashes":%s,"exit_code":%s}' \
    "$t" "$seconds" "${execs:-0}" "${rate:-0}" "${cov:-0}" "$crashes" "$rc")
  echo "$line" | tee -a "$summary"
  [[ $crashes -gt 0 ]] && { status=1; grep -m3 -E 'ERROR|SUMMARY|runtime error' "$log" | sed 's/^/   /'; }
done
exit $status
