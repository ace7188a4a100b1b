# summary: group the findings of a directory by kind and stable site hash, one line each
# shellcheck shell=bash
# Replays every input under DIR (a fuzz out dir's findings/, an AFL++ crashes/ dir, any folder
# of saved inputs) and groups them by (kind, site): the verdict reason with numbers and
# addresses normalised plus the top frames of a sanitizer report when there is one. Each
# group is one line with its count and its smallest input as the reproducer. Inputs that
# replay ok or cannot be replayed are counted and said, never dropped silently.

# shellcheck source=scripts/lib/engines.sh
. "$SHMFUZZ_SCRIPTS/lib/engines.sh"

sfz_triage_usage() {
  cat <<'USAGE'
usage: shmfuzz triage DIR [--target T] [--preset P]

  Replays every file under DIR (recursively; AFL++'s README.txt and shmfuzz's own .txt
  reports are skipped) and prints one line per unique finding:
      KIND  SITE-HASH  COUNT  REPRODUCER  REASON
  The site hash is stable across runs and machines: the kind, the verdict reason with
  numbers and addresses replaced, and the top three frames of a sanitizer stack if any.
  Also writes DIR/triage.tsv.

  --target T   the fuzz target (default: DIR's campaign.txt, or DIR's name)
  --preset P   the build whose replay driver judges; default: the preset of DIR's campaign
               (campaign.txt in DIR or above it: the build that found them), else dev

exit status: 0 nothing in DIR is a finding, 1 findings (listed), 2 usage or set-up error
USAGE
}

sfz_cmd_triage() {
  local dir="" target="" preset=""
  while [[ $# -gt 0 ]]; do
    case $1 in
      -h|--help) sfz_triage_usage; return 0 ;;
      --target) sfz_need_arg triage "$1" $#; target=$2; shift ;;
      --preset) sfz_need_arg triage "$1" $#; preset=$2; shift ;;
      -*) sfz_bad_option triage "$1" ;;
      *) [[ -z $dir ]] || sfz_die_usage "triage: one DIR at a time"; dir=$1 ;;
    esac
    shift
  done
  [[ -n $dir ]] || sfz_die_usage "triage: which DIR? (shmfuzz triage --help)"
  [[ -d $dir ]] || sfz_die_usage "triage: $dir: no such directory"
  dir=$(cd "$dir" && pwd)
  if [[ -z $target ]]; then
    local probe
    probe=$(find "$dir" -type f -print -quit)
    [[ -f $dir/campaign.txt ]] && target=$(sed -n 's/^target=//p' "$dir/campaign.txt")
    [[ -z $target && -n $probe ]] && target=$(sfz_target_of_file "$probe")
  fi
  [[ -n $target ]] || sfz_die_usage "triage: cannot tell the target of $dir: give --target T"
  sfz_need_target "$target"
  preset=$(sfz_replay_preset triage "$dir" "$preset")
  local build replay
  build=$(sfz_build_quiet "$preset") || exit "$SFZ_EXIT_USAGE"
  replay=$build/bin/sfz-$target-replay
  [[ -x $replay ]] || sfz_die "$replay is not built"

  local f out kind hash reason n=0 total=0 nok=0 nerr=0
  local tsv=$dir/triage.tsv work
  work=$(mktemp "${TMPDIR:-/tmp}/shmfuzz-triage.XXXXXX")
  while IFS= read -r -d '' f; do
    case ${f##*/} in README.txt|*.md|*.tsv|*.log|campaign.txt|fuzzer_stats|plot_data|cmdline|fuzz_bitmap|fuzzer_setup|.*) continue ;; esac
    [[ $f == */queue/* || $f == */corpus/* || $f == */seeds/* || $f == */logs/* ]] && continue
    total=$((total + 1))
    sfz_status "triage: $total replayed, $n finding(s)"
    out=$(sfz_isolated timeout 60 "$replay" --quiet "$f" 2>&1) || true
    kind=$(sfz_kind_from_output "$out")
    case $kind in ok) nok=$((nok + 1)); continue ;; error) nerr=$((nerr + 1)); continue ;; esac
    n=$((n + 1))
    hash=$(sfz_site_hash "$kind" "$out")
    reason=$(sfz_reason_from_output "$out")
    [[ -n $reason ]] || reason=$(grep -m1 -oE '(ERROR: [A-Za-z]+Sanitizer: [^ ]+|runtime error: .{0,80})' <<<"$out" || true)
    printf '%s\t%s\t%s\t%s\t%s\n' "$kind" "$hash" "$(wc -c <"$f")" "$f" "$reason" >>"$work"
  done < <(find "$dir" -type f -print0 | sort -z)
  sfz_status_end
  {
    printf 'kind\tsite\tcount\treproducer\treason\n'
    # per (kind, site): the count and the smallest input
    sort -t $'\t' -k1,1 -k2,2 -k3,3n "$work" | awk -F '\t' -v OFS='\t' '
      { key = $1 FS $2; count[key]++; if (!(key in first)) { first[key] = $4; why[key] = $5; order[++k] = key } }
      END { for (i = 1; i <= k; i++) { split(order[i], p, FS); print p[1], p[2], count[order[i]], first[order[i]], why[order[i]] } }'
  } >"$tsv"
  rm -f "$work"
  local unique
  unique=$(($(wc -l <"$tsv") - 1))
  sfz_info "triage: $total input(s) replayed on $target (preset $preset), $n finding(s), $unique unique"
  [[ $nok -eq 0 ]] || sfz_info "triage: $nok input(s) replay ok on preset $preset: not findings there (another build, e.g. --preset libfuzzer for sanitizer findings, may differ)"
  [[ $nerr -eq 0 ]] || sfz_info "triage: $nerr input(s) could not be replayed on $target"
  awk -F '\t' 'NR > 1 { printf "%-10s %s %4d  %s\n           %s\n", $1, $2, $3, $4, $5 }' "$tsv"
  [[ $n -gt 0 ]] && return "$SFZ_EXIT_FINDING"
  return "$SFZ_EXIT_OK"
}
