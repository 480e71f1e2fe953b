#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make install-test`: the whole Linux install path, on this machine, as root
# (Debian 12). One case per step, each `ok N - step` or `not ok N - step #
# reason`, its log in build/install-test/, and `N passed, N failed` last.
#
#   deps            Debian's packaging tools (apt-get), and scripts/deps.sh:
#                   the VM kernel, its headers (linux-headers-*), QEMU; a
#                   dpkg run that was killed earlier is finished first
#   make-deb        the packages from this tree (scripts/mkdeb.sh)
#   lintian         on the .changes: no error, no warning
#   destdir         make install DESTDIR=... MODULES_LOAD=1: every file in its
#                   place (real name, soname and links, headers, libmx.pc,
#                   man pages, udev rule, modules-load.d, DKMS source with
#                   its version); make uninstall leaves no file
#   make-install    make install into /usr/local for real: ldconfig, `dkms
#                   add` (DKMS_KERNELS empty: no build here; the packages'
#                   step builds), dkms status; make uninstall: all gone
#   apt-install     apt-get install ./magenta-dkms ./libmx1 ./libmx-dev
#                   (DKMS builds and installs the module for every kernel in
#                   /lib/modules that has headers)
#   dkms-6.1        the module is built and installed by DKMS for the VM's
#                   kernel (scripts/deps.sh's, 6.1), with its vermagic
#   dkms-6.12       dkms build against Debian's 6.12 headers (see below)
#   man             the installed pages: groff -ww / man -l / lexgrog clean;
#                   man -w and whatis find mx_msgpipe_write
#   pkg-config      examples/installed/ copied out of the tree and built with
#                   `pkg-config --cflags --libs libmx` only (dynamic, and
#                   --static); the dynamic one loads the packaged libmx.so.1
#                   and, with no module on this machine, says so (exit 77)
#   vm-static       the VM (6.1) loads the DKMS-built magenta.ko and runs the
#                   static program: exit 0
#   vm-dynamic      the same with the dynamic program and the packaged
#                   libmx.so.1 (vm.sh copies a program's libraries)
#   vm-6.12         the static program on the 6.12 VM kernel with the
#                   DKMS-built 6.12 module (with dkms-6.12)
#   apt-purge       apt-get purge: DKMS forgets the module, every file gone
#
# Environment:
#   INSTALL_TEST_612=auto|yes|no  auto (default): the 6.12 steps run when
#                   Debian's 6.12 headers are here (installed in
#                   /lib/modules/<6.12 kver>/build, or unpacked by
#                   `KERNEL=6.12 scripts/deps.sh`), else they are skipped;
#                   yes: fetch them first (KERNEL=6.12 scripts/deps.sh);
#                   no: skip them
#   INSTALL_TEST_KEEP=1  leave the packages installed at the end (apt-purge
#                   skipped)
#
# The packages go into this machine's package database, and DKMS installs
# the module under /lib/modules/<kver>/updates/dkms/ for the VM kernels
# only (this machine's own kernel has no headers or modules); nothing is
# ever loaded here. apt-purge takes it all away again. Earlier installs of
# these packages are purged first.

set -uo pipefail
export PATH="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin${PATH:+:$PATH}"
export DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8
exec </dev/null

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
OUT="$ROOT/build/install-test"
DEBDIR="$ROOT/build/deb"
CACHE="${MAGENTA_CACHE:-/var/cache/magenta-linux}"
VERSION=$(cat "$ROOT/VERSION")
MOD=magenta/$VERSION
T612=${INSTALL_TEST_612:-auto}
PKGS=(magenta-dkms libmx1 libmx-dev)
# The packaging tools, and what the checks use.
TOOLS=(dpkg-dev debhelper dh-dkms dkms lintian pandoc pkgconf man-db groff-base
       build-essential fakeroot file)
APT_OPTS=(-y -q -o DPkg::Lock::Timeout=600 --no-install-recommends)

case "$T612" in auto | yes | no) ;; *) echo "INSTALL_TEST_612=$T612: auto, yes or no" >&2; exit 2 ;; esac

rm -rf "$OUT"
mkdir -p "$OUT"
N=0 PASSED=0 FAILED=0 SKIPPED=0
FAILS=""

