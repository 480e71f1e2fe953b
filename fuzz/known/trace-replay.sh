#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Guest side of a replay with the module's trace events: runs the program
# /work/sfuzz-program once, then prints the trace buffer. From the top of
# the tree (docs/rig.md):
#   make module sfuzz-build && scripts/vm.sh run --ko kmod/magenta.ko \
#     --file fuzz/known/PROG.prog:sfuzz-program --file fuzz/mxsfuzz:mxsfuzz \
#     fuzz/known/trace-replay.sh
cd /work || exit 1
T=/sys/kernel/tracing
[ -d $T/events ] || T=/sys/kernel/debug/tracing
echo 8192 >$T/buffer_size_kb
./mxsfuzz -r sfuzz-program -n 1 -w 1 >fuzz.out 2>&1
rc=$?
cat fuzz.out
echo "=== trace (mxsfuzz exit $rc)"
grep -v '^#' $T/trace
exit $rc
