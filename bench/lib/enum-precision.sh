#!/usr/bin/env bash
# enum-precision.sh BUILD_DIR LIST OUT_DIR [ERRNOS [TIMEOUT]]: precision and recall of enumerate's verdicts on the
# programs of tests/enum (LIST: tests/enum/programs.tsv; BUILD_DIR: a build with
# tests/enum/programs, bin/shmfault-enum and lib/libshmfault.so). For each correct program and
# its buggy twin, the whole matrix (--errnos ERRNOS, realistic by default; and --crash):
#   real  = non-ok cells of a twin at its documented point, of its documented kind, in its
#           documented process (the planted defect, however many errnos reach it)
#   false = every other non-ok cell (any in a correct program, any elsewhere in a twin)
#   precision = real / (real + false); recall = twins whose defect was found / twins
# TIMEOUT: enumerate's time box per cell in seconds (its default, 5, when not given).
# Writes OUT_DIR/enum-precision-ERRNOS.tsv (one row a program) and prints "precision recall real
# false found twins" on stdout. Exit 2 when something is not built.
set -uo pipefail
build=$(readlink -f "$1") list=$2 out=$3 errnos=${4:-realistic} timeout=${5:-}
table=$out/enum-precision-$errnos.tsv
enum=$build/bin/shmfault-enum lib=$build/lib/libshmfault.so bin=$build/tests/enum/programs
[[ -x $enum && -f $lib && -d $bin ]] || { echo "enum-precision: $build lacks shmfault-enum, libshmfault.so or tests/enum" >&2; exit 2; }
mkdir -p "$out"
runs=$(mktemp -d "$out/runs.XXXXXX")
trap 'rm -rf "$runs"' EXIT

# nonok DIR: "point<TAB>outcome<TAB>process" of every non-ok cell but the clean run
nonok() { awk -F '\t' 'NR > 1 && $1 != 0 && $5 != "ok" { print $2 "@" $3 "\t" $5 "\t" $8 }' "$1/cells.tsv"; }

real=0 false=0 found=0 twins=0
printf 'program\tcells\tnon-ok\treal\tfalse\tdefect found\n' >"$table"
while IFS=$'\t' read -r name _args point kind process; do
  [[ -z $name || $name == \#* ]] && continue
  for variant in "" -bug; do
    dir=$runs/$name$variant
    [[ -x $bin/e-$name$variant ]] || { echo "enum-precision: $bin/e-$name$variant is not built" >&2; exit 2; }
    rc=0
    "$enum" --lib "$lib" --runs "$dir" --crash --errnos "$errnos" ${timeout:+--timeout "$timeout"} \
      -- "$bin/e-$name$variant" >/dev/null 2>&1 || rc=$?
    [[ $rc -le 1 && -f $dir/cells.tsv ]] || { echo "enum-precision: enumerate of e-$name$variant failed (exit $rc)" >&2; exit 2; }
    cells=$(($(wc -l <"$dir/cells.tsv") - 2))
    bad=$(nonok "$dir" | wc -l)
    if [[ -z $variant ]]; then
      r=0
    else
      r=$(nonok "$dir" | awk -F '\t' -v p="$point" -v k="$kind" -v pr="$process" '$1 == p && $2 == k && $3 == pr' | wc -l)
      twins=$((twins + 1))
      ((r > 0)) && found=$((found + 1))
    fi
    f=$((bad - r))
    real=$((real + r)) false=$((false + f))
    printf 'e-%s\t%s\t%s\t%s\t%s\t%s\n' "$name$variant" "$cells" "$bad" "$r" "$f" \
      "$([[ -z $variant ]] && echo - || { ((r > 0)) && echo "yes ($kind at $point in $process)" || echo "NO ($kind at $point in $process)"; })" \
      >>"$table"
  done
done <"$list"
awk -v r="$real" -v f="$false" -v fo="$found" -v t="$twins" \
  'BEGIN { printf "%.3f %.3f %d %d %d %d\n", (r + f) ? r / (r + f) : 1, t ? fo / t : 1, r, f, fo, t }'
