# common.sh: helpers shared by every shmfuzz subcommand (sourced, not run).
# shellcheck shell=bash
# Paths, messages with one prefix, exit codes, and the build step every command relies on.

SFZ_EXIT_OK=0
SFZ_EXIT_FINDING=1
SFZ_EXIT_USAGE=2
SFZ_EXIT_SKIP=77
export SFZ_EXIT_OK SFZ_EXIT_FINDING SFZ_EXIT_USAGE SFZ_EXIT_SKIP

SHMFUZZ_ROOT=${SHMFUZZ_ROOT:-$(cd "$SHMFUZZ_SCRIPTS/.." && pwd)}
export SHMFUZZ_ROOT

sfz_info() { printf 'shmfuzz: %s\n' "$*" >&2; }
sfz_die() { printf 'shmfuzz: error: %s\n' "$*" >&2; exit "$SFZ_EXIT_USAGE"; }
sfz_die_usage() { printf 'shmfuzz: %s\n' "$*" >&2; exit "$SFZ_EXIT_USAGE"; }

# One line per command, taken from the "# summary:" line of each cmd-*.sh.
sfz_command_list() {
  local f name summary
  for f in "$SHMFUZZ_SCRIPTS"/lib/cmd-*.sh; do
    name=${f##*/cmd-}; name=${name%.sh}
    summary=$(sed -n 's/^# summary: //p' "$f" | head -n 1)
    printf '  %-10s %s\n' "$name" "$summary"
  done
}

# Make sure the Debian packages are there (installs them when root, else says what to run).
sfz_ensure_deps() {
  "$SHMFUZZ_ROOT/scripts/install-deps" >&2
}

# Configure and build a preset if needed; prints the build directory.
sfz_build() {
  local preset=$1 dir="$SHMFUZZ_ROOT/build/$1"
  (cd "$SHMFUZZ_ROOT" && cmake --preset "$preset" >/dev/null && cmake --build --preset "$preset" >&2) ||
    sfz_die "build of preset '$preset' failed"
  printf '%s\n' "$dir"
}
