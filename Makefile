# SPDX-License-Identifier: GPL-2.0
#
# magenta-linux: Magenta message pipes as a Linux module.
#
#   make            build kmod/magenta.ko, libmx (static and shared), selftests
#   make run        the main job: boot the VM, load the module, run the example
#   make check      the tests: install packages, build, run every selftest in the VM
#
# The kernel build directory: KDIR=... if given, else the running kernel's
# when it has one, else Debian's headers for the VM kernel (scripts/kdir.sh).
# KERNEL=6.1|6.1-rt|6.12 picks one of the VM kernels instead: the module is
# then built in build/k-<name>/ (scripts/kernels.mk).

BUILD      ?= $(CURDIR)/build
KDIR       ?= $(shell $(CURDIR)/scripts/kdir.sh)
KO         := kmod/magenta.ko

.PHONY: all module libmx selftests examples clean lint
all: module libmx selftests examples

# In kmod/, or with KERNEL= in a copy ($(MODULE_DIR), scripts/kernels.mk).
module:
	@test -n "$(KDIR)" || { echo "error: no kernel build directory (set KDIR= or run scripts/deps.sh)" >&2; exit 1; }
	@$(MODULE_SYNC)
	$(MAKE) -C $(KDIR) M=$(MODULE_DIR) modules

libmx:
	$(MAKE) -C libmx

selftests: libmx ksft-headers
	$(MAKE) -C selftests KSFT_DIR=$(BUILD)/linux-src/tools/testing/selftests

examples: libmx
	$(MAKE) -C examples

clean:
	-$(MAKE) -C $(KDIR) M=$(CURDIR) clean
	$(MAKE) -C libmx clean
	$(MAKE) -C selftests clean
	$(MAKE) -C examples clean
	$(MAKE) -C examples/glib clean

include scripts/kernels.mk
include scripts/rig.mk
include scripts/ksft.mk
include scripts/debug.mk
include scripts/kcsan.mk
include scripts/hardening.mk
include bench/bench.mk
include scripts/install.mk
