# SPDX-License-Identifier: GPL-2.0
#
# Verdict of one VM run (called by scripts/vm.sh; POSIX awk, mawk is enough).
# Input files: 1. the kernel console (serial.txt), 2. the rig channel
# (out.txt: "@@RIG: ..." markers from the guest's /init around the programs'
# output). Variables: mode (check|run), tests (program names in order),
# qemu_rc, elapsed, serial (log path), accel, kernel, vm_timeout,
# prog_timeout.
# check: prints TAP (each program's lines indented, then ok/not ok for the
# program), then at most one "FAIL: <reason>", then "N passed, N failed" last.
# run: prints nothing of the program (vm.sh showed it live) but the verdict.
# Exit status: check 0/1; run the program's status, or 1 if the rig failed.

function strip_ts(s) {
	sub(/^\[ *[0-9]+\.[0-9]+\] /, "", s)
	sub(/^<[0-9]>\[ *[0-9]+\.[0-9]+\] /, "", s)
	return s
}

# kernel_report: category of a kernel console line that means trouble, or "".
function kernel_report(l) {
	if (l ~ /possible circular locking|possible recursive locking|inconsistent lock state|suspicious RCU usage|possible irq lock inversion|bad unlock balance|held lock freed|lock held when returning to user|possible deadlock/)
		return "lockdep"
	if (l ~ /KASAN/) return "KASAN"
	if (l ~ /KFENCE/) return "KFENCE"
	if (l ~ /UBSAN/) return "UBSAN"
	# Not kmemleak's boot line ("Kernel memory leak detector initialized").
	if (l ~ /suspected memory leak|unreferenced object 0x|kmemleak: (Cannot|Memory pool empty|Kernel memory leak detector disabled)/)
		return "kmemleak"
	if (l ~ /list_add corruption|list_del corruption|list_add_rcu corruption/)
		return "list corruption"
	if (l ~ /(^|[^A-Za-z_])BUG [^ ]+ \((Not tainted|Tainted)/ || l ~ /Redzone overwritten|Poison overwritten|Padding overwritten|Freepointer corrupt|Object already free|[Ss]lab corruption/)
		return "slab corruption"
	if (l ~ /soft lockup/) return "soft lockup"
	if (l ~ /hard LOCKUP/) return "hard lockup"
	if (l ~ /blocked for more than/) return "hung task"
	if (l ~ /detected stalls? on CPU|self-detected stall/) return "RCU stall"
	if (l ~ /general protection fault/) return "general protection fault"
	if (l ~ /(^|[^A-Za-z_])BUG: |kernel BUG at/) return "BUG"
	if (l ~ /(^|[^A-Za-z_])WARNING: /) return "WARNING"
	if (l ~ /(^|[^A-Za-z_])Oops[:\-] |Oops#/) return "Oops"
	if (l ~ /Kernel panic/) return "Kernel panic"
	return ""
}

function note_kernel(l, where,   c) {
	c = kernel_report(l)
	if (c == "")
		return
	nreports++
	if (krep_cat == "") {
		krep_cat = c
		krep_line = strip_ts(l)
		krep_where = where
		ctx_left = 40
	}
}

function taint_letters(t,   s, i, letters) {
	letters = "PFSRMBUDAWCIOELKXTN"
	s = ""
	for (i = 0; i < 19; i++)
		if (int(t / (2 ^ i)) % 2)
			s = s substr(letters, i + 1, 1)
	return s
}

function fail_reason(r) {
	if (reason == "")
		reason = r
	else
		also[++nalso] = r
}

# finish_prog: close the program being parsed; rc < 0: it never ended.
function finish_prog(rc, timedout,   cases_fail, why, d) {
	k++
	ran[cur] = 1
	cases_fail = p_fail
	why = ""
	if (p_plan >= 0 && p_plan > p_pass + p_fail + p_skip) {
		cases_fail += p_plan - (p_pass + p_fail + p_skip)
		why = why sprintf(" %d of %d planned results missing;", p_plan - (p_pass + p_fail + p_skip), p_plan)
	}
	if (rc < 0)
		why = why " did not finish (the VM ended during it);"
	else if (timedout)
		why = why sprintf(" timed out after %s s;", prog_timeout)
	else if (rc >= 128)
		why = why sprintf(" killed by signal %d;", rc - 128)
	else if (rc != 0 && rc != 4 && p_fail == 0 && cases_fail == 0)
		why = why sprintf(" exited with status %d;", rc)
	if (p_plan < 0 && p_pass + p_fail + p_skip == 0 && why == "") {
		if (rc == 4) p_skip = 1
		else if (rc == 0) p_pass = 1
		else why = why sprintf(" exited with status %d and printed no TAP;", rc)
	}
	if (why != "" && cases_fail == 0)
		cases_fail = 1
	if (p_fail > 0)
		why = sprintf(" %d failed;", p_fail) why
	npass += p_pass
	nfail += cases_fail
	nskip += p_skip
	sub(/;$/, "", why)
	if (cases_fail > 0) {
		d = "not ok " k " selftests: " cur " #" why
		failed_progs = failed_progs (failed_progs == "" ? "" : ", ") cur
	} else if (p_pass == 0 && p_skip > 0)
		d = "ok " k " selftests: " cur " # SKIP"
	else
		d = "ok " k " selftests: " cur
	if (mode == "check")
		print d
	cur = ""
}

BEGIN {
	ntests = split(tests, testlist, " ")
	nfail = npass = nskip = 0
	k = 0
	cur = ""
	taint_end = -1
	taint_boot = -1
	prog_rc = -1
	if (mode == "check") {
		print "TAP version 13"
		print "1.." ntests
	}
}

# ---- file 1: the kernel console --------------------------------------------
FILENAME == ARGV[1] {
	note_kernel($0, "console")
	if (ctx_left > 0) {
		ctx[++nctx] = $0
		ctx_left--
	}
	next
}

# ---- file 2: the rig channel ---------------------------------------------------
/^@@RIG: / {
	split($0, f, " ")
	m = f[2]
	if (m == "boot") booted = 1
	else if (m == "taint-boot") taint_boot = f[3] + 0
	else if (m == "taint-end") taint_end = f[3] + 0
	else if (m == "insmod-ok") insmod_ok = 1
	else if (m == "insmod-fail") insmod_fail = f[3] " (" f[4] ")"
	else if (m == "dev-ok") dev_ok = 1
	else if (m == "dev-missing") dev_missing = 1
	else if (m == "stats-missing") stats_missing = 1
	else if (m == "stat") {
		nstats++
		if (f[4] != "0")
			stats_bad = stats_bad (stats_bad == "" ? "" : ", ") f[3] "=" f[4]
	}
	else if (m == "rmmod-ok") rmmod_ok = 1
	else if (m == "rmmod-fail") rmmod_fail = rmmod_fail " " f[3] " (" f[4] ")"
	else if (m == "post") post_rc = f[3]
	else if (m == "dmesg-begin") in_dmesg = 1
	else if (m == "dmesg-end") in_dmesg = 0
	else if (m == "done") done = 1
	else if (m == "exec") started = 1
	else if (m == "exit") prog_rc = f[3] + 0
	else if (m == "begin") {
		cur = f[3]
		p_plan = -1
		p_pass = p_fail = p_skip = 0
		if (mode == "check")
			print "# selftests: " cur
	} else if (m == "end") {
		rc = f[4]; sub(/^rc=/, "", rc)
		to = f[5]; sub(/^timeout=/, "", to)
		st = f[6]; sub(/^start=/, "", st)
		sp = f[7]; sub(/^stop=/, "", sp)
		if (mode == "check" && st != "" && sp != "")
			printf "# %s: %.1f s in the guest\n", cur, sp - st
		finish_prog(rc + 0, to == "1")
	}
	next
}

in_dmesg {
	note_kernel($0, "dmesg")
	if (ctx_left > 0) {
		ctx[++nctx] = $0
		ctx_left--
	}
	next
}

cur != "" {
	line = $0
	if (mode == "check" && line != "")
		print "    " line
	if (line ~ /^1\.\.[0-9]+/) {
		p_plan = substr(line, 4) + 0
	} else if (line ~ /^ok [0-9]+/) {
		if (tolower(line) ~ /# *skip/) p_skip++
		else p_pass++
	} else if (line ~ /^not ok [0-9]+/) {
		p_fail++
	}
	next
}

END {
	if (cur != "")
		finish_prog(-1, 0)
	# programs that never started
	for (i = 1; i <= ntests; i++) {
		if (!(testlist[i] in ran)) {
			k++
			nfail++
			if (mode == "check")
				print "not ok " k " selftests: " testlist[i] " # did not run"
			notrun = notrun (notrun == "" ? "" : ", ") testlist[i]
		}
	}

	if (krep_cat != "")
		fail_reason("kernel report [" krep_cat "] " krep_line)
	if (!booted) {
		if (qemu_rc == 124 || qemu_rc == 137)
			fail_reason("the VM did not boot within VM_TIMEOUT=" vm_timeout " s")
		else
			fail_reason("the VM did not boot (QEMU exit status " qemu_rc ", see qemu.out next to the log)")
	} else if (!done) {
		if (qemu_rc == 124 || qemu_rc == 137)
			fail_reason("the VM did not finish within VM_TIMEOUT=" vm_timeout " s (hung guest?" \
				(cur != "" ? " while running " cur : (insmod_ok ? "" : " in insmod")) ")")
		else
			fail_reason("the VM stopped before the end marker (QEMU exit status " qemu_rc ")")
	}
	if (insmod_fail != "")
		fail_reason("insmod " insmod_fail " failed")
	else if (insmod_ok && dev_missing)
		fail_reason("/dev/magenta missing after insmod")
	if (mode == "check" && nfail > 0 && booted && insmod_ok)
		fail_reason(nfail " test case(s) failed or did not run: " \
			failed_progs (failed_progs != "" && notrun != "" ? ", " : "") notrun)
	if (rmmod_fail != "")
		fail_reason("rmmod failed:" rmmod_fail)
	if (post_rc != "" && post_rc != "rc=0")
		fail_reason("the check after rmmod failed (" post_rc ")")
	if (stats_missing)
		fail_reason("no /sys/class/misc/magenta/stats/ directory")
	if (stats_bad != "")
		fail_reason("stats counters not zero at the end: " stats_bad)
	if (taint_end >= 0) {
		bad = taint_end % 4096 + int(taint_end / 16384) * 16384
		if (bad != 0)
			fail_reason("kernel tainted " taint_end " (" taint_letters(taint_end) \
				"; only O and E are expected)")
	}

	if (mode == "check") {
		printf "# VM: %s s, %s, %s\n", elapsed, accel, kernel
	} else {
		printf "vm: %s s, %s, %s\n", elapsed, accel, kernel > "/dev/stderr"
		if (started && prog_rc >= 0 && prog_rc != 0)
			printf "vm: the program exited with status %d\n", prog_rc > "/dev/stderr"
	}
	if (reason != "") {
		if (krep_cat != "" && nctx > 0) {
			print "# --- kernel report (" krep_where ") ---"
			for (i = 1; i <= nctx; i++)
				print "# " ctx[i]
			print "# ---"
		}
		for (i = 1; i <= nalso; i++)
			print "# also: " also[i]
		print "# serial log: " serial
		print "FAIL: " reason
	}
	if (mode == "check") {
		s = npass " passed, " nfail " failed"
		if (nskip > 0)
			s = s ", " nskip " skipped"
		print s
		exit(reason != "" ? 1 : 0)
	}
	if (reason != "")
		exit(prog_rc > 0 ? prog_rc : 1)
	exit(prog_rc < 0 ? 1 : prog_rc)
}
