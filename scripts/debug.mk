# SPDX-License-Identifier: GPL-2.0
#
# The debug kernel (included by the top-level Makefile; see docs/debug-kernel.md).
#
#   make debug-kernel    build (once per machine, cached outside the repo) the
#                        KASAN + lockdep + kmemleak + UBSAN + fault-injection
#                        kernel (scripts/debug-kernel.sh)
#   make debug-module    the module built against it, in $(BUILD)/debug/kmod
#   make check-debug     the whole selftest suite on it, in the VM, with a
#                        kmemleak scan at the end; any kernel report fails
#   make stress-debug, make fuzz-debug
#                        make stress and make fuzz on it
#   make fuzz-stateful-debug
#                        make fuzz-stateful on it, guided by the coverage of
#                        the module (KCOV); ends with "kmod coverage: N of M
#                        sites (P%)" (SFUZZ_DEBUG_SECONDS, default 180)
#
# Knobs: as for make check (VM_TIMEOUT, PROG_TIMEOUT, VM_ACCEL, VM_MEM, ...);
# the defaults here are larger (the debug kernel is several times slower).

DEBUG_KERNEL_SH := $(CURDIR)/scripts/debug-kernel.sh
DEBUG_BUILD     := $(BUILD)/debug
DEBUG_KO        := $(DEBUG_BUILD)/kmod/magenta.ko
DEBUG_GUEST     := $(DEBUG_BUILD)/guest

.PHONY: debug-kernel debug-module debug-guest-scripts check-debug \
	stress-debug fuzz-debug fuzz-stateful-debug

# Shell snippets shared by the targets below (no sub-make: this file is also
# usable as `make -f Makefile -f scripts/debug.mk`). scripts/kcsan.mk reuses
# them with its own DEBUG_KERNEL_SH, DEBUG_KERNEL_NAME and DEBUG_BUILD.
DEBUG_KERNEL_NAME := debug
DEBUG_KERNEL_CMD = $(DEBUG_KERNEL_SH) >/dev/null || \
	{ echo "FAIL: the $(DEBUG_KERNEL_NAME) kernel build failed"; exit 1; }
# Source the built kernel's kernel.env (KVER, VMLINUX, BZIMAGE, KDIR, ...).
DEBUG_ENV_CMD = envf=$$($(DEBUG_KERNEL_SH) --env) || \
	{ echo "FAIL: no $(DEBUG_KERNEL_NAME) kernel (make $(DEBUG_KERNEL_NAME)-kernel)"; exit 1; }; . "$$envf"

