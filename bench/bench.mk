# SPDX-License-Identifier: GPL-2.0
#
# The benchmark suite (included by the top-level Makefile; see bench/README.md).
#
#   make bench         deps, build, run bench/mxbench in the VM (TCG, 2 CPUs,
#                      wall-clock time), then the reports in build/bench/:
#                      wallclock.{txt,csv,png} and wallclock.log
#   make bench-icount  the same under ICOUNT=1 (QEMU -icount shift=0,sleep=off,
#                      1 CPU): time counts guest instructions and repeats
#                      exactly; reports icount.{txt,csv,png}
#   make bench-smoke   tiny counts, for CI: fails if any benchmark does not run
#                      correctly; reports smoke.{txt,csv,png}
#   make bench-profile FIG=pingpong.64.msgpipe_call
#                      kernel functions one iteration of a figure calls, and
#                      how often (bench/profile.sh); profile-FIG.txt
#
# Knobs: BENCH_ARGS (extra mxbench options, e.g. BENCH_ARGS="--only pingpong"),
# BENCH_VM_MEM (default 2G: 10^6 live handles are 500k pipes), BENCH_TIMEOUT
# (VM seconds), and the rig's VM_* knobs. The VM boots with slub_debug off
# (BENCH_APPEND): the rig's default slub_debug=FZPU poisons and tracks every
# allocation, which is right for tests and wrong for timing.

BENCH_SRC     := $(CURDIR)/bench
BENCH_OUT     := $(BUILD)/bench
BENCH_PROG    := bench/mxbench
BENCH_VM_MEM  ?= 2G
BENCH_TIMEOUT ?= 5400
BENCH_APPEND  ?= slub_debug=-
BENCH_ARGS    ?=
# What bench-build needs first (the module, libmx).
BENCH_DEPS    ?= module libmx
# Under TCG a wake-up of an idle vCPU waits for its next timer tick (several
# ms), so cross-CPU round trips measure QEMU, not the kernel: the wall-clock
# run keeps both processes of a ping-pong on CPU 0 (BENCH_PIN= to unpin);
# the contention figures always use both CPUs.
BENCH_PIN     ?= --pin 0
# In the VM: fewer create+close pairs than the 10^6 default (TCG is slow);
# 10^6 live handles and 10^5 idle pairs as the issue asks.
BENCH_VM_ARGS ?= --pairs 100000 --max-live 1000000 --idle-pairs 100000 $(BENCH_PIN)

.PHONY: bench bench-icount bench-smoke bench-build bench-gnuplot \
	_bench _bench-icount _bench-smoke bench-profile _bench-profile

bench-build: $(BENCH_DEPS)
	$(MAKE) -C bench

# gnuplot draws the PNG; installed here like scripts/deps.sh installs the rig's
# packages (as root). Without it the text and CSV reports are still made.
bench-gnuplot:
	@command -v gnuplot >/dev/null || { \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			echo "bench: installing gnuplot-nox"; \
			DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
				--no-install-recommends gnuplot-nox >/dev/null || \
			{ apt-get update -q >/dev/null && \
			  DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
				--no-install-recommends gnuplot-nox >/dev/null; } || \
			echo "bench: could not install gnuplot-nox: no PNG"; \
		else \
			echo "bench: gnuplot not found and not root: no PNG"; \
		fi; }

# bench_run MODE, ENV, ARGS: run mxbench in the VM, keep the log, report.
# The VM's exit status (the program's) and the report's both count.
define bench_run
	@mkdir -p $(BENCH_OUT)
	@echo "bench: $(1) run, output in $(BENCH_OUT)/$(1).log"
	@{ $(2) VM_MEM=$(BENCH_VM_MEM) VM_APPEND="$(BENCH_APPEND)" \
		$(VM) run --dir $(BENCH_OUT)/vm-$(1) --ko $(CURDIR)/$(KO) \
		$(BENCH_PROG) --label $(1) $(3) $(BENCH_ARGS) 2>&1; \
		echo $$? >$(BENCH_OUT)/$(1).rc; } | tee $(BENCH_OUT)/$(1).log; \
	rc=$$(cat $(BENCH_OUT)/$(1).rc); \
	$(BENCH_SRC)/report.sh $(BENCH_OUT)/$(1).log $(BENCH_OUT) $(1); rr=$$?; \
	cat $(BENCH_OUT)/$(1).txt; \
	[ $$rc = 0 ] && [ $$rr = 0 ] || { echo "FAIL: bench $(1) (vm exit $$rc, report $$rr)"; exit 1; }
endef

bench: deps
	@$(MAKE) --no-print-directory _bench

_bench: bench-build bench-gnuplot
	$(call bench_run,wallclock,VM_TIMEOUT=$(BENCH_TIMEOUT),$(BENCH_VM_ARGS))

bench-icount: deps
	@$(MAKE) --no-print-directory _bench-icount

_bench-icount: bench-build bench-gnuplot
	$(call bench_run,icount,ICOUNT=1 VM_TIMEOUT=$(BENCH_TIMEOUT),$(BENCH_VM_ARGS))

# Smoke: well under a minute of VM time; 1 CPU under plain TCG is fine too.
bench-smoke: deps
	@$(MAKE) --no-print-directory _bench-smoke

_bench-smoke: bench-build bench-gnuplot
	$(call bench_run,smoke,VM_TIMEOUT=180,--quick)

bench-profile: deps
	@$(MAKE) --no-print-directory _bench-profile

_bench-profile: bench-build
	@[ -n "$(FIG)" ] || { echo "bench-profile: FIG=<figure name> is needed, e.g. FIG=pingpong.64.msgpipe_call"; exit 2; }
	$(BENCH_SRC)/profile.sh $(FIG) $(BENCH_OUT)