# step NAME FUNCTION: run it with its output in $OUT/NN-NAME.log. The
# function fails with `die REASON` (or a non-zero status) and skips with
# `skip REASON`.
step() {
	local name=$1 fn=$2 log rc t0 reason
	N=$((N + 1))
	log="$OUT/$(printf %02d "$N")-$name.log"
	t0=$SECONDS
	echo "# $name ..."
	( set -uo pipefail; "$fn" ) >"$log" 2>&1
	rc=$?
	reason=$(sed -n 's/^@@REASON: //p' "$log" | tail -n 1)
	case "$rc" in
	0)
		PASSED=$((PASSED + 1))
		echo "ok $N - $name ($((SECONDS - t0)) s)"
		sed -n 's/^@@SHOW: /#   /p' "$log"
		;;
	77)
		SKIPPED=$((SKIPPED + 1))
		echo "ok $N - $name # SKIP $reason"
		;;
	*)
		FAILED=$((FAILED + 1))
		FAILS="$FAILS $name"
		echo "not ok $N - $name # ${reason:-exit status $rc} ($((SECONDS - t0)) s)"
		grep -v '^@@' "$log" | tail -n 15 | sed 's/^/#   /'
		echo "#   (log: ${log#"$ROOT"/})"
		;;
	esac
}
die() { echo "@@REASON: $*"; exit 1; }
skip() { echo "@@REASON: $*"; exit 77; }
show() { echo "@@SHOW: $*"; }
run() { echo "+ $*"; "$@"; }

# dpkg_recover: finish what an interrupted dpkg left half done (a run killed
# during apt-get install leaves packages unpacked but not configured, and
# every later apt-get refuses to run until `dpkg --configure -a`).
dpkg_recover() {
	[ -z "$(dpkg --audit 2>/dev/null)" ] && return 0
	echo "dpkg was interrupted earlier: dpkg --configure -a"
	dpkg --configure -a --force-confdef --force-confold
}