# The module, out of tree, from a copy of kmod/ and uapi/ (as KERNEL= does in
# scripts/kernels.mk), against the debug kernel's O= tree.
DEBUG_MODULE_CMD = $(DEBUG_ENV_CMD); set -e; \
	mkdir -p $(DEBUG_BUILD)/kmod $(DEBUG_BUILD)/uapi/linux; \
	cp -p kmod/Kbuild kmod/*.c kmod/*.h $(DEBUG_BUILD)/kmod/; \
	rm -f $(DEBUG_BUILD)/kmod/*.mod.c; \
	cp -p uapi/linux/*.h $(DEBUG_BUILD)/uapi/linux/; \
	echo 'obj-m += kmod/' >$(DEBUG_BUILD)/Kbuild; \
	$(MAKE) --no-print-directory -C "$$KDIR" M=$(DEBUG_BUILD) modules

debug-kernel:
	@$(DEBUG_KERNEL_CMD)

debug-module:
	@$(DEBUG_KERNEL_CMD)
	@$(DEBUG_MODULE_CMD)

# Two guest programs around the suite (plain busybox sh scripts printing
# TAP): the first turns kmemleak's automatic scans off, so that scanning
# happens only at the end; the last waits until every object is older than
# kmemleak's 5 s grace, scans twice and fails on any unreferenced object,
# printing /sys/kernel/debug/kmemleak. Nothing is cleared first: the boot of
# this kernel leaks nothing, so any leak, from insmod on, fails the run.
define KMEMLEAK_SETUP
#!/bin/sh
f=/sys/kernel/debug/kmemleak
echo "TAP version 13"
echo "1..1"
if [ ! -w $$f ]; then echo "ok 1 kmemleak_setup # SKIP no $$f"; exit 0; fi
echo scan=off >$$f
echo "ok 1 kmemleak_setup"
endef

define KMEMLEAK_SCAN
#!/bin/sh
# kmemleak: any leak after the suite fails the run
f=/sys/kernel/debug/kmemleak
echo "TAP version 13"
echo "1..1"
if [ ! -w $$f ]; then echo "ok 1 kmemleak_scan # SKIP no $$f"; exit 0; fi
sleep 6
echo scan >$$f
sleep 1
echo scan >$$f
leaks=$$(cat $$f)
if [ -n "$$leaks" ]; then
	echo "$$leaks" | sed 's/^/# /'
	echo "not ok 1 kmemleak_scan: $$(echo "$$leaks" | grep -c '^unreferenced object') leaked object(s)"
	exit 1
fi
echo "ok 1 kmemleak_scan"
endef
export KMEMLEAK_SETUP KMEMLEAK_SCAN

DEBUG_GUEST_CMD = mkdir -p $(DEBUG_GUEST) && \
	printf '%s\n' "$$KMEMLEAK_SETUP" >$(DEBUG_GUEST)/kmemleak_setup && \
	printf '%s\n' "$$KMEMLEAK_SCAN" >$(DEBUG_GUEST)/kmemleak_scan && \
	chmod 755 $(DEBUG_GUEST)/kmemleak_setup $(DEBUG_GUEST)/kmemleak_scan

debug-guest-scripts:
	@$(DEBUG_GUEST_CMD)

# deps first (the packages, the source tarball); the VM then boots the debug
# kernel with the module built for it, the suite framed by the kmemleak steps.
check-debug: deps
	@t0=$$(date +%s); $(DEBUG_KERNEL_CMD); \
	echo "check-debug: debug kernel ready in $$(($$(date +%s) - t0)) s"
	@$(MAKE) --no-print-directory libmx selftests || { echo "FAIL: the build failed"; exit 1; }
	@$(DEBUG_MODULE_CMD) || { echo "FAIL: the module does not build against the debug kernel"; exit 1; }
	@$(DEBUG_GUEST_CMD)
	@progs=$$($(MAKE) -s --no-print-directory print-selftests) || exit 1; \
	test -n "$$progs" || { echo "FAIL: no selftest programs"; exit 1; }; \
	$(DEBUG_ENV_CMD); \
	VM_KERNEL=$$BZIMAGE VM_KVER=$$KVER \
	VM_MEM=$${VM_MEM:-2G} VM_TIMEOUT=$${VM_TIMEOUT:-3600} PROG_TIMEOUT=$${PROG_TIMEOUT:-1200} \
	$(VM) check --dir $(DEBUG_BUILD)/vm --ko $(DEBUG_KO) \
		--post $(DEBUG_GUEST)/kmemleak_scan \
		$(DEBUG_GUEST)/kmemleak_setup $$progs $(DEBUG_GUEST)/kmemleak_scan

# make stress and make fuzz (scripts/hardening.mk), on the debug kernel.
# Its checks make every call several times slower, so fuzzing does fewer
# calls by default (FUZZ_DEBUG_CALLS); the duration of stress is the same.
FUZZ_DEBUG_CALLS ?= 1000000

# $(1): the program and its arguments; $(2): the VM work directory.
define debug_run
	@$(DEBUG_KERNEL_CMD)
	@$(DEBUG_MODULE_CMD) || { echo "FAIL: the module does not build against the debug kernel"; exit 1; }
	@$(DEBUG_ENV_CMD); \
	VM_KERNEL=$$BZIMAGE VM_KVER=$$KVER VM_MEM=$${VM_MEM:-2G} \
	VM_TIMEOUT=$${VM_TIMEOUT:-1800} \
	$(VM) run --dir $(2) --ko $(DEBUG_KO) $(1)
endef

stress-debug: deps stress-build
	$(call debug_run,stress/mxstress -d $(STRESS_SECONDS) \
		$(if $(STRESS_SEED),-s $(STRESS_SEED)) $(STRESS_ARGS),$(DEBUG_BUILD)/vm-stress)

fuzz-debug: deps fuzz-build
	$(call debug_run,fuzz/mxfuzz -n $(FUZZ_DEBUG_CALLS) \
		$(if $(FUZZ_SEED),-s $(FUZZ_SEED)) $(FUZZ_ARGS),$(DEBUG_BUILD)/vm-fuzz)

# make fuzz-stateful (scripts/hardening.mk) on the debug kernel, with
# coverage: kmod/Kbuild asks for KCOV instrumentation of the module, which
# only a kernel with CONFIG_KCOV (this one) honours. mxsfuzz gets the list of
# the module's coverage sites, every call of __sanitizer_cov_trace_pc in the
# .text of the magenta.ko it runs against: "site OFFSET FUNCTION", OFFSET
# that of the call's return address (the PC that KCOV records) from the
# start of .text. A tail jump to it ("tail ...") records the caller's return
# address instead, so it cannot be told apart; the calls in other sections
# (init, exit, constructors, .text.unlikely's WARN paths) are only counted
# ("other N"). mawk has no strtonum(), hence hex().
SFUZZ_DEBUG_SECONDS ?= 180
SFUZZ_SITES := $(DEBUG_BUILD)/kcov-sites
SFUZZ_SITES_CMD = set -e; \
	all=$$(objdump -dr $(DEBUG_KO) | grep -c 'R_X86_64_PLT32[[:space:]]*__sanitizer_cov_trace_pc-0x4' || true); \
	{ objdump -h $(DEBUG_KO) | awk '$$2 == ".text" { print "text_size " $$3 }'; \
	  objdump -dr -j .text $(DEBUG_KO) | awk ' \
		function hex(s,   i, v) { v = 0; s = tolower(s); \
			for (i = 1; i <= length(s); i++) \
				v = v * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1; \
			return v } \
		/^[0-9a-f]+ <[^>]+>:$$/ { fn = $$2; gsub(/[<>:]/, "", fn); next } \
		/^ *[0-9a-f]+:\t/ { jmp = $$0 ~ /\tjmp /; next } \
		$$2 == "R_X86_64_PLT32" && $$3 == "__sanitizer_cov_trace_pc-0x4" { \
			off = $$1; sub(/:$$/, "", off); \
			printf "%s %x %s\n", jmp ? "tail" : "site", hex(off) + 4, fn }'; \
	} >$(SFUZZ_SITES).tmp; \
	n=$$(grep -c '^site ' $(SFUZZ_SITES).tmp || true); \
	t=$$(grep -c '^tail ' $(SFUZZ_SITES).tmp || true); \
	echo "other $$((all - n - t))" >>$(SFUZZ_SITES).tmp; \
	mv $(SFUZZ_SITES).tmp $(SFUZZ_SITES); \
	if [ "$$n" -eq 0 ]; then \
		echo "FAIL: $(DEBUG_KO) has no __sanitizer_cov_trace_pc calls: not built with KCOV_INSTRUMENT := y (kmod/Kbuild)"; \
		exit 1; \
	fi; \
	echo "fuzz-stateful-debug: $$n coverage sites in the module's .text, $$t tail jumps, $$((all - n - t)) in other sections"

fuzz-stateful-debug: deps sfuzz-build
	@$(DEBUG_KERNEL_CMD)
	@$(DEBUG_MODULE_CMD) || { echo "FAIL: the module does not build against the debug kernel"; exit 1; }
	@$(SFUZZ_SITES_CMD)
	@$(DEBUG_ENV_CMD); \
	VM_KERNEL=$$BZIMAGE VM_KVER=$$KVER VM_MEM=$${VM_MEM:-2G} \
	VM_TIMEOUT=$${VM_TIMEOUT:-$$(( $(SFUZZ_DEBUG_SECONDS) * 3 + 600 ))} \
	$(VM) run --dir $(DEBUG_BUILD)/vm-sfuzz --ko $(DEBUG_KO) \
		--file $(SFUZZ_SITES):kcov-sites $(SFUZZ_VM_FILES) \
		fuzz/mxsfuzz -d $(SFUZZ_DEBUG_SECONDS) -c kcov-sites $(SFUZZ_RUN_ARGS)
