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

# ---- configuration ---------------------------------------------------------------------------
# The command's own variables (docs/cli.md): SHMFUZZ_BUILD_<preset>=DIR uses an existing build
# of that preset as it is (tests and CI caches); SHMFUZZ_NO_BUILD=1 never runs cmake.
# They are kept but taken out of the environment of the programs we start: the harness warns
# about every SHMFUZZ_* name it does not know, and a replay's output should be the replay's.
SFZ_HARNESS_VARS=" SHMFUZZ_OP_TIMEOUT_MS SHMFUZZ_ALWAYS_FORK SHMFUZZ_PRIVATE_IPC SHMFUZZ_MUTATOR SHMFUZZ_INSIDE SHMFUZZ_INSIDE_SUPPRESS "
SFZ_CONFIG_ENV=()
sfz_unexport_config() {
  local name
  while IFS= read -r name; do
    [[ $name == SHMFUZZ_* && $SFZ_HARNESS_VARS != *" $name "* ]] || continue
    SFZ_CONFIG_ENV+=("$name=${!name}")
    export -n "${name?}"
  done < <(compgen -e)
}
sfz_unexport_config

# Run the shmfuzz command again (a subcommand from another), with the configuration we got.
sfz_self() { env "${SFZ_CONFIG_ENV[@]}" "$SHMFUZZ_SCRIPTS/shmfuzz" "$@"; }

