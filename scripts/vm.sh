#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot Debian's kernel in QEMU with a tiny busybox initramfs, load the module,
# and run programs in the guest.
#
#   vm.sh check [opts] PROG...        run each (static) kselftest program; TAP
#                                     report, `N passed, N failed` last
#   vm.sh run   [opts] PROG [ARG...]  run one program; its output; its exit code
#   vm.sh shell [opts]                interactive busybox shell (serial console)
#
# Options:
#   --ko FILE        module to load (repeatable, loaded in order;
#                    default kmod/magenta.ko; --no-ko loads none)
#   --insmod-args S  parameters for the last module
#   --file SRC[:DST] extra file copied into the guest (DST relative to /work)
#   --post FILE      check mode: a program run after rmmod; non-zero fails
#   --dir DIR        work directory (default build/vm)
#
# Environment:
#   VM_TIMEOUT    seconds for the whole VM (check 900, run 3600, shell none)
#   PROG_TIMEOUT  seconds per program in check mode (default 300)
#   VM_ACCEL      kvm | tcg (default: kvm only if a real probe boots under it)
#   VM_MEM        guest memory (default 1G)   VM_SMP  CPUs (default 2)
#   ICOUNT=1      deterministic timing: TCG, -icount shift=0,sleep=off, 1 CPU
#   KERNEL        which of deps.sh's kernels to boot: 6.1 (default), 6.1-rt,
#                 6.12 (`KERNEL=6.12 scripts/deps.sh` fetches it)
#   VM_KERNEL     bzImage or PVH vmlinux to boot (overrides KERNEL)
#   VM_KVER       its version (for the vermagic check)
#
# Exit status: check: 0 if all passed and the kernel stayed clean; run: the
# program's exit status (non-zero with a FAIL: line if the kernel complained);
# any failure prints one `FAIL: <reason>` line and the serial log's path.

set -uo pipefail
export PATH="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin${PATH:+:$PATH}"
export LC_ALL=C

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"

# die REASON: the run could not happen; in check mode still end with a summary.
die() {
	echo "FAIL: $*"
	[ "${MODE:-}" = check ] && echo "0 passed, 1 failed"
	exit 1
}

[ $# -ge 1 ] || { sed -n '3,33s/^# \{0,1\}//p' "$0"; exit 2; }
MODE=$1
shift
case "$MODE" in check | run | shell) ;; *) echo "vm.sh: unknown mode $MODE" >&2; exit 2 ;; esac

KOS=()
NO_KO=0
INSMOD_ARGS=""
FILES=()
VMDIR="$ROOT/build/vm"
while [ $# -gt 0 ]; do
	case "$1" in
	--ko) KOS+=("$2"); shift 2 ;;
	--no-ko) NO_KO=1; shift ;;
	--insmod-args) INSMOD_ARGS=$2; shift 2 ;;
	--file) FILES+=("$2"); shift 2 ;;
	--post) FILES+=("$2:post-unload"); shift 2 ;;
	--dir) VMDIR=$2; shift 2 ;;
	--) shift; break ;;
	-*) echo "vm.sh: unknown option $1" >&2; exit 2 ;;
	*) break ;;
	esac
done
[ "$NO_KO" = 1 ] && KOS=()
[ "$NO_KO" = 0 ] && [ ${#KOS[@]} = 0 ] && KOS=("$ROOT/kmod/magenta.ko")

case "$MODE" in
check) VM_TIMEOUT=${VM_TIMEOUT:-900} ;;
run) VM_TIMEOUT=${VM_TIMEOUT:-3600} ;;
shell) VM_TIMEOUT=${VM_TIMEOUT:-0} ;;
esac
PROG_TIMEOUT=${PROG_TIMEOUT:-300}
VM_MEM=${VM_MEM:-1G}
VM_SMP=${VM_SMP:-2}

# ---- the kernel ------------------------------------------------------------
# The env file deps.sh wrote for $KERNEL (kernel.env for the default).
if [ -z "${VM_KERNEL:-}" ]; then
	KENV=$("$HERE/kdir.sh" --env) || die "unknown KERNEL=${KERNEL:-}"
	if [ -r "$KENV" ]; then
		KENV_KVER=$(sed -n 's/^KVER=//p' "$KENV")
		KENV_VMLINUZ=$(sed -n 's/^VMLINUZ=//p' "$KENV")
		KENV_VMLINUX=$(sed -n 's/^VMLINUX=//p' "$KENV")
	fi
