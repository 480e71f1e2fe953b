# SPDX-License-Identifier: GPL-2.0
#
# The KCSAN kernel (included by the top-level Makefile after scripts/debug.mk;
# see docs/debug-kernel.md).
#
#   make kcsan-kernel    build (once per machine, cached outside the repo like
#                        the debug kernel) a KCSAN kernel: scripts/debug-kernel.sh
#                        with scripts/kcsan-kernel.config, variant kcsan
#   make kcsan-module    the module built against it, in $(BUILD)/kcsan/kmod
#   make check-kcsan     KCSAN on, every selftest, then stress, in one VM on it;
#                        any KCSAN report (or other kernel report) fails, and
#                        every KCSAN report is printed before the summary line
#
# Knobs: as for make check (VM_TIMEOUT, PROG_TIMEOUT, VM_ACCEL, VM_APPEND, ...),
# with check-debug's larger defaults; STRESS_SECONDS, STRESS_SEED and
# STRESS_ARGS as for make stress (scripts/hardening.mk); KCSAN_VM_APPEND, the
# kernel command line this run adds, and KCSAN_IGNORE, the core-kernel
# functions whose races are not reported (see below).

KCSAN_BUILD := $(BUILD)/kcsan
KCSAN_KO    := $(KCSAN_BUILD)/kmod/magenta.ko
KCSAN_GUEST := $(KCSAN_BUILD)/guest
KCSAN_VMDIR := $(KCSAN_BUILD)/vm

# KCSAN reports with check_panic_on_warn(): under the rig's panic_on_warn=1
# the first data race would end the VM, so the run would show one race at a
# time. The kernel command line takes the last value: with panic_on_warn=0
# the suite goes on, the rig still fails on every BUG/WARNING line, and all
# the races of one run are seen (each distinct one once:
# CONFIG_KCSAN_REPORT_ONCE_IN_MS). kcsan.early_enable=0: KCSAN starts off
# and the first guest program (kcsan_setup) turns it on once KCSAN_IGNORE is
# in place, so boot and insmod are not watched. kcsan.interrupt_watcher=0
# (KCSAN_STRICT turns it on): it reports races between a task and an
# interrupt on its own CPU; the module has no interrupt-context code but
# RCU callbacks that free what no task can reach any more, and the core
# kernel has such races by design (seen here: hrtimer_wakeup() clearing
# the sleeper's task under schedule_hrtimeout_range_clock(), reached from
# every timed wait).
KCSAN_VM_APPEND ?= panic_on_warn=0 kcsan.early_enable=0 kcsan.interrupt_watcher=0

# Known races of the core kernel, not reported: KCSAN skips a report when
# the innermost function of either access is listed, so a function belongs
# here only if the module can never be that innermost frame. Both are
# strict-mode reports of lockless reads that the kernel does on purpose,
# against plain writes (which non-strict KCSAN assumes atomic), seen in
# runs of check-kcsan with no module code on either stack:
#  __synchronize_hardirq: polls IRQD_IRQ_INPROGRESS without the descriptor
#    lock against handle_irq_event() ("might give the wrong answer due to
#    the lack of memory barriers", then re-checks under the lock); reached
#    when /init closes the second serial port, which it reopens for every
#    marker, while the port's interrupt runs on the other CPU.
#  hrtimer_active: reads cpu_base->running inside a seqcount retry loop
#    against __hrtimer_run_queues() on another CPU (scheduler tick).
KCSAN_IGNORE ?= __synchronize_hardirq hrtimer_active

.PHONY: kcsan-kernel kcsan-module kcsan-guest-scripts check-kcsan

# debug.mk's snippets (DEBUG_KERNEL_CMD, DEBUG_ENV_CMD, DEBUG_MODULE_CMD),
# pointed at the KCSAN kernel and at $(KCSAN_BUILD), in these targets' own
# recipes only (private: not in their prerequisites).
KCSAN_TARGETS := kcsan-kernel kcsan-module check-kcsan
$(KCSAN_TARGETS): private DEBUG_KERNEL_SH := \
	DEBUG_KERNEL_FRAGMENT=$(CURDIR)/scripts/kcsan-kernel.config \
	DEBUG_KERNEL_VARIANT=kcsan $(CURDIR)/scripts/debug-kernel.sh
$(KCSAN_TARGETS): private DEBUG_KERNEL_NAME := kcsan
$(KCSAN_TARGETS): private DEBUG_BUILD := $(KCSAN_BUILD)

kcsan-kernel:
	@$(DEBUG_KERNEL_CMD)

kcsan-module:
	@$(DEBUG_KERNEL_CMD)
	@$(DEBUG_MODULE_CMD)

# Three guest programs (busybox sh, TAP) around the selftests: first
# `kcsan_setup` gives KCSAN the KCSAN_IGNORE list and turns it on; after the
# selftests `stress` runs mxstress (copied into the guest's /work) as make
# stress does, one test case by its exit status; last `kcsan_stats` prints
# KCSAN's debugfs counters (watchpoints set up, races seen) and fails if
# KCSAN is not on, so a run on a kernel without KCSAN cannot pass as clean.
define KCSAN_SETUP
#!/bin/sh
# KCSAN on, minus KCSAN_IGNORE (scripts/kcsan.mk)
f=/sys/kernel/debug/kcsan
echo "TAP version 13"
echo "1..1"
if [ ! -w $$f ]; then echo "not ok 1 kcsan_setup: no $$f (not a KCSAN kernel?)"; exit 1; fi
for fn in $(KCSAN_IGNORE); do
	if ! echo "!$$fn" >$$f; then echo "not ok 1 kcsan_setup: cannot ignore $$fn"; exit 1; fi
	echo "# not reported: races in $$fn"
