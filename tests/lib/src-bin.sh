# src-bin.sh: the start of a check script run as `NAME.sh SOURCE_DIR BIN_DIR`, sourced with the
# script's arguments (. src-bin.sh "$@"). Sets src and bin (a usage line and an exit when one is
# missing), loads need.sh's preconditions, makes a private $work removed on exit, and sets
# fail=0, the script's exit status until a check fails.
# shellcheck shell=bash disable=SC2034 # src, bin, work and fail are the sourcing script's
# shellcheck source=tests/lib/need.sh
. "$(dirname "${BASH_SOURCE[0]}")/need.sh"
src_bin_usage="usage: $(basename "$0") SOURCE_DIR BIN_DIR"
src=${1:?$src_bin_usage}
bin=${2:?$src_bin_usage}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail=0
