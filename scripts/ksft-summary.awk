# SPDX-License-Identifier: GPL-2.0
#
# ksft-summary.awk: the last line of `make ksft-run`, from the output of
# the kernel's kselftest runner (run_kselftest.sh, through vm.sh run).
# POSIX awk. Counts individual test cases, as the rig does: the harness's
# own results, one level down ("# ok 3 tr.cycle", prefixed "# " by the
# runner); "# SKIP" counts as skipped, "# XFAIL" as passed. A program whose
# runner line is "not ok" (crash, timeout, bad exit) with no failed case,
# or that printed fewer results than its plan, counts its missing cases as
# failed (at least one); one without a plan counts as one case by its
# runner line. Programs the runner announced (1..N) but never finished,
# and a rig failure (a FAIL: line from vm.sh: kernel report, counters not
# zero, rmmod, taint) or a non-zero vm_rc (vm.sh's exit status, -v) without
# one, count as one failure each.
# Prints the problems as "# ksft: ..." lines, then "N passed, N failed"
# (", N skipped" when any); exits 1 if anything failed.

function flush_prog(ok_line,   missing) {
	if (prog == "")
		return
	missing = plan - (cp + cf + cs)
	if (plan < 0) {
		# no KTAP from the program: one case, by the runner's verdict
		if (ok_line ~ /# SKIP/) skipped++
		else if (ok_line ~ /^ok /) passed++
		else { failed++; problem("no results from " prog ": " ok_line) }
	} else {
		passed += cp; failed += cf; skipped += cs
		if (missing > 0) {
			failed += missing
			problem(prog ": " missing " of " plan " results missing")
		} else if (ok_line ~ /^not ok / && cf == 0) {
			failed++
			problem(ok_line)
		}
	}
	done_progs++
	prog = ""
}

function problem(s) {
	problems[++nproblems] = s
}

BEGIN { top_plan = -1; prog = "" }
{ sub(/\r$/, "") }

# The runner's own lines.
/^1\.\.[0-9]+$/ && top_plan < 0 { top_plan = substr($0, 4) + 0; next }
/^# selftests: / {
	prog = $0
	sub(/^# selftests: /, "", prog)
	plan = -1; cp = cf = cs = 0
	next
}
/^(not )?ok [0-9]+ selftests: / { flush_prog($0); next }

# One level down: the program's KTAP.
prog != "" && /^# 1\.\.[0-9]+/ {
	plan = $2
	sub(/^1\.\./, "", plan)
	plan += 0
	if ($0 ~ /# SKIP/ && plan == 0) { cs++; plan = 1 }
	next
}
prog != "" && /^# ok [0-9]+/ {
	if ($0 ~ /# SKIP/) cs++
	else cp++
	next
}
prog != "" && /^# not ok [0-9]+/ {
	if ($0 ~ /# XFAIL/) cp++
	else if ($0 ~ /# SKIP/) cs++
	else { cf++; problem(prog ": " substr($0, 3)) }
	next
}

/^FAIL: / { rigfail = $0 }

END {
	if (prog != "")
		flush_prog("not ok (did not finish)")
	if (top_plan < 0) {
		failed++
		problem("no KTAP from the kselftest runner")
	} else if (done_progs < top_plan) {
		failed += top_plan - done_progs
		problem((top_plan - done_progs) " of " top_plan " programs did not run")
	}
	if (rigfail != "") {
		failed++
		problem("the rig: " rigfail)
	} else if (vm_rc != "" && vm_rc != 0) {
		failed++
		problem("vm.sh exited with " vm_rc)
	}
	for (i = 1; i <= nproblems; i++)
		print "# ksft: " problems[i]
	printf "%d passed, %d failed", passed, failed
	if (skipped)
		printf ", %d skipped", skipped
	printf "\n"
	exit failed > 0
}
