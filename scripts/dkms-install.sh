#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The DKMS part of `make install` / `make uninstall` (scripts/install.mk).
#
#   dkms-install.sh install   MODE DESTDIR VERSION KERNEL...
#   dkms-install.sh uninstall MODE DESTDIR VERSION
#
# MODE: auto (act when DESTDIR is empty and dkms is installed), yes (the same,
# but a missing dkms or a DESTDIR is an error), no (do nothing). install
# expects the source in /usr/src/magenta-VERSION (make install put it there):
# it removes any earlier registration of that version, then runs `dkms add`,
# and `dkms build` and `dkms install` for each KERNEL that has its build
# directory (/lib/modules/KERNEL/build, from its linux-headers package). A
# kernel without one is skipped with a note: DKMS builds the module when its
# headers are installed (AUTOINSTALL in dkms.conf). Nothing here loads the
# module.

set -uo pipefail
export PATH="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin${PATH:+:$PATH}"

[ $# -ge 4 ] || { sed -n '3,17s/^# \{0,1\}//p' "$0"; exit 2; }
action=$1 mode=$2 destdir=$3 version=$4
shift 4
mod=magenta/$version

case "$mode" in
no) exit 0 ;;
auto | yes) ;;
*) echo "dkms-install: DKMS=$mode: expected auto, yes or no" >&2; exit 2 ;;
esac
if [ -n "$destdir" ]; then
	[ "$mode" = yes ] && { echo "dkms-install: DKMS=yes cannot work with DESTDIR=$destdir" >&2; exit 1; }
	exit 0
fi
if ! command -v dkms >/dev/null; then
	if [ "$mode" = yes ]; then
		echo "dkms-install: dkms is not installed (apt-get install dkms)" >&2
		exit 1
	fi
	[ "$action" = install ] &&
		echo "note: dkms is not installed: the module's source is in /usr/src/magenta-$version;" \
			"after apt-get install dkms: dkms install $mod"
	exit 0
fi

registered() { [ -n "$(dkms status "$mod" 2>/dev/null)" ]; }

run() {
	echo "$*"
	"$@"
}

case "$action" in
install)
	if registered; then
		run dkms remove "$mod" --all || exit 1
	fi
	run dkms add "$mod" || exit 1
	rc=0
	for k in "$@"; do
		if [ ! -e "/lib/modules/$k/build" ]; then
			echo "note: no headers for kernel $k (/lib/modules/$k/build): DKMS will build" \
				"$mod when they are installed (or: dkms install $mod -k $k)"
			continue
		fi
		run dkms build "$mod" -k "$k" && run dkms install "$mod" -k "$k" || rc=1
	done
	exit $rc
	;;
uninstall)
	if registered; then
		run dkms remove "$mod" --all || exit 1
	fi
	;;
*)
	echo "dkms-install: unknown action $action" >&2
	exit 2
	;;
esac
