#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# /init of the test VM (busybox sh). Copied into the initramfs by scripts/vm.sh
# next to /rig.conf, which sets:
#   MODE          check | run | shell
#   MODULES       kernel modules to insmod, in order (files in /rig/)
#   MODNAMES      their module names, for rmmod (reverse order)
#   INSMOD_ARGS   parameters for the last module (e.g. rigtest_fault=warn)
#   TESTS         check: programs in /tests/ to run, in order
#   PROG_TIMEOUT  check: seconds each program may run
#   PROG, ARGS    run: program (in /work/) and its arguments (set -- ...)
#
# Everything the host parses goes to the second serial port (ttyS1) as lines
# "@@RIG: ..." around the programs' own output; ttyS0 carries only the kernel
# console. ttyS1 is opened and closed for every write: the last close of a tty
# waits for its output to drain, so nothing is lost at poweroff.

PATH=/bin:/sbin:/usr/bin:/usr/sbin
export PATH HOME=/root TERM=linux

/bin/busybox mount -t devtmpfs devtmpfs /dev 2>/dev/null
exec </dev/console >/dev/console 2>&1
/bin/busybox --install -s
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
# tracefs, for the magenta tracepoints (docs/tracing.md, selftests/trace_test).
mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
# cgroup v2 with the memory controller available to child groups, for tests
# that put a process under a memory limit (they skip if it is missing).
grep -q ' /sys/fs/cgroup cgroup2 ' /proc/mounts ||
	mount -t cgroup2 cgroup2 /sys/fs/cgroup 2>/dev/null
grep -qw memory /sys/fs/cgroup/cgroup.subtree_control 2>/dev/null ||
	echo +memory >/sys/fs/cgroup/cgroup.subtree_control 2>/dev/null
mount -t tmpfs tmpfs /tmp
mkdir -p /dev/pts /dev/shm /run
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
mount -t tmpfs tmpfs /run
ln -sf /proc/self/fd /dev/fd 2>/dev/null
hostname rig
# shellcheck disable=SC3045 # busybox ash has ulimit -c
ulimit -c 0

. /rig.conf

if [ "$MODE" = shell ]; then
	OUT=/dev/console
else
	OUT=/dev/ttyS1
	stty -F "$OUT" raw -echo 2>/dev/null
fi

say() {
	echo "@@RIG: $*" >"$OUT"
}

finish() {
	say "taint-end $(cat /proc/sys/kernel/tainted)"
	say "dmesg-begin"
	dmesg >"$OUT"
	say "dmesg-end"
	say "done"
	sync
	poweroff -f
}

say "boot $(cut -d' ' -f1 /proc/uptime)"
say "taint-boot $(cat /proc/sys/kernel/tainted)"

# insmod every module; the last one gets INSMOD_ARGS.
n=0
for m in $MODULES; do n=$((n + 1)); done
i=0
for m in $MODULES; do
	i=$((i + 1))
	if [ "$i" = "$n" ]; then
		# shellcheck disable=SC2086
		insmod "/rig/$m" $INSMOD_ARGS >"$OUT" 2>&1
	else
		insmod "/rig/$m" >"$OUT" 2>&1
	fi
	rc=$?
	if [ "$rc" != 0 ]; then
		say "insmod-fail $m rc=$rc"
		finish
	fi
done
say "insmod-ok"
if [ -n "$MODULES" ]; then
	if [ -c /dev/magenta ]; then
		# What system/60-magenta.rules does where udev runs.
		chmod 0666 /dev/magenta
		say "dev-ok"
	else
		say "dev-missing"
	fi
fi

# stats: print the live-object counters; retry a little while any is
# non-zero (objects may be freed asynchronously after the last close).
stats() {
	d=/sys/class/misc/magenta/stats
	if [ ! -d "$d" ]; then
		say "stats-missing"
		return
	fi
	tries=0
	while :; do
		nz=0
		for f in "$d"/*; do
			[ "$(cat "$f")" = 0 ] || nz=1
		done
		[ "$nz" = 0 ] && break
		tries=$((tries + 1))
		[ "$tries" -ge 5 ] && break
		sleep 1
	done
	for f in "$d"/*; do
		say "stat ${f##*/} $(cat "$f")"
	done
}

unload() {
	for m in $MODNAMES; do
		rmmod "$m" >"$OUT" 2>&1
		rc=$?
		if [ "$rc" = 0 ]; then
			say "rmmod-ok $m"
		else
			say "rmmod-fail $m rc=$rc"
		fi
	done
}

case "$MODE" in
check)
	k=0
	for t in $TESTS; do
		k=$((k + 1))
		rm -rf /tmp/* /tmp/.[!.]* 2>/dev/null
		say "begin $t"
		t0=$(cut -d' ' -f1 /proc/uptime)
		cd /tmp || exit 1
		setsid "/tests/$t" >"$OUT" 2>&1 </dev/null &
		pid=$!
		(
			sleep "$PROG_TIMEOUT"
			: >"/run/timeout.$k"
			kill -KILL "-$pid" "$pid" 2>/dev/null
		) &
		wd=$!
		wait "$pid"
		rc=$?
		kill "$wd" 2>/dev/null
		# reap whatever the program left behind in its session
		kill -KILL "-$pid" 2>/dev/null
		cd /
		to=0
		[ -e "/run/timeout.$k" ] && to=1
		t1=$(cut -d' ' -f1 /proc/uptime)
		echo >"$OUT"
		say "end $t rc=$rc timeout=$to start=$t0 stop=$t1"
	done
	sleep 0.2
	stats
	unload
	# A check that must run with the module gone (vm.sh --post).
	if [ -x /work/post-unload ]; then
		/work/post-unload >"$OUT" 2>&1 </dev/null
		say "post rc=$?"
	fi
	finish
	;;
run)
	eval "set -- $ARGS"
	cd /work || exit 1
	say "exec $PROG"
	"/work/$PROG" "$@" >"$OUT" 2>&1 </dev/null
	rc=$?
	echo >"$OUT"
	say "exit $rc"
	stats
	unload
	finish
	;;
shell)
	echo
	echo "magenta VM shell: module loaded, /dev/magenta present; files in /work."
	echo "'exit' or Ctrl-D powers the VM off (Ctrl-A x kills QEMU)."
	cd /work 2>/dev/null || cd /
	setsid cttyhack sh -l
	poweroff -f
	;;
esac
finish
