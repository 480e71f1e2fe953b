#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Run in the VM by bench/profile.sh: set up the kernel's function-graph
# tracer on the system calls the benchmarks make, then run mxbench with the
# given arguments (which include --trace NAME; mxbench turns tracing on and
# off around the traced runs and dumps the buffer).
T=/sys/kernel/tracing
[ -e $T/tracing_on ] || mount -t tracefs tracefs $T || exit 1
echo 0 >$T/tracing_on
echo function_graph >$T/current_tracer || exit 1
echo 16384 >$T/buffer_size_kb
: >$T/set_graph_function
for f in __x64_sys_ioctl __x64_sys_read __x64_sys_write __x64_sys_sendmsg \
	__x64_sys_recvmsg __x64_sys_futex __x64_sys_close __x64_sys_poll; do
	echo $f >>$T/set_graph_function || exit 1
done
# Interrupts that land in a traced call are not part of its cost.
echo 0 >$T/options/funcgraph-irqs
exec ./mxbench "$@"