# apt_install PKG...: install what is missing (apt-get update only if needed).
apt_install() {
	local missing=() p
	dpkg_recover || return 1
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
			missing+=("$p")
	done
	[ ${#missing[@]} = 0 ] && return 0
	echo "installing: ${missing[*]}"
	apt-get install "${APT_OPTS[@]}" "${missing[@]}" ||
		{ apt-get update -q && apt-get install "${APT_OPTS[@]}" "${missing[@]}"; }
}

kenv() { sed -n "s/^$2=//p" "$1" 2>/dev/null; }

# The 6.12 kernel: its env file from deps.sh (KERNEL=6.12), its version and
# headers; empty if absent.
find_612() {
	K612='' H612=''
	local envf d
	envf=$(KERNEL=6.12 "$HERE/kdir.sh" --env 2>/dev/null) || envf=
	if [ -n "$envf" ] && [ -r "$envf" ]; then
		K612=$(kenv "$envf" KVER)
		H612=$(kenv "$envf" HEADERS)
	fi
	if [ -z "$H612" ] || [ ! -f "$H612/Makefile" ]; then
		# Installed the ordinary way (linux-headers-6.12.*+deb12-amd64).
		d=$(ls -d /lib/modules/6.12.*+deb12-amd64/build 2>/dev/null | sort -V | tail -n 1)
		if [ -n "$d" ] && [ -f "$d/Makefile" ]; then
			K612=$(basename "$(dirname "$d")")
			H612=$d
		else
			K612='' H612=''
		fi
	fi
}

# ---- the steps -------------------------------------------------------------

s_deps() {
	[ "$(id -u)" = 0 ] || die "must run as root (it installs packages)"
	command -v apt-get >/dev/null || die "not a Debian system"
	apt_install "${TOOLS[@]}" || die "apt-get install of the packaging tools failed"
	run "$HERE/deps.sh" || die "scripts/deps.sh failed"
	if [ "$T612" = yes ]; then
		KERNEL=6.12 run "$HERE/deps.sh" || die "KERNEL=6.12 scripts/deps.sh failed"
	fi
	KVER=$(kenv "$CACHE/kernel.env" KVER)
	[ -n "$KVER" ] && [ -d "/lib/modules/$KVER/build" ] ||
		die "no headers for the VM kernel ${KVER:-?} in /lib/modules/${KVER:-?}/build"
	show "VM kernel $KVER; $(dkms --version); $(pandoc --version | head -n 1); lintian $(lintian --print-version)"
}

s_make_deb() {
	LINTIAN=0 run "$HERE/mkdeb.sh" "$DEBDIR" || die "make deb failed"
	for p in "${PKGS[@]}"; do
		ls "$DEBDIR/${p}_${VERSION}_"*.deb >/dev/null || die "no $p .deb"
	done
	show "$(cd "$DEBDIR" && ls -- *.deb | tr '\n' ' ')"
}

s_lintian() {
	local changes
	changes=$(ls "$DEBDIR"/*.changes) || die "no .changes (make-deb failed?)"
	run lintian --display-info --fail-on error,warning "$changes" ||
		die "lintian reports errors or warnings"
	show "lintian $(basename "$changes"): no error or warning"
}

# expect_files ROOT PATH...: each exists (a file, or the link named).
expect_files() {
	local r=$1 p bad=0
	shift
	for p in "$@"; do
		if [ ! -e "$r$p" ] && [ ! -L "$r$p" ]; then
			echo "missing: $p"
			bad=1
		fi
	done
	return $bad
}

s_destdir() {
	local d="$OUT/destdir" lib pages p
	run make -C "$ROOT" --no-print-directory install DESTDIR="$d" MODULES_LOAD=1 ||
		die "make install DESTDIR=... failed"
	lib=/usr/local/lib
	mapfile -t pages < <("$HERE/mkman.sh" list "$ROOT/docs/api")
	expect_files "$d" $lib/libmx.a $lib/libmx.so.$VERSION $lib/libmx.so.1 $lib/libmx.so \
		$lib/pkgconfig/libmx.pc /usr/local/include/magenta/syscalls.h \
		/usr/local/include/magenta/types.h /usr/local/include/magenta/uapi/magenta.h \
		"${pages[@]/#//usr/local/share/man/}" /usr/local/lib/udev/rules.d/60-magenta.rules \
		/usr/local/lib/modules-load.d/magenta.conf \
		"/usr/src/magenta-$VERSION/dkms.conf" "/usr/src/magenta-$VERSION/Kbuild" \
		"/usr/src/magenta-$VERSION/kmod/Kbuild" "/usr/src/magenta-$VERSION/kmod/main.c" \
		"/usr/src/magenta-$VERSION/uapi/linux/magenta.h" || die "files missing after make install"
	[ "$(readlink "$d$lib/libmx.so.1")" = "libmx.so.$VERSION" ] || die "libmx.so.1 does not point to libmx.so.$VERSION"
	[ "$(readlink "$d$lib/libmx.so")" = libmx.so.1 ] || die "libmx.so does not point to libmx.so.1"
	readelf -d "$d$lib/libmx.so.$VERSION" | grep -q 'SONAME.*\[libmx\.so\.1\]' || die "soname is not libmx.so.1"
	grep -qx "Version: $VERSION" "$d$lib/pkgconfig/libmx.pc" || die "libmx.pc: no Version: $VERSION"
	grep -qx "prefix=/usr/local" "$d$lib/pkgconfig/libmx.pc" || die "libmx.pc: prefix is not /usr/local"
	grep -qx "PACKAGE_VERSION=\"$VERSION\"" "$d/usr/src/magenta-$VERSION/dkms.conf" ||
		die "dkms.conf: PACKAGE_VERSION is not $VERSION"
	grep -q '<magenta/uapi/magenta.h>' "$d/usr/local/include/magenta/types.h" ||
		die "types.h does not include <magenta/uapi/magenta.h>"
	[ ! -e "$d/usr/local/include/linux" ] || die "something was installed in include/linux/"
	ls "$d/usr/src/magenta-$VERSION/kmod/"*.o >/dev/null 2>&1 && die "objects in the DKMS source"
	run make -C "$ROOT" --no-print-directory uninstall DESTDIR="$d" MODULES_LOAD=1 ||
		die "make uninstall DESTDIR=... failed"
	left=$(find "$d" ! -type d)
	[ -z "$left" ] || die "left after make uninstall: $(echo "$left" | tr '\n' ' ')"
	show "make install DESTDIR: $(( ${#pages[@]} + 17 )) paths checked; make uninstall left no file"
}

s_make_install() {
	local st
	command -v dkms >/dev/null || die "no dkms"
	[ -z "$(dkms status "$MOD" 2>/dev/null)" ] || die "$MOD is already registered with DKMS (dkms status)"
	run make -C "$ROOT" --no-print-directory install DKMS_KERNELS= || die "make install failed"
	st=$(dkms status "$MOD")
	echo "dkms status: $st"
	echo "$st" | grep -q "^magenta/$VERSION: added" || die "dkms status does not show $MOD added: $st"
	ldconfig -p | grep -q 'libmx.so.1 .*/usr/local/lib/libmx.so.1$' || die "ldconfig does not know /usr/local/lib/libmx.so.1"
	PKG_CONFIG_PATH=/usr/local/lib/pkgconfig pkg-config --modversion libmx | grep -qx "$VERSION" ||
		die "pkg-config --modversion libmx is not $VERSION"
	MANPATH=/usr/local/share/man man -w mx_msgpipe_write | grep -q '^/usr/local/share/man/man3/mx_msgpipe_write.3' ||
		die "man -w mx_msgpipe_write does not find /usr/local/share/man/man3/mx_msgpipe_write.3"
	run make -C "$ROOT" --no-print-directory uninstall || die "make uninstall failed"
	[ -z "$(dkms status "$MOD")" ] || die "still registered with DKMS after make uninstall"
	left=$(ls -d /usr/local/lib/libmx* /usr/local/include/magenta /usr/local/lib/pkgconfig/libmx.pc \
		/usr/local/share/man/man3/mx_* /usr/local/share/man/man7/magenta.7 \
		/usr/local/lib/udev/rules.d/60-magenta.rules "/usr/src/magenta-$VERSION" 2>/dev/null)
	[ -z "$left" ] || die "left after make uninstall: $(echo "$left" | tr '\n' ' ')"
	show "dkms status after make install: $st; make uninstall removed it and every file"
}

s_apt_install() {
	local p debs=()
	# A /usr/local install would shadow the package's headers and library.
	if ls -d /usr/local/include/magenta /usr/local/lib/libmx.so* >/dev/null 2>&1; then
		die "libmx is installed in /usr/local (make uninstall first): it would shadow the packages"
	fi
	dpkg_recover || die "dpkg --configure -a failed"
	for p in "${PKGS[@]}"; do
		if dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'installed'; then
			run apt-get purge "${APT_OPTS[@]}" "${PKGS[@]}" || die "cannot purge the earlier install"
			break
		fi
	done
	for p in "${PKGS[@]}"; do debs+=("$(ls "$DEBDIR/${p}_${VERSION}_"*.deb)"); done
	run apt-get install "${APT_OPTS[@]}" "${debs[@]}" || die "apt-get install of the packages failed"
	for p in "${PKGS[@]}"; do
		dpkg-query -W -f='${Status} ${Version}\n' "$p" | grep -q "install ok installed $VERSION" ||
			die "$p is not installed at $VERSION"
	done
	show "$(dkms status "$MOD" | tr '\n' ';' | sed 's/;$//')"
}

# ko_of KVER: the installed (or built) module of that kernel, as a plain .ko
# copied to $OUT/magenta-KVER.ko.
ko_of() {
	local k=$1 f
	f=$(ls "/lib/modules/$k/updates/dkms/magenta.ko"* 2>/dev/null | head -n 1)
	[ -n "$f" ] || f=$(ls "/var/lib/dkms/$MOD/$k/"*/module/magenta.ko* 2>/dev/null | head -n 1)
	[ -n "$f" ] || return 1
	case "$f" in
	*.xz) xz -dc "$f" ;;
	*.zst) zstd -dcq "$f" ;;
	*.gz) gzip -dc "$f" ;;
	*) cat "$f" ;;
	esac >"$OUT/magenta-$k.ko"
	echo "$f"
}

