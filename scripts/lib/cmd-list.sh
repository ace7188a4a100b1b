# summary: the fuzz targets and the bug catalogue (class, finding, how it is found)
# shellcheck shell=bash
# Reads build/dev/shmfuzz-targets.tsv when the dev preset is built, else the source tree.

sfz_list_usage() {
  cat <<'USAGE'
usage: shmfuzz list [--targets | --bugs] [--names]

  Shows the fuzz targets (name and summary) and the bug catalogue (id, class, finding kind,
  which tool finds it). Targets come from build/dev/shmfuzz-targets.tsv when the dev preset is
  built, else from the source tree.

  --targets   only the targets          --bugs    only the catalogue
  --names     bare target names, one a line (for scripts)
USAGE
}

sfz_cmd_list() {
  local what=all names=0
  while [[ $# -gt 0 ]]; do
    case $1 in
      -h|--help) sfz_list_usage; return 0 ;;
      --targets) what=targets ;;
      --bugs) what=bugs ;;
      --names) names=1 ;;
      *) sfz_bad_option list "$1" ;;
    esac
    shift
  done
  if [[ $names == 1 ]]; then
    case $what in
      bugs) sfz_targets_tsv | cut -f1 | grep '^bug-' ;;
      *) sfz_targets_tsv | cut -f1 ;;
    esac
    return 0
  fi
  if [[ $what != bugs ]]; then
    echo "Fuzz targets (shmfuzz fuzz NAME):"
    sfz_targets_tsv | grep -v '^bug-' | awk -F '\t' '{ printf "  %-16s %s\n", $1, $2 }'
    echo "  bug-<id>         one per catalogue entry below (must be found)"
  fi
  [[ $what == all ]] && echo
  if [[ $what != targets ]]; then
    echo "Bug catalogue (targets/bugs/catalogue.tsv, docs/bugs.md): fuzz target bug-<id>"
    awk -F '\t' '!/^#/ && NF >= 6 {
        printf "  %-20s %-12s %-10s %-9s %s\n", $1, $2, $3, $5, "shmipc-" $6 }
      BEGIN { printf "  %-20s %-12s %-10s %-9s %s\n", "id", "class", "finding", "found_by", "hardened twin" }' \
      "$SFZ_CATALOGUE"
  fi
}