fi
if [ -n "${VM_KERNEL:-}" ]; then
	KVER=${VM_KVER:-}
	KERNELS=("$VM_KERNEL")
else
	[ -n "${KENV_VMLINUZ:-}" ] && [ -r "$KENV_VMLINUZ" ] ||
		die "no VM kernel${KERNEL:+ for KERNEL=$KERNEL}: run ${KERNEL:+KERNEL=$KERNEL }scripts/deps.sh (or make deps${KERNEL:+ KERNEL=$KERNEL}) first"
	KVER=$KENV_KVER
	KERNELS=()
	# The PVH vmlinux boots several seconds faster; the bzImage is the
	# fallback if QEMU cannot load it.
	[ -n "${KENV_VMLINUX:-}" ] && [ -r "$KENV_VMLINUX" ] && KERNELS+=("$KENV_VMLINUX")
	KERNELS+=("$KENV_VMLINUZ")
fi

for ko in "${KOS[@]}"; do
	[ -r "$ko" ] || die "module $ko not found (make module?)"
	if [ -n "$KVER" ]; then
		"$HERE/kernel-version-check" "$ko" "$KVER" || die "module/kernel version mismatch (see above)"
	fi
	deps=$(modinfo -F depends "$ko" 2>/dev/null)
	[ -z "$deps" ] || die "$ko depends on modules ($deps) that the rig's initramfs does not carry"
done

QEMU=$(command -v qemu-system-x86_64) || die "qemu-system-x86_64 not found: run scripts/deps.sh"
BUSYBOX=$(command -v busybox) || die "busybox not found: run scripts/deps.sh"
file_is_static() { ! LC_ALL=C readelf -l "$1" 2>/dev/null | grep -q 'INTERP'; }

mkdir -p "$VMDIR"
VMDIR=$(cd "$VMDIR" && pwd)

# ---- accelerator -----------------------------------------------------------
# kvm_probe: boot the real kernel under KVM with a trivial init that prints a
# marker; /dev/kvm can exist and still be unable to run this kernel (nested
# KVM without vmx/svm: hangs, "KVM internal error" with QEMU paused, ...).
# The verdict is cached per machine in build/.
kvm_probe() {
	local key cachef dir
	[ -c /dev/kvm ] && [ -r /dev/kvm ] && [ -w /dev/kvm ] || { echo tcg; return; }
	key=$( {
		cat /etc/machine-id 2>/dev/null
		uname -r
		grep -m1 'model name' /proc/cpuinfo
		grep -m1 -ow 'vmx\|svm' /proc/cpuinfo
		"$QEMU" --version | head -n1
		echo "${KERNELS[0]}"
	} | md5sum | cut -c1-16)
	cachef="$ROOT/build/kvm-probe.$key"
	if [ -f "$cachef" ]; then
		cat "$cachef"
		return
	fi
	dir=$(mktemp -d)
	mkdir -p "$dir/root/bin" "$dir/root/dev" "$dir/root/proc"
	cp "$BUSYBOX" "$dir/root/bin/busybox"
	ln -s busybox "$dir/root/bin/sh"
	printf '#!/bin/sh\necho KVM-PROBE-OK >/dev/ttyS0\n/bin/busybox poweroff -f\n' >"$dir/root/init"
	chmod +x "$dir/root/init"
	mknod "$dir/root/dev/console" c 5 1 2>/dev/null
	mknod "$dir/root/dev/ttyS0" c 4 64 2>/dev/null
	(cd "$dir/root" && find . | cpio -o -H newc --quiet >"$dir/initrd") 2>/dev/null
	local t0 t1 cpu verdict=tcg
	t0=$(date +%s.%N)
	# -cpu host first; if QEMU gives up at once (it aborts on MSRs it cannot
	# set), the default CPU model. A working KVM boots this in ~1 s.
	for cpu in host qemu64; do
		rm -f "$dir/log"
		timeout -k 2 "${KVM_PROBE_TIMEOUT:-8}" "$QEMU" -accel kvm -cpu "$cpu" -m 256M -smp 1 \
			-kernel "${KERNELS[0]}" -initrd "$dir/initrd" \
			-append "console=ttyS0 quiet panic=-1" \
			-serial "file:$dir/log" -monitor none -nic none -no-reboot -display none \
			</dev/null >"$dir/qemu.out" 2>&1
		if grep -q KVM-PROBE-OK "$dir/log" 2>/dev/null; then
			verdict="kvm $cpu"
			break
		fi
	done
	t1=$(date +%s.%N)
	echo "vm: KVM probe: $verdict ($(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') s; cached in ${cachef#"$ROOT"/})" >&2
	rm -rf "$dir"
	echo "$verdict" >"$cachef"
	echo "$verdict"
}

