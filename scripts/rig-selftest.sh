#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# rig-selftest.sh --ko KO --rigtest-ko KO --progs DIR
#
# Prove that scripts/vm.sh notices each kind of failure: run it once per
# fault and check that it fails with the right `FAIL:` reason; and that clean
# runs pass. KO is the normal module, the rigtest KO magenta_rigtest.ko
# (scripts/rigtest/module/), which the fault cases load after KO with
# rigtest_fault=... (vm.sh gives --insmod-args to the last module); DIR holds
# pass_test and fail_test. Prints TAP and `N passed, N failed` last; exit 1
# if any case is wrong. The hung-guest case (VM_TIMEOUT=$RIG_HANG_TIMEOUT,
# default 60 s) runs in the background while the others run.

set -uo pipefail
export PATH="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin${PATH:+:$PATH}"

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
VM="$HERE/vm.sh"
KO=""
RKO=""
PROGS=""
while [ $# -gt 0 ]; do
	case "$1" in
	--ko) KO=$2; shift 2 ;;
	--rigtest-ko) RKO=$2; shift 2 ;;
	--progs) PROGS=$2; shift 2 ;;
	*) echo "usage: $0 --ko KO --rigtest-ko KO --progs DIR" >&2; exit 2 ;;
	esac
done
[ -r "$KO" ] && [ -r "$RKO" ] && [ -x "$PROGS/pass_test" ] && [ -x "$PROGS/fail_test" ] ||
	{ echo "FAIL: rig-selftest: missing module or programs (make rig-selftest builds them)"; exit 1; }

OUTDIR="$ROOT/build/rig-selftest"
rm -rf "$OUTDIR"
mkdir -p "$OUTDIR"
PASS="$PROGS/pass_test"
FAILP="$PROGS/fail_test"
# The rig's own defaults are generous; faults here need no more than this.
export PROG_TIMEOUT=${PROG_TIMEOUT:-120}
HANG_TIMEOUT=${RIG_HANG_TIMEOUT:-60}

# Each case: name % expected result (pass, exit=N, or an ERE the one FAIL:
# line must match) % environment % vm.sh arguments
CASES=(
	"clean%pass%%check --ko $KO $PASS"
	"clean-rigtest-module%pass%%check --ko $KO --ko $RKO $PASS"
	"failing-test%^FAIL: 1 test case\\(s\\) failed or did not run: fail_test$%%check --ko $KO $PASS $FAILP"
	"warn%^FAIL: kernel report \\[WARNING\\] WARNING: CPU: .* mx_rigtest_init%%check --ko $KO --ko $RKO --insmod-args rigtest_fault=warn $PASS"
	"oops%^FAIL: kernel report \\[(BUG|Oops|general protection fault)\\] .*NULL pointer dereference%%check --ko $KO --ko $RKO --insmod-args rigtest_fault=oops $PASS"
	"leak%^FAIL: stats counters not zero at the end: procs=1$%%check --ko $KO --ko $RKO --insmod-args rigtest_fault=leak $PASS"
	"insmod-fails%^FAIL: insmod magenta_rigtest.ko \\(rc=[0-9]+\\) failed$%%check --ko $KO --ko $RKO --insmod-args rigtest_fault=bogus $PASS"
	"run-exit-code%exit=3%%run --ko $KO /bin/sh -c 'exit 3'"
	"hung-guest%^FAIL: the VM did not finish within VM_TIMEOUT=$HANG_TIMEOUT s \\(hung guest\\? in insmod\\)$%VM_TIMEOUT=$HANG_TIMEOUT%check --ko $KO --ko $RKO --insmod-args rigtest_fault=hang $PASS"
)

# run_case NAME ENV ARGS: vm.sh output in $OUTDIR/NAME.out, status in .rc.
# vm.sh takes options before the programs: put --dir right after the mode.
fix_args() {
	local mode=${1%% *} rest=${1#* }
	echo "$mode --dir \"$OUTDIR/$2\" $rest"
}

run_case() {
	local name=$1 envs=$2 args
	args=$(fix_args "$3" "$name")
	(
		# shellcheck disable=SC2086,SC2163
		[ -n "$envs" ] && export $envs
		eval "\"$VM\" $args" >"$OUTDIR/$name.out" 2>&1 </dev/null
		echo $? >"$OUTDIR/$name.rc"
	)
}

# judge NAME EXPECT: print the TAP line, return 0 if as expected
judge() {
	local name=$1 expect=$2 rc failline last
	rc=$(cat "$OUTDIR/$name.rc" 2>/dev/null || echo "?")
	failline=$(grep -m1 '^FAIL: ' "$OUTDIR/$name.out")
	last=$(tail -n 1 "$OUTDIR/$name.out")
	case "$expect" in
	pass)
		if [ "$rc" = 0 ] && [ -z "$failline" ] && echo "$last" | grep -qE '^[1-9][0-9]* passed, 0 failed'; then
			echo "ok - $name: passes ($last)"
			return 0
		fi
		echo "not ok - $name: expected a clean pass, got rc=$rc ${failline:-$last}"
		;;
	exit=*)
		if [ "$rc" = "${expect#exit=}" ] && [ -z "$failline" ]; then
			echo "ok - $name: exit status $rc passed through"
			return 0
		fi
		echo "not ok - $name: expected exit ${expect#exit=}, got rc=$rc ${failline}"
		;;
	*)
		if [ "$rc" != 0 ] && [ "$rc" != "?" ] && echo "$failline" | grep -qE -- "$expect" &&
			[ "$(grep -c '^FAIL: ' "$OUTDIR/$name.out")" = 1 ]; then
			echo "ok - $name: detected ($failline)"
			return 0
		fi
		echo "not ok - $name: expected rc!=0 and one line matching /$expect/, got rc=$rc: ${failline:-no FAIL line}"
		;;
	esac
	echo "# output: $OUTDIR/$name.out"
	return 1
}

echo "TAP version 13"
echo "1..${#CASES[@]}"
T0=$(date +%s)

# The hung guest mostly waits: run it alongside the others.
bg_pid=""
for c in "${CASES[@]}"; do
	IFS='%' read -r name expect envs args <<<"$c"
	if [ "$name" = hung-guest ]; then
		run_case "$name" "$envs" "$args" &
		bg_pid=$!
	fi
done

passed=0
failed=0
for c in "${CASES[@]}"; do
	IFS='%' read -r name expect envs args <<<"$c"
	if [ "$name" = hung-guest ]; then
		continue
	fi
	run_case "$name" "$envs" "$args"
	if judge "$name" "$expect"; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
done
if [ -n "$bg_pid" ]; then
	wait "$bg_pid"
	for c in "${CASES[@]}"; do
		IFS='%' read -r name expect envs args <<<"$c"
		[ "$name" = hung-guest ] || continue
		if judge "$name" "$expect"; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
	done
fi

echo "# rig-selftest: $(($(date +%s) - T0)) s; outputs in ${OUTDIR#"$ROOT"/}/"
if [ "$failed" != 0 ]; then
	echo "FAIL: the rig missed $failed of ${#CASES[@]} cases"
fi
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
