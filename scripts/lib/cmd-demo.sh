# summary: the tour in 1-3 minutes: fuzz a catalogue bug, find, repro, minimize, fix, enumerate
# shellcheck shell=bash
# What a newcomer runs first. Each step is a real subcommand on a bundled target; the demo
# only chains them and writes what happened into one report (Markdown + terminal summary).

# shellcheck source=scripts/lib/cmd-fuzz.sh
. "$SHMFUZZ_SCRIPTS/lib/cmd-fuzz.sh"
# shellcheck source=scripts/lib/cmd-minimize.sh
. "$SHMFUZZ_SCRIPTS/lib/cmd-minimize.sh"

SFZ_DEMO_BUG=unchecked-shmat # needs a fault plan in the input (shmat fails): found in seconds
SFZ_DEMO_SEED=2              # a fixed engine seed (timing still varies: rounds, below)

sfz_demo_usage() {
  cat <<'USAGE'
usage: shmfuzz demo [--out DIR] [--time S] [--no-deps]

  The end-to-end tour on the catalogue bug unchecked-shmat (docs/bugs.md):
    1. installs the Debian packages (as root) and builds the dev and libfuzzer presets
    2. fuzzes bug-unchecked-shmat with libFuzzer from seeds that do not show the bug: the
       fuzzer itself has to invent the fault plan (a failing shmat) that exposes it
    3. reproduces the saved finding (program, op results, verdict)
    4. minimizes it, keeping the same finding kind
    5. replays it on the hardened twin shmipc-kv (the fix): verdict ok -> a regression test
    6. enumerates every fault point of a tutorial program (libshmfault, LD_PRELOAD)
  and ends with a report (DIR/report.md) and a summary here.

  --out DIR   where everything goes (default shmfuzz-out/demo-DATE)
  --time S    fuzzing budget in seconds (default 120; the bug usually falls in seconds)
  --no-deps   do not run scripts/install-deps

exit status: 0 the tour went through (the bug was found, reproduced, minimized, fixed),
             1 a step did not give what it should, 2 set-up error
USAGE
}