# ---- arguments -------------------------------------------------------------------------------
# sfz_need_arg CMD OPTION "$#": an option's value is missing -> one line, exit 2.
sfz_need_arg() { [[ $3 -ge 2 ]] || sfz_die_usage "$1: $2 needs a value (shmfuzz $1 --help)"; }
# sfz_need_uint CMD OPTION VALUE [MIN]: a whole number >= MIN (default 1).
sfz_need_uint() {
  [[ $3 =~ ^[0-9]+$ && $((10#$3)) -ge ${4:-1} ]] ||
    sfz_die_usage "$1: $2 wants a whole number >= ${4:-1}, not '$3'"
}
sfz_bad_option() { sfz_die_usage "$1: unknown option '$2' (shmfuzz $1 --help)"; }

# ---- terminal --------------------------------------------------------------------------------
# A terminal gets a live status line; CI and pipes get a plain line every few seconds.
sfz_tty() { [[ -t 2 && "${CI:-}" != true && "${TERM:-dumb}" != dumb ]]; }
sfz_status() {
  if sfz_tty; then printf '\r\033[K%s' "$*" >&2; else printf '%s\n' "$*" >&2; fi
}
sfz_status_end() { if sfz_tty; then printf '\n' >&2; fi; }

# ---- builds ----------------------------------------------------------------------------------
# sfz_builddir PRESET: where the preset's build is (override or build/<preset>), no building.
sfz_builddir() {
  local var="SHMFUZZ_BUILD_$1" v=""
  for v in "${SFZ_CONFIG_ENV[@]}"; do
    [[ $v == "$var="* ]] && { printf '%s\n' "${v#*=}"; return 0; }
  done
  printf '%s\n' "$SHMFUZZ_ROOT/build/$1"
}

# sfz_build_quiet PRESET: like sfz_build, with cmake's output in build/<preset>.log (the last
# lines shown on failure). An overridden or SHMFUZZ_NO_BUILD build is used as it is.
sfz_build_quiet() {
  local preset=$1 dir log
  dir=$(sfz_builddir "$preset")
  if [[ $dir != "$SHMFUZZ_ROOT/build/$preset" || $(sfz_config SHMFUZZ_NO_BUILD) == 1 ]]; then
    [[ -d $dir/bin ]] || sfz_die "no build of preset '$preset' in $dir (build it: cmake --workflow --preset dev, or unset SHMFUZZ_NO_BUILD)"
    printf '%s\n' "$dir"; return 0
  fi
  log="$SHMFUZZ_ROOT/build/$preset.log"
  mkdir -p "$SHMFUZZ_ROOT/build"
  sfz_info "building preset '$preset' (log: ${log#"$PWD"/})"
  # One build of a preset at a time: commands and tests may run side by side.
  if ! (flock 9 && cd "$SHMFUZZ_ROOT" && cmake --preset "$preset" && cmake --build --preset "$preset") \
      9>"$SHMFUZZ_ROOT/build/.$preset.lock" >"$log" 2>&1; then
    tail -n 25 "$log" >&2
    sfz_die "build of preset '$preset' failed (full log: $log)"
  fi
  printf '%s\n' "$dir"
}

# The value of one of our configuration variables ("" when unset).
sfz_config() {
  local v
  for v in "${SFZ_CONFIG_ENV[@]}"; do [[ $v == "$1="* ]] && { printf '%s\n' "${v#*=}"; return 0; }; done
  printf '\n'
}

# sfz_need_tool CMD...: each must be on PATH, else one line naming the fix, exit 2.
sfz_need_tool() {
  local t
  for t in "$@"; do
    command -v "$t" >/dev/null 2>&1 || sfz_die "$t is not installed (run scripts/install-deps as root)"
  done
}

# ---- targets ---------------------------------------------------------------------------------
SFZ_CATALOGUE="$SHMFUZZ_ROOT/targets/bugs/catalogue.tsv"

# Lines "name<TAB>summary" of every target: the built list when there is one, else the tree's.
sfz_targets_tsv() {
  local tsv
  for tsv in "$(sfz_builddir dev)/shmfuzz-targets.tsv" "$SHMFUZZ_ROOT"/build/*/shmfuzz-targets.tsv; do
    [[ -f $tsv ]] && { cat "$tsv"; return 0; }
  done
  local d
  for d in "$SHMFUZZ_ROOT"/corpus/*/seeds; do
    d=${d%/seeds}; printf '%s\t%s\n' "${d##*/}" "(not built yet)"
  done
  awk -F '\t' '!/^#/ && NF >= 6 { printf "bug-%s\tcatalogue: %s\n", $1, $4 }' "$SFZ_CATALOGUE"
}

sfz_target_known() { sfz_targets_tsv | cut -f1 | grep -qxF -- "$1"; }
sfz_need_target() {
  sfz_target_known "$1" || sfz_die_usage "unknown target '$1' (shmfuzz list shows them)"
}

# Catalogue column N (1 id, 2 class, 3 finding, 4 description, 5 found_by, 6 pattern) of bug-ID.
sfz_catalogue_field() {
  awk -F '\t' -v id="${1#bug-}" -v n="$2" '!/^#/ && $1 == id { print $n; exit }' "$SFZ_CATALOGUE"
}

# The hardened target a catalogue entry is a broken copy of (itself for any other target).
sfz_hardened_of() {
  case $1 in
    bug-*) printf 'shmipc-%s\n' "$(sfz_catalogue_field "$1" 6)" ;;
    *) printf '%s\n' "$1" ;;
  esac
}

# The dictionary file of a target, or nothing (bug-<id> uses its pattern's).
sfz_dict_of() {
  local f
  f="$SHMFUZZ_ROOT/corpus/$(sfz_hardened_of "$1").dict"
  [[ -f $f ]] && printf '%s\n' "$f"
  return 0
}

# The target named by an input: its "# target:" header, else a campaign.txt in a parent
# directory (shmfuzz fuzz writes one in every out dir), else a parent directory named after a
# target (the corpus layout). Prints nothing when unknown.
sfz_target_of_file() {
  local f=$1 t d
  t=$(head -c 4096 "$f" 2>/dev/null | tr -d '\0' | sed -n 's/^# target: *\([A-Za-z0-9_.-]*\).*/\1/p' | head -n 1)
  [[ -n $t ]] && { printf '%s\n' "$t"; return 0; }
  d=$(cd "$(dirname "$f")" && pwd)
  while [[ $d != / && -n $d ]]; do
    if [[ -f $d/campaign.txt ]]; then
      sed -n 's/^target=//p' "$d/campaign.txt" | head -n 1; return 0
    fi
    # corpus/<target>/seeds/x, corpus/regressions/<target>/x, build/*/corpus/<target>/x
    if sfz_target_known "${d##*/}"; then printf '%s\n' "${d##*/}"; return 0; fi
    d=$(dirname "$d")
  done
}

# ---- isolation -------------------------------------------------------------------------------
# sfz_can_isolate: root and namespaces work (a private IPC namespace + a tmpfs on /dev/shm).
sfz_can_isolate() { unshare -im true >/dev/null 2>&1; }

# sfz_isolated CMD...: run CMD in a private IPC + mount namespace with its own /dev/shm, so
# whatever it creates or leaks vanishes with it and nothing on the host is touched. Without
# the rights, runs CMD as it is (the drivers then judge leaks from libshmfault's ledger).
sfz_isolated() {
  if sfz_can_isolate; then
    unshare -im --propagation private -- sh -c \
      'mount -t tmpfs -o mode=1777 shmfuzz /dev/shm && exec "$@"' sfz-isolated "$@"
  else
    "$@"
  fi
}

# Valgrind as shmfuzz runs it: full leak check, our suppressions of false reports.
# shellcheck disable=SC2034 # used by the commands that source this file
SFZ_VALGRIND_OPTS=(--leak-check=full "--suppressions=$SHMFUZZ_ROOT/ci/valgrind.supp")

# ---- findings --------------------------------------------------------------------------------
# sfz_replay_kind REPLAY FILE: one word for what FILE does on REPLAY: ok, a finding kind, or
# "error" (unreadable input); a sanitizer report with no verdict counts as crash / leak-heap.
sfz_replay_kind() {
  local out
  out=$(timeout 60 "$1" --quiet "$2" 2>&1) || true
  sfz_kind_from_output "$out"
}
sfz_kind_from_output() {
  local v
  v=$(grep -m1 -oE '^verdict: (ok|FINDING [a-z-]+)' <<<"$1" || true)
  case $v in
    "verdict: ok") if grep -q 'ERROR: LeakSanitizer' <<<"$1"; then echo leak-heap; else echo ok; fi ;;
    "verdict: FINDING "*) echo "${v#verdict: FINDING }" ;;
    *)
      if grep -qE 'ERROR: LeakSanitizer' <<<"$1"; then echo leak-heap
      elif grep -qE 'ERROR: (AddressSanitizer|UndefinedBehaviorSanitizer)|runtime error:' <<<"$1"; then echo crash
      else echo error; fi ;;
  esac
}

# The verdict reason of a replay output ("" when none).
sfz_reason_from_output() { sed -n 's/^verdict: FINDING [a-z-]*: //p' <<<"$1" | head -n 1; }

# A stable short hash of a finding site: the kind, the reason with numbers, addresses and
# names of temporary objects normalised, and the top frames of a sanitizer stack if any.
sfz_site_hash() {
  local kind=$1 out=$2 reason frames
  reason=$(sfz_reason_from_output "$out" |
    sed -E 's/0x[0-9a-fA-F]+/ADDR/g; s/[0-9]+/N/g')
  frames=$(grep -E '^ +#[0-9]+ 0x[0-9a-f]+ in ' <<<"$out" | head -n 3 |
    sed -E 's/^ +#[0-9]+ 0x[0-9a-f]+ in ([^ ]+).*/\1/' | tr '\n' ' ')
  printf '%s|%s|%s' "$kind" "$reason" "$frames" | sha1sum | cut -c1-10
}
