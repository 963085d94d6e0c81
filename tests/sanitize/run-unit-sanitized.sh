#!/usr/bin/env bash
# Builds kiln and its unit tests with AddressSanitizer and UBSan (gcc, -DKILN_SANITIZE=ON) in a
# folder of their own and runs `ctest -L unit` there: any memory error, leak or undefined
# behaviour ends the program that met it, and so fails its test.
#
# Usage: tests/sanitize/run-unit-sanitized.sh [CTEST_ARGS...]   (e.g. -R Inventory)
# Environment: KILN_SANITIZE_DIR (default build-sanitize), the build folder;
#   KILN_SANITIZE_CLANG=1 builds with clang and libFuzzer's coverage too (-DKILN_FUZZ=ON), the
#   configuration tests/fuzz/run-fuzzers.sh uses: CI gives both scripts one folder, so the
#   libraries are compiled once for the unit tests and the fuzz targets.
# Exit status: ctest's (0 when every unit test passed); 2 when the build failed.
set -euo pipefail
cd "$(dirname "$0")/../.."

dir=$(realpath -m "${KILN_SANITIZE_DIR:-build-sanitize}")
mkdir -p "$dir"
launcher=()
if command -v ccache >/dev/null; then
  launcher=(-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi
compiler=(-DKILN_SANITIZE=ON)
if [ "${KILN_SANITIZE_CLANG:-0}" = 1 ]; then
  compiler=(-DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ -DKILN_FUZZ=ON)
fi
# -O1 and assertions kept: the sanitizers' usual trade of speed against clear reports.
if ! cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
       -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O1 -g" -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g" \
       "${compiler[@]}" -DBUILD_TESTING=ON -DKILN_FIRSTBOOT_STATIC=OFF "${launcher[@]}" \
       >"$dir/configure.log" 2>&1 ||
   ! cmake --build "$dir" --target unit_tests >"$dir/build.log" 2>&1; then
  cat "$dir/configure.log" "$dir/build.log" | tail -40
  echo "sanitize: the unit tests did not build" >&2
  exit 2
fi

# Every program a test runs is instrumented too and reports to its own stderr.
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:allocator_may_return_null=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:abort_on_error=1
ctest --test-dir "$dir" --output-on-failure --parallel "$(nproc)" --label-regex unit "$@"
