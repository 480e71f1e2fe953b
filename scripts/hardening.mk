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
#   make fuzz-stateful
#                 build fuzz/mxsfuzz and run it in the VM: sequences of calls
#                 over the handles a model says each process holds (cycles,
#                 nesting, faulting and userfaultfd buffers, signals, helper
#                 threads, fork and SIGKILL), every result checked against the
#                 documented behaviour. Unguided here (Debian's kernel has no
#                 kcov); make fuzz-stateful-debug (scripts/debug.mk) is guided.
#
# Knobs (make variables or environment):
#   STRESS_SECONDS  guest seconds of stress (default 30, the CI run)
#   STRESS_ARGS     more mxstress options (-w workers -t threads -k kill_ms
#                   -q max_queued_msgs -b max_queued_bytes -s seed)
#   STRESS_SEED     seed of the stress run (printed by every run)
#   FUZZ_CALLS      ioctls in all (default 1500000: about a minute under TCG)
#   FUZZ_SEED       replay a fuzz run (every run prints its seed first)
#   FUZZ_ARGS       more mxfuzz options (-p processes -t threads)
#   SFUZZ_SECONDS   guest seconds of make fuzz-stateful (default 60)
#   SFUZZ_SEED      replay a stateful run (every run prints its seed first)
#   SFUZZ_ARGS      more mxsfuzz options (-w workers -n sequences -S: anomalies
#                   fail the run)
#   SFUZZ_REPLAY    a program file (the "mxsfuzz-program" block a failure
#                   prints): run that sequence alone instead (-n times with
#                   SFUZZ_ARGS="-n N")
#   VM_TIMEOUT      bound of the whole VM (default: generous for the above)

STRESS_SECONDS ?= 30
STRESS_SEED    ?=
STRESS_ARGS    ?=
FUZZ_CALLS     ?= 1500000
FUZZ_SEED      ?=
FUZZ_ARGS      ?=
SFUZZ_SECONDS  ?= 60
SFUZZ_SEED     ?=
SFUZZ_ARGS     ?=
SFUZZ_REPLAY   ?=

HARDENING_VM  := $(CURDIR)/scripts/vm.sh
HARDENING_KO  := $(CURDIR)/kmod/magenta.ko

.PHONY: stress fuzz fuzz-stateful stress-build fuzz-build sfuzz-build hardening-clean

stress-build:
	@$(MAKE) --no-print-directory -C libmx libmx.a
	@$(MAKE) --no-print-directory -C stress

fuzz-build:
	@$(MAKE) --no-print-directory -C libmx libmx.a
	@$(MAKE) --no-print-directory -C fuzz

sfuzz-build:
	@$(MAKE) --no-print-directory -C fuzz mxsfuzz

# The mxsfuzz arguments of both stateful targets (SFUZZ_REPLAY: one program,
# copied into the guest as /work/sfuzz-program).
SFUZZ_VM_FILES = $(if $(SFUZZ_REPLAY),--file $(abspath $(SFUZZ_REPLAY)):sfuzz-program)
SFUZZ_RUN_ARGS = $(if $(SFUZZ_REPLAY),-r sfuzz-program) \
	$(if $(SFUZZ_SEED),-s $(SFUZZ_SEED)) $(SFUZZ_ARGS)

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

fuzz-stateful: module sfuzz-build
	@VM_TIMEOUT=$${VM_TIMEOUT:-$$(( $(SFUZZ_SECONDS) * 2 + 300 ))} \
		$(HARDENING_VM) run --dir $(BUILD)/vm-sfuzz --ko $(HARDENING_KO) \
		$(SFUZZ_VM_FILES) fuzz/mxsfuzz -d $(SFUZZ_SECONDS) $(SFUZZ_RUN_ARGS)

hardening-clean:
	$(MAKE) -C stress clean
	$(MAKE) -C fuzz clean