s_dkms_61() {
	local k f vm
	k=$(kenv "$CACHE/kernel.env" KVER)
	[ -n "$k" ] || die "no VM kernel (kernel.env)"
	if ! dkms status "$MOD" -k "$k" | grep -q ': installed'; then
		# The packages' postinst builds for every kernel with headers;
		# build it here if it did not (e.g. /etc/dkms/no-autoinstall).
		run dkms build "$MOD" -k "$k" || die "dkms build -k $k failed"
		run dkms install "$MOD" -k "$k" || die "dkms install -k $k failed"
	fi
	dkms status "$MOD" -k "$k" | grep -q ': installed' || die "dkms status: not installed for $k"
	f=$(ko_of "$k") || die "no magenta.ko for $k from DKMS"
	vm=$(modinfo -F vermagic "$OUT/magenta-$k.ko" | awk '{ print $1 }')
	[ "$vm" = "$k" ] || die "$f: vermagic $vm, not $k"
	echo "$f: vermagic $(modinfo -F vermagic "$OUT/magenta-$k.ko")"
	show "$(dkms status "$MOD" -k "$k"); $f"
}

s_dkms_612() {
	local f vm
	# vm-6.12 follows this step's outcome (the headers may come and go
	# meanwhile when someone runs KERNEL=6.12 scripts/deps.sh).
	echo skip >"$OUT/dkms-6.12.result"
	[ "$T612" = no ] && skip "INSTALL_TEST_612=no"
	find_612
	[ -n "$H612" ] || skip "no Debian 6.12 headers here (INSTALL_TEST_612=yes fetches them)"
	echo fail >"$OUT/dkms-6.12.result"
	# The headers may be unpacked outside /lib/modules (deps.sh does that
	# with 6.12's, which depend on their image): name them to dkms.
	run dkms build "$MOD" -k "$K612" --kernelsourcedir "$H612" ||
		die "dkms build against the 6.12 headers ($K612) failed; log: /var/lib/dkms/$MOD/build/make.log"
	f=$(ko_of "$K612") || die "no magenta.ko for $K612 from DKMS"
	vm=$(modinfo -F vermagic "$OUT/magenta-$K612.ko" | awk '{ print $1 }')
	[ "$vm" = "$K612" ] || die "$f: vermagic $vm, not $K612"
	echo "$K612" >"$OUT/dkms-6.12.result"
	show "$(dkms status "$MOD" -k "$K612"); headers $H612"
}

