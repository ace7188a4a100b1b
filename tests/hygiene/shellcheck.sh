#!/usr/bin/env bash
# Checks that every shell script in the project is shellcheck-clean. Usage: shellcheck.sh SOURCE_DIR
set -euo pipefail
# shellcheck source=tests/lib/need.sh
. "$(dirname "$0")/../lib/need.sh"
cd "$1"
need_tool shellcheck
mapfile -t scripts < <(git ls-files 2>/dev/null | while read -r f; do
  case "$f" in
    *.sh|.ci/run) echo "$f" ;;
    *) [[ -f "$f" ]] && head -c 40 "$f" | grep -qE '^#!.*(ba)?sh' && echo "$f" ;;
  esac
done)
if [[ ${#scripts[@]} -eq 0 ]]; then
  mapfile -t scripts < <(find scripts tests ci .ci bench -type f \( -name '*.sh' -o -name run -o -name install-deps \) 2>/dev/null)
fi
echo "checking ${#scripts[@]} scripts"
shellcheck -x -S warning "${scripts[@]}"
