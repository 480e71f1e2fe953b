#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# profile.sh FIGURE [OUTDIR]: which kernel functions one iteration of an
# mxbench figure calls, and how often. Boots the rig's VM with ICOUNT=1,
# runs mxbench --quick for the figure's group with --trace FIGURE under the
# function-graph tracer (bench/profile-guest.sh), and summarises the traces
# with bench/profile.awk into OUTDIR/profile-FIGURE.txt (default
# build/bench). Compare two figures (pingpong.64.msgpipe_call against
# pingpong.64.pipes) to see where the extra work is.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
FIG=${1:?usage: profile.sh FIGURE [OUTDIR], e.g. pingpong.64.msgpipe_call}
OUT=${2:-$ROOT/build/bench}
case "$FIG" in
pingpong.*) GROUP=pingpong ;;
handlepass.*) GROUP=handles ;;
throughput.*) GROUP=throughput ;;
floor.* | call.*) GROUP=floor ;;
event.*) GROUP=event ;;
create_close.*) GROUP=create ;;
lookup.*) GROUP=lookup ;;
waitmany.* | poll.*) GROUP=waitmany ;;
waitset.*) GROUP=waitset ;;
contention.*) GROUP=contention ;;
*) echo "profile.sh: unknown figure $FIG" >&2; exit 2 ;;
esac
mkdir -p "$OUT"
log="$OUT/profile-$FIG.log"
ICOUNT=1 VM_TIMEOUT=${VM_TIMEOUT:-900} VM_APPEND="slub_debug=-" \
	"$ROOT/scripts/vm.sh" run --dir "$OUT/vm-profile" \
	--ko "$ROOT/kmod/magenta.ko" --file "$ROOT/bench/mxbench:mxbench" \
	"$HERE/profile-guest.sh" --quick --pin 0 --only "$GROUP" \
	--trace "$FIG" >"$log" 2>&1 || { tail -5 "$log"; exit 1; }
awk -f "$HERE/profile.awk" "$log" | tee "$OUT/profile-$FIG.txt"
