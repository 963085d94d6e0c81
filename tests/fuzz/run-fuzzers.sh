#!/usr/bin/env bash
# Builds kiln's libFuzzer targets (tests/fuzz: clang, AddressSanitizer, UBSan) in a folder of
# their own and runs each for a bounded time, seeded from the unit tests' cases, the bundled
# profiles and inputs made by fuzz_make_seeds.
#
# Usage: tests/fuzz/run-fuzzers.sh [TARGET...]   (default: every target; names without fuzz_)
# Environment:
#   KILN_FUZZ_SECONDS  seconds per target (default 60)
#   KILN_FUZZ_JOBS     targets run at once (default: the number of cores)
#   KILN_FUZZ_DIR      build and work folder (default build-fuzz); the corpus each target grows
#                      is kept in KILN_FUZZ_DIR/work/corpus/TARGET and reused by the next run
#   KILN_FUZZ_FLAGS    more libFuzzer flags, e.g. "-fork=2 -ignore_crashes=1" to go on past
#                      a finding and collect every one
# Exit status: 0 when no target found anything; 1 when a target crashed, leaked, broke a
# sanitizer's rule, ran out of memory or took over 10 s on one input: the input is saved as
# KILN_FUZZ_DIR/artifacts/TARGET/<kind>-<sha1> (run the target on it to reproduce); 2 when the
# build failed.
set -euo pipefail
cd "$(dirname "$0")/../.."

seconds=${KILN_FUZZ_SECONDS:-60}
jobs=${KILN_FUZZ_JOBS:-$(nproc)}
dir=$(realpath -m "${KILN_FUZZ_DIR:-build-fuzz}")
targets=("$@")
if [ $# -eq 0 ]; then
  targets=(profile inventory node_document metadata_encoding ovf_environment verify_ova
           verify_vmdk verify_ovf)
fi

mkdir -p "$dir"
launcher=()
if command -v ccache >/dev/null; then
  launcher=(-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi
# -O1 and assertions kept: fast enough to fuzz, and an assert that fires is a finding.
if ! cmake -S . -B "$dir" -G Ninja -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
       -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O1 -g" \
       -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g" -DKILN_FUZZ=ON -DKILN_FIRSTBOOT_STATIC=OFF \
       -DBUILD_TESTING=OFF "${launcher[@]}" >"$dir/configure.log" 2>&1 ||
   ! cmake --build "$dir" --target fuzzers >"$dir/build.log" 2>&1; then
  cat "$dir/configure.log" "$dir/build.log" 2>/dev/null | tail -40
  echo "fuzz: the fuzz targets did not build" >&2
  exit 2
fi

src=$PWD
bin=$dir/tests/fuzz
work=$dir/work
artifacts=$dir/artifacts
rm -rf "$work/seeds" "$work/logs" "$work/tmp"
mkdir -p "$work/seeds" "$work/logs"
"$bin/fuzz_make_seeds" "$work/seeds"

# Seeds kept as files: the unit tests' cases and the bundled profiles and inventories.
seed_from() {  # TARGET FILE...
  local target=$1
  shift
  mkdir -p "$work/seeds/$target"
  for f in "$@"; do
    [ -f "$f" ] && cp "$f" "$work/seeds/$target/$(echo "${f#"$src"/}" | tr / _)"
  done
  return 0
}
seed_from profile "$src"/tests/fuzz/seeds/profile/* "$src"/tests/unit/builder/profile_cases/*.yml \
  "$src"/tests/unit/builder/profile_cases/includes/*.yml "$src"/profiles/*.yml \
  "$src"/profiles/includes/*.yml
seed_from inventory "$src"/tests/fuzz/seeds/inventory/* \
  "$src"/tests/unit/builder/inventory_cases/*.yml "$src"/profiles/inventories/*.yml
seed_from node_document "$src"/tests/fuzz/seeds/node_document/*
seed_from metadata_encoding
seed_from ovf_environment "$src"/tests/fuzz/seeds/ovf_environment/*
seed_from verify_ova
seed_from verify_vmdk
seed_from verify_ovf "$src"/tests/unit/export/golden/*.ovf

dictionary() {
  case $1 in
    profile | inventory | node_document | metadata_encoding) echo yaml ;;
    ovf_environment | verify_ovf) echo xml ;;
    verify_ova | verify_vmdk) echo disk ;;
  esac
}

run_target() {  # TARGET
  local target=$1
  rm -rf "${artifacts:?}/$target"
  mkdir -p "$work/corpus/$target" "$work/tmp/$target" "$artifacts/$target"
  TMPDIR="$work/tmp/$target" \
  ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=0 \
  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    "$bin/fuzz_$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
      -print_final_stats=1 -artifact_prefix="$artifacts/$target/" ${KILN_FUZZ_FLAGS:-} \
      -dict="$src/tests/fuzz/dict/$(dictionary "$target").dict" \
      "$work/corpus/$target" "$work/seeds/$target" >"$work/logs/$target.log" 2>&1
}

echo "fuzz: ${#targets[@]} targets, ${seconds} s each, ${jobs} at a time (logs in $work/logs)"
declare -A pids
failed=()
for target in "${targets[@]}"; do
  while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n || true; done
  run_target "$target" &
  pids[$target]=$!
done
for target in "${targets[@]}"; do
  if wait "${pids[$target]}"; then
    runs=$(grep -ao 'stat::number_of_executed_units: *[0-9]*' "$work/logs/$target.log" |
           grep -o '[0-9]*$' || echo '?')
    echo "fuzz: $target: nothing found in $runs runs"
  else
    failed+=("$target")
    echo "fuzz: $target: FOUND a problem; the end of its log:"
    grep -av '^#[0-9]' "$work/logs/$target.log" | tail -60
    for a in "$artifacts/$target"/*; do
      [ -f "$a" ] && echo "fuzz: $target: reproduce with $bin/fuzz_$target $a"
    done
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: ${#failed[@]} target(s) found problems: ${failed[*]}"
  exit 1
fi
echo "fuzz: ${#targets[@]} targets, nothing found"
