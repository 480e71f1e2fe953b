# SPDX-License-Identifier: GPL-2.0
#
# The selftests as real kselftests (included by the top-level Makefile after
# scripts/rig.mk; see docs/rig.md):
#
#   make ksft-run      copy selftests/ into the kernel tree in build/linux-src
#                      as tools/testing/selftests/magenta (with libmx/ and
#                      uapi/ next to it), build and install it with the
#                      kernel's `make -C tools/testing/selftests
#                      TARGETS=magenta install`, and run the installed tree
#                      in the VM with the kernel's runner (run_kselftest.sh):
#                      its KTAP, then `N passed, N failed`
#   make ksft-install  the same up to the install, no VM
#
# Knobs: KSFT_ARGS (run_kselftest.sh options, e.g. "-t magenta:trace_test"),
# KSFT_VM_TIMEOUT (seconds for the whole VM, default 900), and the rig's VM_*
# variables. Output: $(KSFT_OUT)/run.log; the VM's logs in $(KSFT_OUT)/vm.

KSFT_TREE       := $(BUILD)/linux-src
KSFT_SELFTESTS  := $(KSFT_TREE)/tools/testing/selftests
KSFT_MAGENTA    := $(KSFT_SELFTESTS)/magenta
KSFT_OUT        := $(BUILD)/ksft
KSFT_INSTALL    := $(KSFT_OUT)/install
KSFT_HOST       := $(KSFT_OUT)/host
KSFT_VM_TIMEOUT ?= 900
KSFT_ARGS       ?=

.PHONY: ksft-tree ksft-copy ksft-install ksft-run _ksft-run ksft-rsync ksft-host

# The kselftest framework (Makefile, lib.mk, runner) next to the headers.
ksft-tree: ksft-headers
	@$(RIG_SCRIPTS)/ksft-tree.sh $(KSFT_TREE)

# lib.mk installs with rsync. Installed here like bench.mk installs gnuplot
# (as root, from Debian's archive), if it is missing.
ksft-rsync:
	@command -v rsync >/dev/null || { \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			echo "ksft: installing rsync (the kselftest install step uses it)"; \
			DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
				--no-install-recommends rsync >/dev/null || \
			{ apt-get update -q >/dev/null && \
			  DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
				--no-install-recommends rsync >/dev/null; }; \
		fi; \
		command -v rsync >/dev/null || { echo "FAIL: ksft: rsync is missing (apt-get install rsync)"; exit 1; }; }

# selftests/ as the kernel tree's tools/testing/selftests/magenta: sources,
# Makefile, config, settings; libmx's and the uapi header's sources beside
# them. The sources are replaced each time (no stale file survives a copy),
# with their times (cp -p), so the kernel's make rebuilds only what changed;
# the programs and libmx objects it built there stay.
ksft-copy: ksft-tree
	@mkdir -p $(KSFT_MAGENTA)
	@rm -rf $(KSFT_MAGENTA)/*.[ch] $(KSFT_MAGENTA)/Makefile $(KSFT_MAGENTA)/config \
		$(KSFT_MAGENTA)/settings $(KSFT_MAGENTA)/libmx/include \
		$(KSFT_MAGENTA)/libmx/src $(KSFT_MAGENTA)/uapi
	@mkdir -p $(KSFT_MAGENTA)/libmx $(KSFT_MAGENTA)/uapi/linux
	@cp -p selftests/Makefile selftests/config selftests/settings \
		selftests/*.c selftests/*.h $(KSFT_MAGENTA)/
	@cp -pR libmx/include libmx/src $(KSFT_MAGENTA)/libmx/
	@rm -f $(KSFT_MAGENTA)/libmx/src/*.o
	@cp -p uapi/linux/magenta.h $(KSFT_MAGENTA)/uapi/linux/
	@echo "ksft: selftests/ copied to $(KSFT_MAGENTA)"

# The kernel's build and install of the magenta target, into $(KSFT_INSTALL)
# (run_kselftest.sh, kselftest/, kselftest-list.txt, magenta/).
ksft-install: ksft-copy ksft-rsync
	@rm -rf $(KSFT_INSTALL)
	@mkdir -p $(KSFT_OUT)
	@echo "ksft: make -C $(KSFT_SELFTESTS) TARGETS=magenta install"
	@$(MAKE) --no-print-directory -C $(KSFT_SELFTESTS) TARGETS=magenta \
		KSFT_INSTALL_PATH=$(KSFT_INSTALL) install >$(KSFT_OUT)/install.log 2>&1 || \
		{ tail -n 30 $(KSFT_OUT)/install.log; echo "FAIL: ksft: the kselftest build failed (see $(KSFT_OUT)/install.log)"; exit 1; }
	@test -s $(KSFT_INSTALL)/kselftest-list.txt || \
		{ echo "FAIL: ksft: no kselftest-list.txt in $(KSFT_INSTALL)"; exit 1; }
	@echo "ksft: installed $$(wc -l <$(KSFT_INSTALL)/kselftest-list.txt) tests in $(KSFT_INSTALL)"

# The host's coreutils timeout with its loader and libraries, for the guest
# (scripts/ksft-guest.sh explains why).
ksft-host:
	@rm -rf $(KSFT_HOST)
	@mkdir -p $(KSFT_HOST)
	@t=$$(command -v timeout) || { echo "FAIL: ksft: no timeout(1) on the host"; exit 1; }; \
	interp=$$(readelf -l "$$t" | sed -n 's/.*interpreter: \([^]]*\)].*/\1/p'); \
	test -n "$$interp" || { echo "FAIL: ksft: $$t has no ELF interpreter"; exit 1; }; \
	cp -L "$$t" $(KSFT_HOST)/timeout && cp -L "$$interp" $(KSFT_HOST)/ld.so && \
	for lib in $$(ldd "$$t" | awk '$$2 == "=>" && $$3 ~ /^\// { print $$3 }'); do \
		cp -L "$$lib" $(KSFT_HOST)/ || exit 1; \
	done

ksft-run: deps
	@$(MAKE) --no-print-directory _ksft-run

# The VM's status and the runner's results both count; the summary is last.
_ksft-run: module ksft-install ksft-host
	@echo "ksft: running $(strip $(KSFT_INSTALL)/run_kselftest.sh $(KSFT_ARGS)) in the VM"
	@{ VM_TIMEOUT=$(KSFT_VM_TIMEOUT) $(VM) run --dir $(KSFT_OUT)/vm --ko $(CURDIR)/$(KO) \
		--file $(KSFT_INSTALL):kselftest --file $(KSFT_HOST):ksft-host \
		$(RIG_SCRIPTS)/ksft-guest.sh $(KSFT_ARGS) 2>&1; \
		echo $$? >$(KSFT_OUT)/vm.rc; } | tee $(KSFT_OUT)/run.log
	@awk -v vm_rc="$$(cat $(KSFT_OUT)/vm.rc)" -f $(RIG_SCRIPTS)/ksft-summary.awk \
		$(KSFT_OUT)/run.log
