#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Run in the VM by `make ksft-run` (scripts/ksft.mk, through vm.sh run): the
# kernel's own kselftest runner, run_kselftest.sh, over the tree that
# `make -C tools/testing/selftests TARGETS=magenta install` made, copied to
# /work/kselftest. Arguments go to run_kselftest.sh (-t magenta:trace_test,
# -s, ...). First it gives the rig's busybox initramfs what the runner uses
# and lacks:
#  - /dev/stdin, /dev/stdout, /dev/stderr (runner.sh appends the programs'
#    output to /dev/stdout; busybox sh has no built-in /dev/stdout): links to
#    /proc/self/fd/N, as udev makes them.
#  - /usr/bin/timeout that takes --foreground (runner.sh runs every program
#    under `timeout --foreground N timeout N`; busybox's timeout rejects the
#    option): the host's coreutils timeout, which ksft.mk copied with its
#    loader and libraries to /work/ksft-host, run through that loader.
# busybox sh, realpath, tr, sed, cut, grep, uniq and wc do for the rest;
# without perl the runner prefixes the programs' lines with sed.

H=/work/ksft-host
for n in 0:stdin 1:stdout 2:stderr; do
	[ -e "/dev/${n#*:}" ] || ln -s "/proc/self/fd/${n%%:*}" "/dev/${n#*:}"
done
if [ -x "$H/timeout" ] && [ -x "$H/ld.so" ]; then
	rm -f /usr/bin/timeout
	printf '#!/bin/sh\nexec %s/ld.so --library-path %s %s/timeout "$@"\n' \
		"$H" "$H" "$H" >/usr/bin/timeout
	chmod 755 /usr/bin/timeout
fi
/usr/bin/timeout --foreground 5 true ||
	echo "ksft-guest: /usr/bin/timeout --foreground does not work: the runner's timeouts will fail"
cd /work/kselftest || exit 1
./run_kselftest.sh "$@"