ACCEL_ARGS=()
if [ "${ICOUNT:-0}" = 1 ]; then
	VM_SMP=1
	# shellcheck disable=SC2054 # the commas belong to -icount
	ACCEL_ARGS=(-accel tcg -cpu max -icount shift=0,sleep=off)
else
	accel=${VM_ACCEL:-$(kvm_probe)}
	if [ "${accel%% *}" = kvm ]; then
		cpu=$(echo "$accel" | awk '{ print $2 }')
		ACCEL_ARGS=(-accel kvm -cpu "${cpu:-host}")
	else
		# One host thread for all vCPUs: with multi-threaded TCG a
		# vCPU once ran a stale int3 left by the kernel's text patching
		# (enabling tracepoints: "Oops: int3" in __schedule on 6.12, a
		# frozen 6.1-rt guest), which single-threaded TCG's handling of
		# cross-modifying code rules out. On 2 host cores it is also
		# faster (make check's VM: 38-64 s against 66-99 s).
		ACCEL_ARGS=(-accel tcg,thread=single -cpu max)
	fi
fi

# ---- initramfs -------------------------------------------------------------
IR="$VMDIR/initramfs"
rm -rf "$IR"
mkdir -p "$IR"/{bin,sbin,usr/bin,usr/sbin,dev,proc,sys,tmp,run,root,rig,tests,work,etc}
cp "$BUSYBOX" "$IR/bin/busybox"
ln -s busybox "$IR/bin/sh"
cp "$HERE/vm-init.sh" "$IR/init"
chmod 755 "$IR/init"
mknod "$IR/dev/console" c 5 1 2>/dev/null || true
echo "root:x:0:0:root:/root:/bin/sh" >"$IR/etc/passwd"
echo "root:x:0:" >"$IR/etc/group"

# add_prog SRC DST: copy a program; if it is dynamic, its loader and libraries.
add_prog() {
	cp "$1" "$2" || die "cannot copy $1"
	chmod 755 "$2"
	if ! file_is_static "$1"; then
		local lib
		for lib in $(ldd "$1" 2>/dev/null | grep -o '/[^ ]*'); do
			[ -e "$IR$lib" ] && continue
			mkdir -p "$IR$(dirname "$lib")"
			cp -L "$lib" "$IR$lib"
		done
	fi
}

squote() { printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"; }

MODULES=""
MODNAMES=""
for ko in "${KOS[@]}"; do
	b=$(basename "$ko")
	cp "$ko" "$IR/rig/$b"
	MODULES="$MODULES $b"
	n=$(modinfo -F name "$ko" 2>/dev/null)
	[ -n "$n" ] || n=${b%.ko}
	MODNAMES="$n $MODNAMES"
done

TESTS=""
PROG=""
ARGS=""
case "$MODE" in
check)
	[ $# -ge 1 ] || die "check: no test programs given"
	for p in "$@"; do
		[ -x "$p" ] || die "test program $p not found or not executable"
		n=$(basename "$p")
		case " $TESTS " in *" $n "*) die "two test programs named $n" ;; esac
		add_prog "$p" "$IR/tests/$n"
		TESTS="$TESTS $n"
	done
	;;