done
echo on >$$f
if ! grep -q '^enabled: 1' $$f; then echo "not ok 1 kcsan_setup: KCSAN did not turn on"; exit 1; fi
echo "ok 1 kcsan_setup"
endef

define KCSAN_STRESS
#!/bin/sh
# make stress, as one TAP test case (scripts/kcsan.mk)
echo "TAP version 13"
echo "1..1"
/work/mxstress -d $(STRESS_SECONDS) $(if $(STRESS_SEED),-s $(STRESS_SEED)) $(STRESS_ARGS) >/tmp/mxstress.out 2>&1
rc=$$?
sed 's/^/# /' /tmp/mxstress.out
if [ $$rc != 0 ]; then
	echo "not ok 1 stress: mxstress exited with status $$rc"
	exit 1
fi
echo "ok 1 stress"
endef

define KCSAN_STATS
#!/bin/sh
# KCSAN's counters; fails if KCSAN is absent or off (scripts/kcsan.mk)
f=/sys/kernel/debug/kcsan
echo "TAP version 13"
echo "1..1"
if [ ! -r $$f ]; then echo "not ok 1 kcsan_stats: no $$f (not a KCSAN kernel?)"; exit 1; fi
sed 's/^/# /' $$f
for p in /sys/module/kcsan/parameters/*; do echo "# kcsan.$${p##*/}=$$(cat $$p)"; done
if ! grep -q '^enabled: 1' $$f; then echo "not ok 1 kcsan_stats: KCSAN is not enabled"; exit 1; fi
echo "ok 1 kcsan_stats"
endef
export KCSAN_SETUP KCSAN_STRESS KCSAN_STATS

KCSAN_GUEST_CMD = mkdir -p $(KCSAN_GUEST) && \
	printf '%s\n' "$$KCSAN_SETUP" >$(KCSAN_GUEST)/kcsan_setup && \
	printf '%s\n' "$$KCSAN_STRESS" >$(KCSAN_GUEST)/stress && \
	printf '%s\n' "$$KCSAN_STATS" >$(KCSAN_GUEST)/kcsan_stats && \
	chmod 755 $(KCSAN_GUEST)/kcsan_setup $(KCSAN_GUEST)/stress $(KCSAN_GUEST)/kcsan_stats

kcsan-guest-scripts:
	@$(KCSAN_GUEST_CMD)

# Every KCSAN report on the guest's console (serial.txt), whole, each line
# prefixed with "# ": the rig's verdict shows only the first kernel report.
# A report runs from its "BUG: KCSAN:" line to the next line of "="s.
define KCSAN_REPORTS_AWK
{ sub(/^\[ *[0-9]+\.[0-9]+\] /, "") }
/BUG: KCSAN:/ { n++; inrep = 1; print "# ---- KCSAN report " n " ----" }
inrep { print "# " $$0 }
inrep && /^=+$$/ { inrep = 0 }
END {
	if (n)
		print "# " n " KCSAN report(s) on the console"
	else
		print "# no KCSAN report on the console"
}
endef
export KCSAN_REPORTS_AWK

# deps first (the packages, the source tarball); the VM then boots the KCSAN
# kernel with the module built for it: KCSAN on, the suite, stress, KCSAN's
# counters.
# vm.sh's output is held back so that the KCSAN reports can be printed
# before its last line, the summary.
check-kcsan: deps stress-build
	@t0=$$(date +%s); $(DEBUG_KERNEL_CMD); \
	echo "check-kcsan: KCSAN kernel ready in $$(($$(date +%s) - t0)) s"
	@$(MAKE) --no-print-directory libmx selftests || { echo "FAIL: the build failed"; exit 1; }
	@$(DEBUG_MODULE_CMD) || { echo "FAIL: the module does not build against the KCSAN kernel"; exit 1; }
	@$(KCSAN_GUEST_CMD)
	@progs=$$($(MAKE) -s --no-print-directory print-selftests) || exit 1; \
	test -n "$$progs" || { echo "FAIL: no selftest programs"; exit 1; }; \
	$(DEBUG_ENV_CMD); \
	mkdir -p $(KCSAN_VMDIR); rm -f $(KCSAN_VMDIR)/serial.txt; \
	VM_KERNEL=$$BZIMAGE VM_KVER=$$KVER \
	VM_TIMEOUT=$${VM_TIMEOUT:-3600} PROG_TIMEOUT=$${PROG_TIMEOUT:-1200} \
	VM_APPEND="$(strip $(KCSAN_VM_APPEND) $(VM_APPEND))" \
	$(VM) check --dir $(KCSAN_VMDIR) --ko $(KCSAN_KO) \
		--file $(CURDIR)/stress/mxstress:mxstress \
		$(KCSAN_GUEST)/kcsan_setup $$progs $(KCSAN_GUEST)/stress \
		$(KCSAN_GUEST)/kcsan_stats \
		>$(KCSAN_VMDIR)/report.txt; \
	rc=$$?; \
	sed '$$d' $(KCSAN_VMDIR)/report.txt; \
	if [ -r $(KCSAN_VMDIR)/serial.txt ]; then awk "$$KCSAN_REPORTS_AWK" $(KCSAN_VMDIR)/serial.txt; fi; \
	tail -n 1 $(KCSAN_VMDIR)/report.txt; \
	exit $$rc