sfz_cmd_demo() {
  local out="" secs=120 deps=1
  while [[ $# -gt 0 ]]; do
    case $1 in
      -h|--help) sfz_demo_usage; return 0 ;;
      --out) sfz_need_arg demo "$1" $#; out=$2; shift ;;
      --time) sfz_need_arg demo "$1" $#; sfz_need_uint demo "$1" "$2"; secs=$((10#$2)); shift ;;
      --no-deps) deps=0 ;;
      *) sfz_bad_option demo "$1" ;;
    esac
    shift
  done
  [[ -n $out ]] || out="shmfuzz-out/demo-$(date +%Y%m%d-%H%M%S)"
  mkdir -p "$out" || sfz_die "demo: cannot create $out"
  out=$(cd "$out" && pwd)
  local report=$out/report.md target=bug-$SFZ_DEMO_BUG hardened
  hardened=$(sfz_hardened_of "$target")
  local t0=$SECONDS ok=1

  sfz_demo_step "1/6 set-up: packages and builds"
  [[ $deps == 1 ]] && { sfz_ensure_deps || sfz_die "demo: installing the packages failed"; }
  local dev
  dev=$(sfz_build_quiet dev) || exit "$SFZ_EXIT_USAGE"
  sfz_build_quiet libfuzzer >/dev/null || exit "$SFZ_EXIT_USAGE"
  {
    echo "# shmfuzz demo"
    echo
    echo "Catalogue bug **$SFZ_DEMO_BUG** ($(sfz_catalogue_field "$target" 2)): $(sfz_catalogue_field "$target" 4)."
    echo
  } >"$report"

  sfz_demo_step "2/6 fuzz $target with libFuzzer (up to ${secs} s)"
  # Rounds: a campaign stops at its first finding; one that is not the catalogue bug is
  # reported and the next round (next seed) goes on until the budget is spent.
  SFZ_FUZZ_FRESH=1
  local expect finding="" kind="" round=0 frc left deadline=$((SECONDS + secs)) f k
  expect=$(sfz_catalogue_field "$target" 3)
  printf '## 1. Fuzz\n\n' >>"$report"
  while [[ -z $finding && $((left = deadline - SECONDS)) -gt 0 ]]; do
    round=$((round + 1)); frc=0
    sfz_fuzz_campaign "$target" libfuzzer "$left" 1 "$out/fuzz-$round" \
      $((SFZ_DEMO_SEED + round - 1)) 0 || frc=$?
    {
      echo "\`shmfuzz fuzz $target --engine libfuzzer --time $left --seed $((SFZ_DEMO_SEED + round - 1)) --fresh\`"
      echo "(seeds that already show the bug are set aside: the find is the fuzzer's)."
      echo
      sed -n '/^- /p' "$out/fuzz-$round/summary.md"
      echo
      sed -n '/^| /p' "$out/fuzz-$round/summary.md"
      echo
    } >>"$report"
    [[ $frc == 1 ]] || break
    # The catalogue bug: its finding kind on bug-<id>, and ok on the hardened twin.
    while IFS=$'\t' read -r k f _; do
      if [[ $k == "$expect" && $(sfz_min_kind "$dev/bin/sfz-$hardened-replay" "$f") == ok ]]; then
        finding=$f; kind=$k; break
      fi
      printf 'Round %s also saved **%s** (`%s`): not this bug (kind %s, ok on %s); kept.\n\n' \
        "$round" "$k" "$f" "$expect" "$hardened" >>"$report"
      sfz_info "demo: round $round saved $k, not the catalogue bug: kept, looking on"
    done <"$out/fuzz-$round/findings.tsv"
  done
  if [[ -z $finding ]]; then
    echo "The campaign did not find the $expect bug in ${secs} s: run the demo again with a longer --time." >>"$report"
    sfz_demo_end "$report" 0 "$t0"; return "$SFZ_EXIT_FINDING"
  fi

  sfz_demo_note "$out" "found     $kind in round $round: ${finding#"$PWD"/}"
  sfz_demo_step "3/6 reproduce $finding"
  local rout rrc=0
  rout=$(sfz_repro_quiet "$dev/bin/sfz-$target-replay" "$finding") || rrc=$?
  printf '%s\n' "$rout"
  {
    echo "## 2. Reproduce"
    echo
    echo "\`shmfuzz repro ${finding#"$PWD"/}\` (exit $rrc: 1 = the finding reproduces):"
    echo
    echo '```'
    printf '%s\n' "$rout"
    echo '```'
    echo
  } >>"$report"
  [[ $rrc == 1 ]] || ok=0
  sfz_demo_note "$out" "repro     $(printf '%s\n' "$rout" | grep -m1 '^verdict:') (exit $rrc)"

  sfz_demo_step "4/6 minimize it (same finding kind)"
  local min=$out/$SFZ_DEMO_BUG.min
  if (sfz_minimize "$finding" "$target" libfuzzer 20 "$min"); then
    {
      echo "## 3. Minimize"
      echo
      echo "\`shmfuzz minimize FILE\`: $(wc -c <"$finding") -> $(wc -c <"$min") bytes, $(grep -c '^p[0-9]' "$min.txt") op(s), still $kind:"
      sfz_demo_note "$out" "minimize  $(wc -c <"$finding") -> $(wc -c <"$min") bytes, $(grep -c '^p[0-9]' "$min.txt") op(s), still $kind: $min.txt" >&2
      echo
      echo '```'
      cat "$min.txt"
      echo '```'
      echo
    } >>"$report"
  else
    ok=0; cp "$finding" "$min"; "$dev/bin/sfz-$target-replay" --decode "$finding" >"$min.txt" || true
    printf '## 3. Minimize\n\nminimization failed; the original finding is used below.\n\n' >>"$report"
  fi

  sfz_demo_step "5/6 the fix: replay on the hardened $hardened"
  local fixed hrc=0
  fixed=$(sfz_repro_quiet "$dev/bin/sfz-$hardened-replay" "$min") || hrc=$?
  printf '%s\n' "$fixed" | tail -n 1
  local regress=$out/regression-$SFZ_DEMO_BUG.txt
  {
    echo "# target: $target"
    echo "# finding: $kind"
    echo "# hardened: $hardened must replay this as verdict: ok"
    echo "# fault rule: $(grep -m1 '^fault ' "$min.txt" | sed 's/^fault //' || true)"
    echo "# story: found by shmfuzz demo (libFuzzer, seed $SFZ_DEMO_SEED), minimized by shmfuzz minimize"
    grep -v '^#' "$min.txt"
  } >"$regress"
  {
    echo "## 4. Fix and keep as a regression"
    echo
    echo "libshmipc is the fixed code (the hardened branch of the bug's \`BUG(...)\` switch in"
    echo "targets/shmipc/src, docs/bugs.md). The minimized input on \`$hardened\`: \`$(printf '%s\n' "$fixed" | tail -n 1)\` (exit $hrc)."
    echo
    echo "Kept as a regression with its story: \`$regress\`. In a project, copy it to"
    echo "\`corpus/regressions/$hardened/\`; \`shmfuzz ci\` replays it forever (the finding on the bug"
    echo "target, ok on the hardened one)."
    echo
  } >>"$report"
  [[ $hrc == 0 ]] || ok=0
  sfz_demo_note "$out" "fixed     $hardened: $(printf '%s\n' "$fixed" | tail -n 1); regression: $regress"

  sfz_demo_step "6/6 fault enumeration of a tutorial program"
  sfz_demo_enumerate "$dev" "$out" "$report"

  sfz_demo_end "$report" "$ok" "$t0"
  [[ $ok == 1 ]] && return "$SFZ_EXIT_OK"
  return "$SFZ_EXIT_FINDING"
}

