#!/usr/bin/env bash
# bench/outside/run.sh: `shmfuzz enumerate` on the small projects from outside this
# repository that docs/outside-projects.md judges cell by cell. Not a ctest: it needs their
# snapshots, which CI has no network to fetch.
#
# usage: bench/outside/run.sh [--mirror DIR] [--out DIR] [--build-dir DIR] [--only NAME]
#   --mirror DIR     where the snapshots are, one git directory per project:
#                    DIR/OWNER+NAME/repo (default /work/.mirror, or $SHMFUZZ_OUTSIDE_MIRROR)
#   --out DIR        sources, builds and reports go to DIR/NAME (default build/outside)
#   --build-dir DIR  the shmfuzz build whose libshmfault and shmfault-enum are used
#                    (default: SHMFUZZ_BUILD_dev, else shmfuzz builds its dev preset)
#   --only NAME      just this project (repeatable; names: the first column below)
# Each project is checked out at the commit the document names, built with its own build
# files (or the compiler line its CMake build would run), and enumerated with --crash through
# its driver script (drive-NAME.sh, here). A project whose snapshot is missing is skipped
# with a message. Exit: 0 every present project enumerated (findings are expected: the
# reports are what the document judges), 2 usage or set-up error, 77 no snapshot present.
set -euo pipefail

here=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)
root=$(dirname "$(dirname "$here")")
mirror=${SHMFUZZ_OUTSIDE_MIRROR:-/work/.mirror}
out=$root/build/outside
build_dir=""
only=" "

usage() { sed -n '6,13s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; }
die_usage() { printf 'outside: %s\n' "$*" >&2; usage >&2; exit 2; }

while [[ $# -gt 0 ]]; do
  case $1 in
    --mirror) [[ $# -ge 2 ]] || die_usage "--mirror needs a directory"; mirror=$2; shift ;;
    --out) [[ $# -ge 2 ]] || die_usage "--out needs a directory"; out=$2; shift ;;
    --build-dir) [[ $# -ge 2 ]] || die_usage "--build-dir needs a directory"; build_dir=$2; shift ;;
    --only) [[ $# -ge 2 ]] || die_usage "--only needs a project name"; only+="$2 "; shift ;;
    -h | --help) usage; exit 0 ;;
    *) die_usage "unknown argument '$1'" ;;
  esac
  shift
done

# name <TAB> snapshot <TAB> commit <TAB> subdirectory the tools are built in
projects=$'sendbuf\tmrundle+shmem_sendbuf\t4ccd93314d9b9cf5e168f761a5d009b6ff046d5d\t.
psem\tBradChang+misc\t2f4688f5ba05e6a04908433c628861b1d185fe83\tposix-semaphore
mks\tTheod0reWu+mksSemaphores\tf12bd91e274de8bd9aafc6a67256f944d48e5170\t.
shr\ttroydhanson+shr\tc77e2709dcc7f81f4e2985ac7522993e3cde63d1\t.
shmemory\taldoz-a+shmemory\t86e63696fa08dace841c8a3fc677a269032c1949\t.
shmbench\tharish24039+IPC\t16fe71b18976e854d590beb0ebb958d1d0a7dab2\tSM
eltex-sysv\tByleon2361+Eltex\t588ddfb6804cb507b965bd0038712c936fb5d306\ttask14/SystemV
eltex-posix\tByleon2361+Eltex\t588ddfb6804cb507b965bd0038712c936fb5d306\ttask14/POSIX
mailbox\tvanillaSky00+operating-systems\t995a0eb2a1da18ff31b22bda5f8f961fa9ebc820\tos_2025_lab1'

# build NAME DIR: the project's tools, as its own build files make them.
build() {
  case $1 in
    shr) # its CMake build needs an install step for shr.h; this is the line it compiles
      gcc -g -O0 -I"$2/src" -I"$2/lib" "$2/util/shr-tool.c" "$2/src/shr.c" "$2/lib/bw.c" \
        "$2/lib/ux.c" -o "$2/shr-tool" ;;
    shmemory) # 2000 messages instead of 2000000: a run takes milliseconds, not a minute
      sed -i 's/^#define N_MESSAGES  2000000$/#define N_MESSAGES  2000/' "$2/data.h"
      grep -q '^#define N_MESSAGES  2000$' "$2/data.h" && make -C "$2" ;;
    shmbench) # its README's two compiler lines (it has no build files)
      gcc "$2/writer.c" -o "$2/writer" -lrt && gcc "$2/reader.c" -o "$2/reader" -lrt ;;
    *) make -C "$2" ;;
  esac
}

# one NAME SNAPSHOT COMMIT SUBDIR: check out, build, enumerate; the summary on stdout.
one() {
  local git=$mirror/$2/repo src=$out/$1/src
  [[ ! -d $git/.git ]] || git=$git/.git # some snapshots come as a work tree
  if ! git --git-dir="$git" cat-file -e "$3^{commit}" 2>/dev/null; then
    echo "outside: $1: skipped: no snapshot of $2 at $3 in $mirror"
    return 1
  fi
  rm -rf "${out:?}/$1"
  mkdir -p "$src"
  git --git-dir="$git" archive "$3" | tar -x -C "$src"
  build "$1" "$src/$4" >"$out/$1/build.log" 2>&1 ||
    { echo "outside: $1: the project did not build (see $out/$1/build.log)" >&2; exit 2; }
  local rc=0
  "$root/scripts/shmfuzz" enumerate ${build_dir:+--build-dir "$build_dir"} --crash --timeout 5 \
    --report "$out/$1/report" -- "$here/drive-$1.sh" "$src/$4" >"$out/$1/enumerate.log" 2>&1 ||
    rc=$?
  [[ $rc == 0 || $rc == 1 ]] ||
    { echo "outside: $1: enumerate exit $rc (see $out/$1/enumerate.log)" >&2; exit 2; }
  awk -F '\t' -v n="$1" 'NR > 1 { c++; if ($5 != "ok") bad++ }
    END { printf "outside: %s: %d rows, %d not ok (report: %s)\n", n, c, bad, FILENAME }' \
    "$out/$1/report/cells.tsv"
}

present=0
while IFS=$'\t' read -r name snap commit sub; do
  [[ $only == " " || $only == *" $name "* ]] || continue
  if one "$name" "$snap" "$commit" "$sub" </dev/null; then present=$((present + 1)); fi
done <<<"$projects"
[[ $present -gt 0 ]] || { echo "outside: no snapshot present: nothing run"; exit 77; }
