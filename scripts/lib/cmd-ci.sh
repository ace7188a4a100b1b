# summary: the unattended job: build, regressions, Valgrind, fuzz hardened targets, enumerate; JUnit
# shellcheck shell=bash
# Every check is one JUnit test case (OUT/junit.xml) and one line of OUT/summary.md.
# What fails the job: a regression that no longer behaves (a catalogue reproducer must give its
# finding on bug-<id> and verdict ok on the hardened twin; any other reproducer must replay ok),
# a Valgrind error on a hardened target's seeds, a finding while fuzzing a hardened target.
# What does not: the tutorial programs' enumeration. They are buggy on purpose
# (docs/targets.md); their non-ok cells are reported in the summary, never failed on.

# shellcheck source=scripts/lib/cmd-fuzz.sh
. "$SHMFUZZ_SCRIPTS/lib/cmd-fuzz.sh"

SFZ_CI_HARDENED="raw shmipc-kv shmipc-record shmipc-ring shmipc-file"
# Tutorial programs and the arguments of a run that stands alone (no peer needed).
SFZ_CI_TUTORIALS=("shm-writer hello" "record update 7 alice" "producer 2" "posix-writer hello"
                  "mmap-writer hello")

sfz_ci_usage() {
  cat <<'USAGE'
usage: shmfuzz ci [--time-per-target S] [--engines LIST] [--targets LIST] [--out DIR]
                  [--skip STEPS]

  The unattended job (CI=true, no terminal): builds the presets it needs, replays
  corpus/regressions/, replays each hardened target's seeds under Valgrind, fuzzes each
  hardened target for S seconds per engine (it must find nothing), and enumerates the
  bundled tutorial programs (reported, never failed: they are buggy on purpose).
  Writes OUT/junit.xml and OUT/summary.md.

  --time-per-target S   seconds of fuzzing per target and engine (default 60)
  --engines LIST        comma-separated: libfuzzer,afl (default both)
  --targets LIST        hardened targets to fuzz and check under Valgrind
                        (default raw,shmipc-kv,shmipc-record,shmipc-ring,shmipc-file)
  --out DIR             default shmfuzz-out/ci-DATE
  --skip STEPS          comma-separated steps to leave out: regressions, valgrind, fuzz,
                        enumerate

exit status: 0 clean, 1 findings or failed checks, 2 usage or set-up error (a build failed)
USAGE
}