sfz_demo_step() { sfz_info "demo: == $* =="; }
# One line of the terminal summary (OUT/.steps).
sfz_demo_note() { printf '%s\n' "$2" >>"$1/.steps"; }

# The replay of one input: its output (stdout) and the repro exit status (1 finding, 0 ok).
sfz_repro_quiet() {
  local out
  out=$(sfz_isolated timeout 60 "$1" "$2" 2>&1) || true
  printf '%s\n' "$out"
  case $(sfz_kind_from_output "$out") in
    ok) return 0 ;;
    error) return 2 ;;
    *) return 1 ;;
  esac
}

sfz_demo_enumerate() {
  local dev=$1 out=$2 report=$3 erc=0
  {
    echo "## 5. Fault enumeration (black box, LD_PRELOAD=libshmfault.so)"
    echo
  } >>"$report"
  if [[ ! -f $dev/lib/libshmfault.so ]]; then
    echo "skipped: libshmfault.so is not built in $dev yet." >>"$report"
    sfz_info "demo: enumeration skipped (libshmfault.so not built)"
    return 0
  fi
  sfz_self enumerate --errnos first --crash --timeout 3 --report "$out/enumerate" \
    -- "$dev/bin/tutorial-shm-writer" "hello from the demo" >"$out/enumerate.log" 2>&1 || erc=$?
  tail -n 15 "$out/enumerate.log" >&2
  sfz_demo_note "$out" "enumerate tutorial-shm-writer: $(sed -n 's/^Outcomes: //p' "$out/enumerate/report.md" 2>/dev/null) (exit $erc)"
  {
    echo "\`shmfuzz enumerate --errnos first --crash -- tutorial-shm-writer TEXT\` (exit $erc;"
    echo "the tutorial programs are buggy on purpose, docs/targets.md):"
    echo
    if [[ -f $out/enumerate/report.md ]]; then sed 's/^#/##/' "$out/enumerate/report.md"
    else echo '```'; tail -n 20 "$out/enumerate.log"; echo '```'; fi
    echo
  } >>"$report"
}

sfz_demo_end() {
  local report=$1 ok=$2 t0=$3
  {
    echo "---"
    echo "Demo $([[ $ok == 1 ]] && echo "went through" || echo "had a failing step") in $((SECONDS - t0)) s."
  } >>"$report"
  echo
  echo "== shmfuzz demo: $([[ $ok == 1 ]] && echo "found, reproduced, minimized and fixed bug $SFZ_DEMO_BUG" || echo "a step failed, see the report") ($((SECONDS - t0)) s)"
  sed 's/^/   /' "${report%/*}/.steps" 2>/dev/null || true
  echo "   report: $report"
}
