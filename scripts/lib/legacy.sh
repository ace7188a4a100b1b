#!/usr/bin/env bash
# legacy.sh: the bash commands not yet ported to Python (scripts/shmfuzz_cli); scripts/shmfuzz
# runs this for them. Removed with the rest of scripts/lib/ once every command is ported.
# Exit status: 0 clean, 1 findings, 2 usage or set-up error, 77 skipped.
set -euo pipefail

SHMFUZZ_SCRIPTS=$(dirname "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")")
SHMFUZZ_SELF=$SHMFUZZ_SCRIPTS/shmfuzz
export SHMFUZZ_SELF SHMFUZZ_SCRIPTS
# shellcheck source=scripts/lib/common.sh
. "$SHMFUZZ_SCRIPTS/lib/common.sh"

usage() {
  cat <<USAGE
usage: shmfuzz COMMAND [ARGS...]      (shmfuzz COMMAND --help for each)

commands:
$(sfz_command_list)
USAGE
}

cmd=${1:-}
case "$cmd" in
  ""|-h|--help|help) usage; exit 0 ;;
esac
shift
file="$SHMFUZZ_SCRIPTS/lib/cmd-$cmd.sh"
if [[ ! -f "$file" ]]; then
  sfz_die_usage "unknown command '$cmd' (shmfuzz --help lists them)"
fi
# shellcheck source=/dev/null
. "$file"
"sfz_cmd_${cmd//-/_}" "$@"