s_man() {
	local pages=() p w
	for p in $("$HERE/mkman.sh" list "$ROOT/docs/api"); do
		pages+=("/usr/share/man/$p.gz")
	done
	expect_files "" "${pages[@]}" ||
		die "man pages missing from /usr/share/man (a dpkg path-exclude for /usr/share/man?)"
	run "$HERE/mkman.sh" check "${pages[@]}" || die "the installed man pages have problems"
	w=$(man -w mx_msgpipe_write) || die "man -w mx_msgpipe_write failed"
	[ "$w" = /usr/share/man/man3/mx_msgpipe_write.3.gz ] || die "man -w mx_msgpipe_write: $w"
	MANWIDTH=80 man mx_handle_import 2>&1 | grep -q 'mx_handle_export, mx_handle_import - ' ||
		die "man mx_handle_import does not show the page"
	# The man-db trigger indexed them (whatis, apropos).
	w=$(whatis -l mx_msgpipe_write)
	echo "whatis: $w"
	echo "$w" | grep -q '^mx_msgpipe_write (3) *- write a message to a message pipe' ||
		die "whatis mx_msgpipe_write does not find it (mandb index)"
	show "${#pages[@]} pages clean; whatis: $w"
}

s_pkg_config() {
	local d="$OUT/example" flags rc lib
	mkdir -p "$d"
	cp "$ROOT/examples/installed/mx_hello.c" "$ROOT/examples/installed/Makefile" "$d/"
	run pkg-config --modversion libmx | grep -qx "$VERSION" || die "pkg-config --modversion libmx is not $VERSION"
	flags=$(pkg-config --cflags --libs libmx)
	echo "pkg-config --cflags --libs libmx: $flags"
	run make -C "$d" mx_hello mx_hello-static || die "the example does not build with pkg-config"
	case "$flags" in *"$ROOT"*) die "pkg-config points into the tree: $flags" ;; esac
	lib=$(ldd "$d/mx_hello" | awk '$1 == "libmx.so.1" { print $3 }')
	echo "mx_hello loads libmx.so.1 from $lib"
	# /lib is /usr/lib on Debian 12 (merged /usr): compare the real files.
	[ -n "$lib" ] && [ "$(readlink -f "$lib")" = "$(readlink -f "/usr/lib/$(dpkg-architecture -qDEB_HOST_MULTIARCH)/libmx.so.1")" ] ||
		die "mx_hello does not load the packaged libmx.so.1 (ldd: ${lib:-none})"
	file "$d/mx_hello-static" | grep -q 'statically linked' || die "mx_hello-static is not static"
	"$d/mx_hello"
	rc=$?
	if [ -e /dev/magenta ]; then
		[ "$rc" = 0 ] || die "mx_hello exited $rc"
	else
		[ "$rc" = 77 ] || die "mx_hello exited $rc, not 77 (no /dev/magenta here)"
	fi
	show "pkg-config --cflags --libs libmx: '$flags'; mx_hello on this machine (no module): exit $rc"
}

