# SPDX-License-Identifier: GPL-2.0
#
# Stress and fuzzing (included by the top-level Makefile).
#
#   make stress   build stress/mxstress (static, against libmx.a) and run it in
#                 the VM: worker processes and threads doing random pipe work,
#                 transfers through the bootstrap, SIGKILLs; then the rig checks
#                 the counters, rmmod and the kernel log.
#   make fuzz     build fuzz/mxfuzz and run it in the VM: random raw ioctls on
#                 /dev/magenta from several processes and threads.
#
# Knobs (make variables or environment):
#   STRESS_SECONDS  guest seconds of stress (default 30, the CI run)
#   STRESS_ARGS     more mxstress options (-w workers -t threads -k kill_ms
#                   -q max_queued_msgs -b max_queued_bytes -s seed)
#   STRESS_SEED     seed of the stress run (printed by every run)
#   FUZZ_CALLS      ioctls in all (default 1500000: about a minute under TCG)
#   FUZZ_SEED       replay a fuzz run (every run prints its seed first)
#   FUZZ_ARGS       more mxfuzz options (-p processes -t threads)
#   VM_TIMEOUT      bound of the whole VM (default: generous for the above)

STRESS_SECONDS ?= 30
STRESS_SEED    ?=
STRESS_ARGS    ?=
FUZZ_CALLS     ?= 1500000
FUZZ_SEED      ?=
FUZZ_ARGS      ?=

HARDENING_VM  := $(CURDIR)/scripts/vm.sh
HARDENING_KO  := $(CURDIR)/kmod/magenta.ko

.PHONY: stress fuzz stress-build fuzz-build hardening-clean

stress-build:
	@$(MAKE) --no-print-directory -C libmx libmx.a
	@$(MAKE) --no-print-directory -C stress

fuzz-build:
	@$(MAKE) --no-print-directory -C libmx libmx.a
	@$(MAKE) --no-print-directory -C fuzz

stress: module stress-build
	@VM_TIMEOUT=$${VM_TIMEOUT:-$$(( $(STRESS_SECONDS) * 3 + 300 ))} \
		$(HARDENING_VM) run --dir $(BUILD)/vm-stress --ko $(HARDENING_KO) \
		stress/mxstress -d $(STRESS_SECONDS) \
		$(if $(STRESS_SEED),-s $(STRESS_SEED)) $(STRESS_ARGS)

fuzz: module fuzz-build
	@VM_TIMEOUT=$${VM_TIMEOUT:-900} \
		$(HARDENING_VM) run --dir $(BUILD)/vm-fuzz --ko $(HARDENING_KO) \
		fuzz/mxfuzz -n $(FUZZ_CALLS) \
		$(if $(FUZZ_SEED),-s $(FUZZ_SEED)) $(FUZZ_ARGS)

hardening-clean:
	$(MAKE) -C stress clean
	$(MAKE) -C fuzz clean