run)
	[ $# -ge 1 ] || die "run: no program given (PROG=...)"
	[ -x "$1" ] || die "program $1 not found or not executable"
	PROG=$(basename "$1")
	add_prog "$1" "$IR/work/$PROG"
	shift
	for a in "$@"; do ARGS="$ARGS $(squote "$a")"; done
	;;
esac
for f in "${FILES[@]}"; do
	src=${f%%:*}
	dst=${f#*:}
	[ "$dst" = "$f" ] && dst=$(basename "$src")
	[ -e "$src" ] || die "extra file $src not found"
	mkdir -p "$IR/work/$(dirname "$dst")"
	cp -rL "$src" "$IR/work/$dst"
done

{
	echo "MODE=$MODE"
	echo "MODULES=$(squote "${MODULES# }")"
	echo "MODNAMES=$(squote "${MODNAMES% }")"
	echo "INSMOD_ARGS=$(squote "$INSMOD_ARGS")"
	echo "TESTS=$(squote "${TESTS# }")"
	echo "PROG_TIMEOUT=$PROG_TIMEOUT"
	echo "PROG=$(squote "$PROG")"
	echo "ARGS=$(squote "$ARGS")"
} >"$IR/rig.conf"

(cd "$IR" && find . | cpio -o -H newc --quiet >"$VMDIR/initramfs.cpio") ||
	die "cannot build the initramfs"

# ---- boot --------------------------------------------------------------------
CMDLINE="console=ttyS0 panic=-1 oops=panic panic_on_warn=1 slub_debug=FZPU"
CMDLINE="$CMDLINE rdinit=/init tsc=reliable no_timer_check"
[ "$MODE" = shell ] && CMDLINE="$CMDLINE quiet"
CMDLINE="$CMDLINE ${VM_APPEND:-}"

SERIAL="$VMDIR/serial.log"
OUT="$VMDIR/out.log"

if [ "$MODE" = shell ]; then
	echo "vm: ${ACCEL_ARGS[*]}; kernel ${KERNELS[0]}; Ctrl-A x quits QEMU" >&2
	tmo=()
	[ "$VM_TIMEOUT" -gt 0 ] && tmo=(timeout -k 5 "$VM_TIMEOUT")
	exec "${tmo[@]}" "$QEMU" "${ACCEL_ARGS[@]}" -m "$VM_MEM" -smp "$VM_SMP" \
		-kernel "${KERNELS[0]}" -initrd "$VMDIR/initramfs.cpio" -append "$CMDLINE" \
		-serial mon:stdio -monitor none -nic none -no-reboot -display none
fi

T0=$(date +%s.%N)
boot() {
	local kernel=$1 qpid
	: >"$SERIAL"
	: >"$OUT"
	timeout -k 5 "$VM_TIMEOUT" "$QEMU" "${ACCEL_ARGS[@]}" -m "$VM_MEM" -smp "$VM_SMP" \
		-kernel "$kernel" -initrd "$VMDIR/initramfs.cpio" -append "$CMDLINE" \
		-serial "file:$SERIAL" -serial "file:$OUT" \
		-monitor none -nic none -no-reboot -display none \
		</dev/null >"$VMDIR/qemu.out" 2>&1 &
	qpid=$!
	# A background job ignores SIGINT here: stop QEMU ourselves on ^C.
	trap 'kill $qpid 2>/dev/null; exit 130' INT TERM
	if [ "$MODE" = run ]; then
		# Live output: the program's lines as they arrive; tail ends
		# after QEMU does.
		tail -n +1 -s 0.2 -F --pid="$qpid" "$OUT" 2>/dev/null |
			awk '{ sub(/\r$/, "") }
			     /^@@RIG: dmesg-begin/ { skip = 1 } /^@@RIG: dmesg-end/ { skip = 0 }
			     /^@@RIG: / || skip { held = 0; next }
			     /^$/ { held++; next }
			     { for (; held > 0; held--) print ""; print; fflush() }'
	fi
	wait "$qpid"
	QEMU_RC=$?
	trap - INT TERM
	KERNEL_USED=$kernel
}

for kernel in "${KERNELS[@]}"; do
	boot "$kernel"
	# Retry with the next kernel only if QEMU itself failed at once (e.g. it
	# could not load the PVH vmlinux): nothing on either serial port.
	if [ "$QEMU_RC" != 0 ] && [ "$QEMU_RC" != 124 ] && [ "$QEMU_RC" != 137 ] &&
		[ ! -s "$SERIAL" ] && [ ! -s "$OUT" ]; then
		echo "vm: QEMU failed with $kernel: $(head -c 300 "$VMDIR/qemu.out")" >&2
		continue
	fi
	break
done
T1=$(date +%s.%N)
ELAPSED=$(awk -v a="$T0" -v b="$T1" 'BEGIN { printf "%.1f", b - a }')

# ---- verdict -------------------------------------------------------------------
tr -d '\r' <"$OUT" >"$VMDIR/out.txt"
# serial.txt: the console without CRs and escape sequences (firmware noise)
tr -d '\r' <"$SERIAL" | sed 's/\x1b\[[0-9;?]*[A-Za-z]//g; s/\x1bc//g' >"$VMDIR/serial.txt"

awk -v mode="$MODE" -v tests="${TESTS# }" -v qemu_rc="$QEMU_RC" -v elapsed="$ELAPSED" \
	-v serial="$SERIAL" -v accel="${ACCEL_ARGS[*]}" -v kernel="$KERNEL_USED" \
	-v vm_timeout="$VM_TIMEOUT" -v prog_timeout="$PROG_TIMEOUT" \
	-f "$HERE/vm-report.awk" "$VMDIR/serial.txt" "$VMDIR/out.txt"
