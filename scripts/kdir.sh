#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Print the kernel build directory to build the module against, or nothing.
# Without KERNEL:
#   1. $KDIR, if set;
#   2. /lib/modules/$(uname -r)/build, if the running kernel has one;
#   3. the headers of the VM kernel chosen by scripts/deps.sh (kernel.env);
#   4. the newest installed /usr/src/linux-headers-*-amd64.
# With KERNEL=<name> (one of the VM kernels: 6.1, also called default;
# 6.1-rt; 6.12): $KDIR if set, else the headers deps.sh recorded for that
# kernel, else nothing (the running kernel's are never right for it).
#
#   kdir.sh --name   the canonical name of $KERNEL (6.1 when unset)
#   kdir.sh --env    the env file deps.sh writes for $KERNEL:
#                    $MAGENTA_CACHE/kernel.env for 6.1, kernel-<name>.env else
#
# Called by the Makefile on every make: no side effects, no apt, fast.
# Exit status 2 for an unknown KERNEL.

cache="${MAGENTA_CACHE:-/var/cache/magenta-linux}"

case "${KERNEL:-}" in
"" | default | 6.1) name=6.1 ;;
6.1-rt | 6.12) name=$KERNEL ;;
*)
	echo "kdir.sh: unknown KERNEL=$KERNEL (known: 6.1 or default, 6.1-rt, 6.12)" >&2
	exit 2
	;;
esac
if [ "$name" = 6.1 ]; then
	envf="$cache/kernel.env"
else
	envf="$cache/kernel-$name.env"
fi

case "${1:-}" in
--name)
	echo "$name"
	exit 0
	;;
--env)
	echo "$envf"
	exit 0
	;;
esac

if [ -n "$KDIR" ]; then
	echo "$KDIR"
	exit 0
fi

if [ -z "${KERNEL:-}" ]; then
	d="/lib/modules/$(uname -r)/build"
	if [ -d "$d" ]; then
		echo "$d"
		exit 0
	fi
fi

if [ -r "$envf" ]; then
	d=$(sed -n 's/^HEADERS=//p' "$envf")
	if [ -n "$d" ] && [ -f "$d/Makefile" ]; then
		echo "$d"
		exit 0
	fi
fi
[ -n "${KERNEL:-}" ] && exit 0

d=$(ls -d /usr/src/linux-headers-*-amd64 2>/dev/null | sort -V | tail -n 1)
if [ -n "$d" ] && [ -f "$d/Makefile" ]; then
	echo "$d"
fi
exit 0
