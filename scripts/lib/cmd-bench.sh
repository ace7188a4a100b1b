# summary: measure shmfuzz side by side (bench/run: JSON, Markdown table, throughput plot)
# shellcheck shell=bash
# A thin door to bench/run, which owns every option; see docs/bench.md.

sfz_cmd_bench() {
  case "${1:-}" in
    -h|--help)
      cat <<'USAGE'
usage: shmfuzz bench [--quick] [--out DIR]

  Runs bench/run: builds the release, libfuzzer and afl presets, measures fault-layer cost,
  harness throughput, enumeration speed, time to find each catalogue entry and the Valgrind
  replay rate, and writes DIR/results.json, DIR/results.md and DIR/throughput.png
  (default DIR: build/bench). --quick: smallest sizes (under 2 minutes once built).
  Full run: under 15 minutes on 2 cores. See docs/bench.md.
USAGE
      return 0 ;;
  esac
  sfz_ensure_deps
  exec "$SHMFUZZ_ROOT/bench/run" "$@"
}
