# summary: run a program under libshmfault: fault rules, trace, leak report (--isolate)
# shellcheck shell=bash
# Exit status: the program's own, 1 when it leaked and --fail-on-leak was given, 2 on a bad
# rule or usage error (libshmfault refuses bad rules before the program's main).

# shellcheck source=scripts/lib/isolate.sh
. "$SHMFUZZ_SCRIPTS/lib/isolate.sh"
# shellcheck source=scripts/lib/memcheck.sh
. "$SHMFUZZ_SCRIPTS/lib/memcheck.sh"

sfz_run_usage() {
  cat <<'USAGE'
usage: shmfuzz run [OPTIONS] -- PROGRAM ARGS...
  --fault RULE       a fault rule (repeatable), e.g. shmat@2=ENOMEM, semop@3+=EINTR,
                     shmget@1=SIGKILL,after  (grammar: docs/faults.md)
  --rules-file FILE  rules from a file (one per line, # comments)
  --seed N           seed of probability rules (pP)
  --trace FILE       JSON Lines trace of every intercepted call (%p: one file per process)
  --fail-on-leak     exit 1 when the program leaves an IPC object behind (with --isolate:
                     what the whole tree left at its end; else each process at its exit)
  --isolate          private IPC, mount (/dev/shm) and PID namespaces; list what is left
  --suppressions FILE  objects kept by design, not reported (SHMFAULT_SUPPRESSIONS format,
                     docs/faults.md): by the leak report and by --isolate's listing
  --count            print each process's call counts per function at exit
  --valgrind         under Valgrind memcheck (each process, exec'd ones too): a heap leak or
                     memory error is a finding (exit 1) with its stack; --valgrind-supp FILE
                     adds suppressions, --valgrind-reachable counts still-reachable blocks
Reports of a program built with -fsanitize=address/leak/undefined are findings too (exit 1).
The leak report (shmfault: leak ...) is always written to stderr. libshmfault.so comes from
$SHMFAULT_LIB, else from the dev preset's build (built if needed).
USAGE
}

sfz_cmd_run() {
  local -a rules=()
  local rules_file="" seed="" trace="" fail_on_leak=0 isolate=0 count=0 supp=""
  while (($#)); do
    case "$1" in
      -h|--help) sfz_run_usage; return 0 ;;
      --fault|--rules-file|--seed|--trace|--suppressions)
        [[ $# -ge 2 ]] || sfz_die_usage "run: $1 needs a value"
        case "$1" in
          --fault) rules+=("$2") ;;
          --rules-file) rules_file=$2 ;;
          --seed) seed=$2 ;;
          --trace) trace=$2 ;;
          --suppressions) supp=$2 ;;
        esac
        shift 2 ;;
      --fault=*) rules+=("${1#*=}"); shift ;;
      --rules-file=*) rules_file=${1#*=}; shift ;;
      --seed=*) seed=${1#*=}; shift ;;
      --trace=*) trace=${1#*=}; shift ;;
      --suppressions=*) supp=${1#*=}; shift ;;
      --fail-on-leak) fail_on_leak=1; shift ;;
      --isolate) isolate=1; shift ;;
      --count) count=1; shift ;;
      --valgrind|--valgrind-supp|--valgrind-reachable) sfz_mc_option run "$@"; shift "$SFZ_MC_SHIFT" ;;
      --) shift; break ;;
      -*) sfz_die_usage "run: unknown option '$1' (shmfuzz run --help)" ;;
      *) break ;;
    esac
  done
  (($#)) || sfz_die_usage "run: no program (shmfuzz run [OPTIONS] -- PROGRAM ARGS...)"
  [[ -z $seed || $seed =~ ^(0x[0-9a-fA-F]+|[0-9]+)$ ]] || sfz_die_usage "run: --seed '$seed' is not a number"
  [[ -z $rules_file || -r $rules_file ]] || sfz_die_usage "run: cannot read --rules-file '$rules_file'"
  if [[ -n $supp ]]; then
    [[ -f $supp && -r $supp ]] || sfz_die_usage "run: cannot read --suppressions '$supp'"
    # exported: the library's ledger and --isolate's listing (scripts/lib/suppress.awk) read it
    SHMFAULT_SUPPRESSIONS=$(readlink -f "$supp")
    export SHMFAULT_SUPPRESSIONS
  fi

  local lib=${SHMFAULT_LIB:-}
  if [[ -z $lib ]]; then
    lib=$(sfz_build dev)/lib/libshmfault.so
  fi
  [[ -f $lib ]] || sfz_die "run: $lib not found (build the dev preset or set SHMFAULT_LIB)"

  local spec=""
  if ((${#rules[@]})); then
    spec=$(IFS=';'; printf '%s' "${rules[*]}")
  fi
  local -a envs=("LD_PRELOAD=$lib" "SHMFAULT_RULES=$spec" "SHMFAULT_LEDGER=stderr")
  [[ -n $rules_file ]] && envs+=("SHMFAULT_RULES_FILE=$(readlink -f "$rules_file")")
  [[ -n $seed ]] && envs+=("SHMFAULT_SEED=$seed")
  [[ -n $trace ]] && envs+=("SHMFAULT_TRACE=$trace")
  # Without --isolate each process judges its own leaks at its exit (all the library can do);
  # with it the tree is judged once, when it is done, from what is left in its namespace: a
  # process that hands an object to a peer it exec'd does not fail for it.
  ((fail_on_leak && !isolate)) && envs+=("SHMFAULT_LEAK_EXIT=$SFZ_EXIT_FINDING")
  ((count)) && envs+=("SHMFAULT_COUNT=1")

  sfz_mc_prepare run
  sfz_mc_run_command "${lib%/lib/*}/bin/shmfault-memcheck" "$@"
  local rc=0
  if ((isolate)); then
    if ((fail_on_leak)); then
      export SFZ_ISOLATE_LEFT_STATUS=$SFZ_EXIT_FINDING
    fi
    sfz_isolate env "${envs[@]}" "${SFZ_MC_CMD[@]}" || rc=$?
  else
    env "${envs[@]}" "${SFZ_MC_CMD[@]}" || rc=$?
  fi
  if ((rc > 128 && rc < 160)); then
    sfz_info "run: $1 was killed by signal $((rc - 128)) (status $rc)"
  elif ((rc != 0)); then
    sfz_info "run: $1 exited with status $rc"
  fi
  sfz_mc_run_verdict "${lib%/lib/*}/bin/shmfault-memcheck" "$rc"
}
