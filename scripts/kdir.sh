#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Print the kernel build directory to build the module against, or nothing:
#   1. $KDIR, if set;
#   2. /lib/modules/$(uname -r)/build, if the running kernel has one;
#   3. the headers of the VM kernel chosen by scripts/deps.sh (kernel.env);
#   4. the newest installed /usr/src/linux-headers-*-amd64.
# Called by the Makefile on every make: no side effects, no apt, fast.

if [ -n "$KDIR" ]; then
	echo "$KDIR"
	exit 0
fi

d="/lib/modules/$(uname -r)/build"
if [ -d "$d" ]; then
	echo "$d"
	exit 0
fi

envf="${MAGENTA_CACHE:-/var/cache/magenta-linux}/kernel.env"
if [ -r "$envf" ]; then
	d=$(sed -n 's/^HEADERS=//p' "$envf")
	if [ -n "$d" ] && [ -f "$d/Makefile" ]; then
		echo "$d"
		exit 0
	fi
fi

d=$(ls -d /usr/src/linux-headers-*-amd64 2>/dev/null | sort -V | tail -n 1)
if [ -n "$d" ] && [ -f "$d/Makefile" ]; then
	echo "$d"
fi
exit 0