sfz_cmd_ci() {
  local secs=60 engines=libfuzzer,afl targets="" out="" skip=""
  while [[ $# -gt 0 ]]; do
    case $1 in
      -h|--help) sfz_ci_usage; return 0 ;;
      --time-per-target) sfz_need_arg ci "$1" $#; sfz_need_uint ci "$1" "$2"; secs=$((10#$2)); shift ;;
      --engines) sfz_need_arg ci "$1" $#; engines=$2; shift ;;
      --targets) sfz_need_arg ci "$1" $#; targets=$2; shift ;;
      --out) sfz_need_arg ci "$1" $#; out=$2; shift ;;
      --skip) sfz_need_arg ci "$1" $#; skip=$2; shift ;;
      *) sfz_bad_option ci "$1" ;;
    esac
    shift
  done
  local e t s
  for e in ${engines//,/ }; do
    sfz_engine_preset "$e" >/dev/null || sfz_die_usage "ci: --engines takes libfuzzer and/or afl, not '$e'"
  done
  targets=${targets:-${SFZ_CI_HARDENED// /,}}
  for t in ${targets//,/ }; do sfz_need_target "$t"; done
  for s in ${skip//,/ }; do
    case $s in regressions|valgrind|fuzz|enumerate) ;; *) sfz_die_usage "ci: --skip takes regressions, valgrind, fuzz, enumerate (not '$s')" ;; esac
  done
  [[ -n $out ]] || out="shmfuzz-out/ci-$(date +%Y%m%d-%H%M%S)"
  mkdir -p "$out" || sfz_die "ci: cannot create $out"
  out=$(cd "$out" && pwd)
  SFZ_CI_OUT=$out
  : >"$out/results.tsv"
  local t0=$SECONDS

  # Builds: a failure here is a set-up error (exit 2), reported in the JUnit file too.
  local dev
  dev=$(sfz_ci_build dev) || return "$SFZ_EXIT_USAGE"
  if [[ ,$skip, != *,fuzz,* ]]; then
    for e in ${engines//,/ }; do
      [[ $e == afl ]] && ! command -v afl-fuzz >/dev/null && { sfz_ci_result build "$e" skip 0 "afl-fuzz not installed"; continue; }
      sfz_ci_build "$(sfz_engine_preset "$e")" >/dev/null || return "$SFZ_EXIT_USAGE"
    done
  fi
  [[ ,$skip, == *,regressions,* ]] || sfz_ci_regressions "$dev"
  [[ ,$skip, == *,valgrind,* ]] || sfz_ci_valgrind "$dev" "$targets"
  if [[ ,$skip, != *,fuzz,* ]]; then
    for e in ${engines//,/ }; do
      [[ $e == afl ]] && ! command -v afl-fuzz >/dev/null && continue
      for t in ${targets//,/ }; do sfz_ci_fuzz "$e" "$t" "$secs"; done
    done
  fi
  [[ ,$skip, == *,enumerate,* ]] || sfz_ci_enumerate "$dev"
  sfz_ci_report "$out" $((SECONDS - t0))
}

# sfz_ci_result CLASS NAME pass|fail|skip SECONDS MESSAGE [DETAILS_FILE]
sfz_ci_result() {
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "${5//$'\t'/ }" "${6:-}" >>"$SFZ_CI_OUT/results.tsv"
  sfz_info "ci: $3 $1.$2${5:+: $5}"
}

sfz_ci_build() {
  local t=$SECONDS dir
  if dir=$(sfz_build_quiet "$1"); then
    sfz_ci_result build "$1" pass $((SECONDS - t)) "$dir"
    printf '%s\n' "$dir"
  else
    sfz_ci_result build "$1" fail $((SECONDS - t)) "build failed (build/$1.log)"
    sfz_ci_report "$SFZ_CI_OUT" 0 >/dev/null || true
    return 1
  fi
}

# Each reproducer under corpus/regressions/: a catalogue one gives its finding on bug-<id> and
# ok on the hardened twin; any other replays ok on its target (the bug it caught is fixed).
sfz_ci_regressions() {
  local dev=$1 f target hard expect name got got2 t detail
  for f in "$SHMFUZZ_ROOT"/corpus/regressions/*/*.txt; do
    [[ -f $f ]] || continue
    t=$SECONDS
    name=${f#"$SHMFUZZ_ROOT"/corpus/regressions/}
    target=$(sfz_target_of_file "$f")
    detail=$SFZ_CI_OUT/regressions/${name//\//_}.log
    mkdir -p "$SFZ_CI_OUT/regressions"
    if [[ -z $target ]] || ! sfz_target_known "$target"; then
      sfz_ci_result regression "$name" fail 0 "unknown target '${target}'"; continue
    fi
    if [[ $target == bug-* ]]; then
      hard=$(sfz_hardened_of "$target")
      expect=$(sfz_catalogue_field "$target" 3)
      got=$(sfz_ci_kind "$dev/bin/sfz-$target-replay" "$f" "$expect" "$detail")
      got2=$(sfz_ci_kind "$dev/bin/sfz-$hard-replay" "$f" "$expect" "$detail")
      if [[ $got == "$expect" && $got2 == ok ]]; then
        sfz_ci_result regression "$name" pass $((SECONDS - t)) "$expect on $target, ok on $hard"
      elif [[ $got == skip ]]; then
        sfz_ci_result regression "$name" skip $((SECONDS - t)) "valgrind is not installed"
      else
        sfz_ci_result regression "$name" fail $((SECONDS - t)) \
          "$target gave '$got' (want $expect), $hard gave '$got2' (want ok)" "$detail"
      fi
    else
      got=$(sfz_ci_kind "$dev/bin/sfz-$target-replay" "$f" "" "$detail")
      if [[ $got == ok ]]; then sfz_ci_result regression "$name" pass $((SECONDS - t)) "ok on $target"
      else sfz_ci_result regression "$name" fail $((SECONDS - t)) "$target gave '$got' (want ok)" "$detail"; fi
    fi
  done
}

# sfz_ci_kind REPLAY FILE EXPECT LOG: what FILE gives; leak-heap is judged by Valgrind.
sfz_ci_kind() {
  local replay=$1 f=$2 expect=$3 log=$4 o
  if [[ $expect == leak-heap ]]; then
    command -v valgrind >/dev/null || { echo skip; return; }
    o=$(sfz_isolated valgrind "${SFZ_VALGRIND_OPTS[@]}" "$replay" "$f" 2>&1) || true
    printf '%s\n' "$o" >>"$log"
    if grep -qE 'definitely lost: [1-9]' <<<"$o"; then echo leak-heap; else sfz_kind_from_output "$o"; fi
    return
  fi
  o=$(sfz_isolated timeout 60 "$replay" "$f" 2>&1) || true
  printf '== %s\n%s\n' "$replay" "$o" >>"$log"
  sfz_kind_from_output "$o"
}

# Each hardened target's seeds in one Valgrind process (its start-up dominates one input).
sfz_ci_valgrind() {
  local dev=$1 targets=$2 tg t seeds log
  if ! command -v valgrind >/dev/null; then
    sfz_ci_result valgrind all skip 0 "valgrind is not installed"; return
  fi
  mkdir -p "$SFZ_CI_OUT/valgrind"
  for tg in ${targets//,/ }; do
    t=$SECONDS
    seeds=("$SHMFUZZ_ROOT/corpus/$tg/seeds"/*.txt)
    [[ -f ${seeds[0]} ]] || { sfz_ci_result valgrind "$tg" skip 0 "no seeds"; continue; }
    log=$SFZ_CI_OUT/valgrind/$tg.log
    # Each forked worker has its own Valgrind report: read them all, not only the exit status.
    if sfz_isolated valgrind "${SFZ_VALGRIND_OPTS[@]}" --errors-for-leak-kinds=definite --error-exitcode=99 \
        "$dev/bin/sfz-$tg-replay" --quiet "${seeds[@]}" >"$log" 2>&1 &&
       ! grep -qE 'definitely lost: [1-9]|ERROR SUMMARY: [1-9]' "$log"; then
      sfz_ci_result valgrind "$tg" pass $((SECONDS - t)) "${#seeds[@]} seeds, no error"
    else
      sfz_ci_result valgrind "$tg" fail $((SECONDS - t)) \
        "$(grep -m1 -E 'definitely lost: [1-9]|ERROR SUMMARY: [1-9]|verdict: FINDING' "$log" || echo "exit status not 0")" "$log"
    fi
  done
}

# A hardened target must give no finding in S seconds.
sfz_ci_fuzz() {
  local engine=$1 target=$2 secs=$3 t=$SECONDS rc=0 dir=$SFZ_CI_OUT/fuzz/$1-$2
  mkdir -p "$SFZ_CI_OUT/fuzz"
  SFZ_FUZZ_FRESH=0
  (sfz_fuzz_campaign "$target" "$engine" "$secs" 1 "$dir" 1 0) >"$dir.log" 2>&1 || rc=$?
  case $rc in
    0) sfz_ci_result "fuzz.$engine" "$target" pass $((SECONDS - t)) \
         "no finding in ${secs} s ($(sed -n 's/^- time: //p' "$dir/summary.md"))" ;;
    1) sfz_ci_result "fuzz.$engine" "$target" fail $((SECONDS - t)) \
         "$(grep -c . "$dir/findings.tsv") finding(s): $(cut -f1,3 "$dir/findings.tsv" | head -n 1 | tr '\t' ' ')" \
         "$dir/summary.md" ;;
    *) sfz_ci_result "fuzz.$engine" "$target" fail $((SECONDS - t)) "the campaign failed (exit $rc)" "$dir.log" ;;
  esac
}

# The tutorial programs: their weaknesses reported, never failed on (buggy on purpose).
sfz_ci_enumerate() {
  local dev=$1 spec prog t rc dir
  if [[ ! -f $dev/lib/libshmfault.so ]]; then
    sfz_ci_result enumerate tutorials skip 0 "libshmfault.so is not built"; return
  fi
  for spec in "${SFZ_CI_TUTORIALS[@]}"; do
    t=$SECONDS
    read -r -a prog <<<"$spec"
    dir=$SFZ_CI_OUT/enumerate/tutorial-${prog[0]}
    mkdir -p "$dir"
    rc=0
    sfz_self enumerate --errnos first --crash --timeout 3 --report "$dir" \
      -- "$dev/bin/tutorial-${prog[0]}" "${prog[@]:1}" >"$dir.log" 2>&1 || rc=$?
    case $rc in
      0|1) sfz_ci_result enumerate "tutorial-${prog[0]}" pass $((SECONDS - t)) \
             "known-buggy tutorial, reported only: $(sed -n 's/^Outcomes: //p' "$dir/report.md" 2>/dev/null)" "$dir/report.md" ;;
      77) sfz_ci_result enumerate "tutorial-${prog[0]}" skip $((SECONDS - t)) "namespaces unavailable" ;;
      *) sfz_ci_result enumerate "tutorial-${prog[0]}" fail $((SECONDS - t)) "enumerate failed (exit $rc)" "$dir.log" ;;
    esac
  done
}

# junit.xml and summary.md from results.tsv; the exit status of the job.
sfz_ci_report() {
  local out=$1 secs=$2
  python3 - "$out" "$secs" >/dev/null <<'PY'
import sys
from xml.sax.saxutils import escape, quoteattr
out, secs = sys.argv[1], sys.argv[2]
rows = []
for line in open(f"{out}/results.tsv"):
    parts = line.rstrip("\n").split("\t")
    if len(parts) >= 5:
        rows.append((parts + [""])[:6])
fails = sum(r[2] == "fail" for r in rows)
skips = sum(r[2] == "skip" for r in rows)
with open(f"{out}/junit.xml", "w") as f:
    f.write('<?xml version="1.0" encoding="UTF-8"?>\n')
    f.write(f'<testsuites name="shmfuzz ci" tests="{len(rows)}" failures="{fails}" skipped="{skips}" time="{secs}">\n')
    f.write(f'  <testsuite name="shmfuzz" tests="{len(rows)}" failures="{fails}" skipped="{skips}" time="{secs}">\n')
    for cls, name, status, t, msg, details in rows:
        f.write(f'    <testcase classname={quoteattr("shmfuzz." + cls)} name={quoteattr(name)} time="{t}">\n')
        body = ""
        if details:
            try:
                body = open(details, errors="replace").read()[-20000:]
            except OSError:
                body = details
        if status == "fail":
            f.write(f'      <failure message={quoteattr(msg)}>{escape(body)}</failure>\n')
        elif status == "skip":
            f.write(f'      <skipped message={quoteattr(msg)}/>\n')
        elif msg:
            f.write(f'      <system-out>{escape(msg)}</system-out>\n')
        f.write('    </testcase>\n')
    f.write('  </testsuite>\n</testsuites>\n')
with open(f"{out}/summary.md", "w") as f:
    verdict = "FAILED" if fails else "passed"
    f.write(f"# shmfuzz ci: {verdict}\n\n{len(rows)} checks, {fails} failed, {skips} skipped, {secs} s.\n\n")
    f.write("| check | result | details |\n|---|---|---|\n")
    for cls, name, status, t, msg, details in rows:
        mark = {"pass": "pass", "fail": "**FAIL**", "skip": "skip"}[status] if status in ("pass", "fail", "skip") else status
        f.write(f"| {cls}.{name} | {mark} | {msg.replace('|', '/')} |\n")
print(fails)
PY
  local fails
  fails=$(awk -F '\t' '$3 == "fail"' "$out/results.tsv" | wc -l)
  sfz_info "ci: $(awk 'END { print NR }' "$out/results.tsv") checks, $fails failed; $out/summary.md, $out/junit.xml"
  [[ $fails -eq 0 ]] && return "$SFZ_EXIT_OK"
  return "$SFZ_EXIT_FINDING"
}