# vm_run KVER PROG [KERNEL name]: the program in the VM with that DKMS module.
vm_run() {
	local k=$1 prog=$2 kname=${3:-} out
	[ -f "$OUT/magenta-$k.ko" ] || die "no DKMS-built module for $k (an earlier step failed)"
	[ -x "$prog" ] || die "no $prog (pkg-config step failed?)"
	# KERNEL picks vm.sh's kernel: unset, the default (6.1).
	if [ -n "$kname" ]; then
		out=$(KERNEL=$kname "$HERE/vm.sh" run --dir "$OUT/vm" --ko "$OUT/magenta-$k.ko" "$prog" 2>&1)
	else
		out=$(env -u KERNEL "$HERE/vm.sh" run --dir "$OUT/vm" --ko "$OUT/magenta-$k.ko" "$prog" 2>&1)
	fi
	rc=$?
	echo "$out"
	[ "$rc" = 0 ] || die "the program exited $rc in the VM ($(echo "$out" | grep -m1 '^FAIL:' || true))"
	echo "$out" | grep -q '^mx_hello: ok' || die "no 'mx_hello: ok' from the VM"
	show "$(echo "$out" | grep -m1 'read "hello"')"
}

s_vm_static() {
	vm_run "$(kenv "$CACHE/kernel.env" KVER)" "$OUT/example/mx_hello-static"
}

s_vm_dynamic() {
	vm_run "$(kenv "$CACHE/kernel.env" KVER)" "$OUT/example/mx_hello"
	echo "$(ls -d "$OUT"/vm/initramfs/usr/lib/x86_64-linux-gnu/libmx.so* "$OUT"/vm/initramfs/lib/x86_64-linux-gnu/libmx.so* 2>/dev/null)"
}

s_vm_612() {
	local envf
	K612=$(cat "$OUT/dkms-6.12.result" 2>/dev/null)
	case "$K612" in
	skip) skip "dkms-6.12 was skipped" ;;
	"" | fail) die "no DKMS-built 6.12 module (dkms-6.12 failed)" ;;
	esac
	envf=$(KERNEL=6.12 "$HERE/kdir.sh" --env 2>/dev/null)
	[ -n "$(kenv "$envf" VMLINUZ)" ] || skip "no 6.12 VM kernel (KERNEL=6.12 scripts/deps.sh fetches it)"
	vm_run "$K612" "$OUT/example/mx_hello-static" 6.12
}

s_apt_purge() {
	[ "${INSTALL_TEST_KEEP:-0}" = 1 ] && skip "INSTALL_TEST_KEEP=1: the packages stay installed"
	run apt-get purge "${APT_OPTS[@]}" "${PKGS[@]}" || die "apt-get purge failed"
	[ -z "$(dkms status "$MOD")" ] || die "DKMS still knows $MOD: $(dkms status "$MOD")"
	left=$(ls -d "/usr/src/magenta-$VERSION" /lib/modules/*/updates/dkms/magenta.ko* \
		/usr/lib/x86_64-linux-gnu/libmx* /usr/include/magenta /usr/share/man/man3/mx_* \
		/lib/udev/rules.d/60-magenta.rules "/var/lib/dkms/magenta" 2>/dev/null)
	[ -z "$left" ] || die "left after purge: $(echo "$left" | tr '\n' ' ')"
	show "purged; dkms status and the file system show nothing of magenta"
}

T0=$SECONDS
echo "# install-test: magenta-linux $VERSION (INSTALL_TEST_612=$T612)"
step deps s_deps
step make-deb s_make_deb
step lintian s_lintian
step destdir s_destdir
step make-install s_make_install
step apt-install s_apt_install
step dkms-6.1 s_dkms_61
step dkms-6.12 s_dkms_612
step man s_man
step pkg-config s_pkg_config
step vm-static s_vm_static
step vm-dynamic s_vm_dynamic
step vm-6.12 s_vm_612
step apt-purge s_apt_purge
echo "# install-test: $((SECONDS - T0)) s; logs in ${OUT#"$ROOT"/}/"
[ -z "$FAILS" ] || echo "# failed:$FAILS"
line="$PASSED passed, $FAILED failed"
[ "$SKIPPED" = 0 ] || line="$line, $SKIPPED skipped"
echo "$line"
[ "$FAILED" = 0 ]
