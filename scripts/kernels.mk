# SPDX-License-Identifier: GPL-2.0
#
# The VM kernels (included by the top-level Makefile before scripts/rig.mk;
# see docs/rig.md).
#
#   make check KERNEL=6.12   any VM target (check, run, vm-run, vm-shell,
#                            rig-selftest, stress, fuzz, bench...) on one of
#                            Debian 12's kernels for amd64:
#                              6.1 (or default)  linux-image-amd64
#                              6.1-rt            linux-image-rt-amd64 (PREEMPT_RT)
#                              6.12              linux-image-6.12-amd64
#   make check-kernels       make check on each of them in turn (build, lint,
#                            the selftest suite): one result line per kernel,
#                            then their sum, `N passed, N failed`
#
# Without KERNEL nothing changes: the module is built in kmod/ against
# scripts/kdir.sh's KDIR and the VM boots deps.sh's default kernel. With
# KERNEL=<name>, deps.sh installs that kernel's headers and fetches its
# image, the module is built in $(BUILD)/k-<name>/ from a copy of kmod/ and
# uapi/ (kmod/ is not touched: the kernels do not clobber each other's .ko,
# nor the tree's), the VM works in $(BUILD)/k-<name>/vm, and vm.sh boots
# that kernel. KERNEL=6.1 is the default kernel, built in $(BUILD)/k-6.1.
#
# The debug and KCSAN kernels (scripts/debug.mk, scripts/kcsan.mk) are
# built from linux-source-6.1 and ignore KERNEL.

KERNELS := 6.1 6.1-rt 6.12

.PHONY: check-kernels

ifneq ($(strip $(KERNEL)),)
K_NAME := $(if $(filter default,$(KERNEL)),6.1,$(strip $(KERNEL)))
ifeq ($(filter $(K_NAME),$(KERNELS)),)
$(error unknown KERNEL=$(KERNEL): one of default $(KERNELS))
endif
K_BUILD := $(BUILD)/k-$(K_NAME)
# That kernel's headers, as deps.sh recorded them (KDIR= still wins).
ifeq ($(origin KDIR),file)
KDIR := $(shell KERNEL=$(K_NAME) $(CURDIR)/scripts/kdir.sh)
endif
MODULE_DIR := $(K_BUILD)
# Relative to the top directory, like the default (bench.mk uses $(CURDIR)/$(KO)).
KO := $(patsubst $(CURDIR)/%,%,$(K_BUILD))/kmod/magenta.ko
VM_DIR := $(K_BUILD)/vm
# The copy the module is built from: only changed files get newer objects
# (cp -p keeps the times); kmod/*.mod.c is Kbuild's output for the tree.
MODULE_SYNC = mkdir -p $(K_BUILD)/kmod $(K_BUILD)/uapi/linux && \
	rm -f $(K_BUILD)/kmod/*.[ch] $(K_BUILD)/kmod/Kbuild $(K_BUILD)/uapi/linux/*.h && \
	cp -p kmod/Kbuild $(filter-out %.mod.c,$(wildcard kmod/*.c)) $(wildcard kmod/*.h) \
		$(K_BUILD)/kmod/ && \
	cp -p $(wildcard uapi/linux/*.h) $(K_BUILD)/uapi/linux/ && \
	{ [ -f $(K_BUILD)/Kbuild ] || echo 'obj-m += kmod/' >$(K_BUILD)/Kbuild; }
# scripts/vm.sh and scripts/deps.sh read it from the environment.
export KERNEL
# make stress and make fuzz (scripts/hardening.mk) name the module by its
# path in the tree; point them at this kernel's.
override HARDENING_KO = $(CURDIR)/$(KO)
else
MODULE_DIR := $(CURDIR)
VM_DIR := $(BUILD)/vm
MODULE_SYNC = :
endif

# One make check per kernel, in turn (never two VMs at once), each even if
# an earlier one failed. Each one's output is shown as it comes and kept in
# $(BUILD)/check-kernels/<name>.log; then a line per kernel and, last, the
# sum over the three in the format .ci/run reads. A kernel whose check
# failed without counting a failure (build or lint) counts as one failure.
CHECK_KERNELS_LOG := $(BUILD)/check-kernels

check-kernels:
	@mkdir -p $(CHECK_KERNELS_LOG); rm -f $(CHECK_KERNELS_LOG)/*; \
	t00=$$(date +%s); sp=0; sf=0; ss=0; bad=""; \
	for k in $(KERNELS); do \
		echo "=== check-kernels: make check KERNEL=$$k"; \
		t0=$$(date +%s); \
		{ $(MAKE) --no-print-directory check KERNEL=$$k 2>&1; \
		  echo $$? >$(CHECK_KERNELS_LOG)/$$k.rc; } | tee $(CHECK_KERNELS_LOG)/$$k.log; \
		rc=$$(cat $(CHECK_KERNELS_LOG)/$$k.rc); t=$$(($$(date +%s) - t0)); \
		set -- $$(awk '/^[0-9]+ passed, [0-9]+ failed/ { p = $$1; f = $$3; \
			s = ($$5 == "" ? 0 : $$5) } \
			END { if (p != "") print p + 0, f + 0, s + 0; else print "" }' \
			$(CHECK_KERNELS_LOG)/$$k.log); \
		p=$${1:-0}; f=$${2:-0}; s=$${3:-0}; \
		if [ "$$rc" != 0 ] && [ "$$f" = 0 ]; then f=1; fi; \
		envf=$$(KERNEL=$$k $(RIG_SCRIPTS)/kdir.sh --env); \
		kver=$$(sed -n 's/^KVER=//p' "$$envf" 2>/dev/null); \
		why=$$(grep -m1 '^FAIL: ' $(CHECK_KERNELS_LOG)/$$k.log | cut -c1-160); \
		if [ "$$rc" = 0 ]; then v=ok; else v=FAILED; bad="$$bad $$k"; fi; \
		line="$$k ($${kver:-?}): $$v, $$p passed, $$f failed"; \
		[ "$$s" = 0 ] || line="$$line, $$s skipped"; \
		line="$$line ($$t s)$${why:+; $$why}"; \
		echo "$$line" >>$(CHECK_KERNELS_LOG)/results; \
		echo "=== check-kernels: $$line"; \
		sp=$$((sp + p)); sf=$$((sf + f)); ss=$$((ss + s)); \
	done; \
	echo "=== check-kernels: $$(($$(date +%s) - t00)) s"; \
	sed 's/^/kernel /' $(CHECK_KERNELS_LOG)/results; \
	sum="$$sp passed, $$sf failed"; [ "$$ss" = 0 ] || sum="$$sum, $$ss skipped"; \
	echo "$$sum"; \
	[ -z "$$bad" ]
