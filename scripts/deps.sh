#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Install what the magenta-linux build and test rig need on Debian 12, as root,
# for one of the VM kernels (KERNEL):
#   6.1 (default)  what linux-image-amd64 depends on (Debian 12's kernel)
#   6.1-rt         what linux-image-rt-amd64 depends on (PREEMPT_RT)
#   6.12           what linux-image-6.12-amd64 depends on (the newest
#                  linux-image-6.12.*+deb12-amd64)
#
# Idempotent: when everything is already in place it only checks (no apt-get
# update, well under a second). Otherwise it runs apt-get update once and
# installs, in a single apt transaction with explicit versions:
#   linux-headers-<kver> matching the image exactly, linux-source-6.1 (the
#   kselftest headers and checkpatch; for 6.1, of the image's version), and
#   the tools.
# The kernel image itself is NOT installed (that would pull initramfs-tools
# and run update-initramfs); its .deb is downloaded and only /boot is unpacked
# into $MAGENTA_CACHE/<kver>/, next to an uncompressed PVH vmlinux. Headers
# that depend on their image (6.12's do) are not installed either: their
# other dependencies are (the -common headers, linux-kbuild, of the same
# version), and the headers .deb itself is unpacked into
# $MAGENTA_CACHE/<kver>/headers/.
#
# Output: the kernel version settled on, and the kernel's env file
# ($MAGENTA_CACHE/kernel.env for 6.1, kernel-<name>.env for the others;
# `scripts/kdir.sh --env` prints it) with
#   KERNEL  KVER  KVERSION  VMLINUZ  VMLINUX  HEADERS  SRC_TARBALL ...
#
# Environment: KERNEL (6.1 or default, 6.1-rt, 6.12; unset: 6.1),
#              MAGENTA_CACHE (default /var/cache/magenta-linux),
#              MAGENTA_KVER (force a kernel ABI name, e.g. 6.1.0-56-amd64).

set -euo pipefail
export PATH="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin${PATH:+:$PATH}"
export DEBIAN_FRONTEND=noninteractive
export LC_ALL=C

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CACHE="${MAGENTA_CACHE:-/var/cache/magenta-linux}"
# libglib2.0-dev: GLib's static libraries and pkg-config file, for the
# event-loop example (make example-glib, linked statically for the VM).
TOOLS=(qemu-system-x86 busybox-static sparse cpio xz-utils zstd gzip kmod
       gcc make libc6-dev perl binutils coreutils libglib2.0-dev pkg-config)

say() { echo "deps: $*" >&2; }
die() { echo "deps: error: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "must run as root (it installs packages)"
command -v apt-get >/dev/null || die "not a Debian system (no apt-get)"

# The kernel: its name, the meta-package that points at its image, its env file.
NAME=$("$HERE/kdir.sh" --name) || exit 1
ENVF=$("$HERE/kdir.sh" --env)
case "$NAME" in
6.1) META=linux-image-amd64 ;;
6.1-rt) META=linux-image-rt-amd64 ;;
6.12) META=linux-image-6.12-amd64 ;;
*) die "no image meta-package known for kernel $NAME" ;;
esac
# The source of the kselftest headers and checkpatch, the same for every
# kernel; only the default kernel pins it to its own version.
RIG_SRC_PKG=linux-source-6.1

# candidate <pkg>: the version apt would install, empty if none is known.
candidate() {
	apt-cache policy "$1" 2>/dev/null |
		awk '/Candidate:/ { if ($2 != "(none)") print $2; exit }'
}

# has_version <pkg> <version>: the archive (as apt knows it) offers it.
has_version() {
	apt-cache madison "$1" 2>/dev/null | awk -F'|' -v v="$2" '
		{ gsub(/ /, "", $2); if ($2 == v) found = 1 }
		END { exit !found }'
}

# installed <pkg> [version]: dpkg has it installed (at that version).
installed() {
	local st
	st=$(dpkg-query -W -f='${Status}|${Version}' "$1" 2>/dev/null) || return 1
	[ "${st%%|*}" = "install ok installed" ] || return 1
	[ -z "${2:-}" ] || [ "${st#*|}" = "$2" ]
}

# resolve_image: set KVER (ABI name) and KVERSION (package version) of the
# image $META points at, from apt's current lists (one apt-cache call: apt
# here may have no binary cache, so each call costs ~0.5 s).
resolve_image() {
	local dep
	if [ -n "${MAGENTA_KVER:-}" ]; then
		KVER="$MAGENTA_KVER"
		KVERSION=$(candidate "linux-image-$KVER")
	else
		# e.g. "Depends: linux-image-6.1.0-56-amd64 (= 6.1.192-2)"
		dep=$(apt-cache show --no-all-versions "$META" 2>/dev/null |
			sed -nE 's/^Depends: *(linux-image-[^ ,]+)( \(= ([^)]+)\))?.*/\1 \3/p' |
			head -n1)
		[ -n "$dep" ] || return 1
		KVER="${dep%% *}"
		KVER="${KVER#linux-image-}"
		KVER="${KVER%-unsigned}"
		KVERSION="${dep#* }"
		[ -n "$KVERSION" ] || KVERSION=$(candidate "linux-image-$KVER")
	fi
	[ -n "$KVER" ] && [ -n "$KVERSION" ]
}

# header_deps: what linux-headers-$KVER $HDR_VERSION depends on, but its
# image, as apt arguments (pkg or pkg=version), one a line: the first of
# each group of alternatives, with its version when the dependency is exact.
header_deps() {
	apt-cache show "linux-headers-$KVER=$HDR_VERSION" 2>/dev/null |
		sed -n 's/^Depends: //p' | head -n1 | tr ',' '\n' |
		awk '/linux-image-/ { next }
		     { sub(/\|.*/, ""); v = ""
		       if (match($0, /\(= [^)]*\)/)) v = substr($0, RSTART + 3, RLENGTH - 4)
		       if ($1 != "") print $1 (v == "" ? "" : "=" v) }'
}

# resolve: resolve_image, then the matching headers and source versions.
resolve() {
	resolve_image || return 1
	# Headers: exactly the image's version; else the same ABI's candidate
	# (Debian keeps the ABI stable within one ABI name).
	HDR_VERSION="$KVERSION"
	if ! has_version "linux-headers-$KVER" "$KVERSION"; then
		HDR_VERSION=$(candidate "linux-headers-$KVER")
		[ -n "$HDR_VERSION" ] || return 1
		say "warning: linux-headers-$KVER $KVERSION not in the archive; using $HDR_VERSION"
	fi
	# Headers that depend on their image (6.12's) cannot be installed
	# without it: install the rest, unpack them (HDR_MODE=unpack).
	HDR_MODE=apt
	HDR_DEPS=
	if apt-cache show "linux-headers-$KVER=$HDR_VERSION" 2>/dev/null |
		grep -q '^Depends:.*linux-image-'; then
		HDR_MODE=unpack
		HDR_DEPS=$(header_deps | tr '\n' ' ')
		HDR_DEPS=${HDR_DEPS% }
	fi
	if [ "$NAME" != 6.1 ]; then
		SRC_PKG=$RIG_SRC_PKG
		SRC_VERSION=
		return 0
	fi
	SRC_PKG="linux-source-$(echo "$KVER" | sed -E 's/^([0-9]+\.[0-9]+).*/\1/')"
	SRC_VERSION="$KVERSION"
	if ! has_version "$SRC_PKG" "$KVERSION"; then
		SRC_VERSION=$(candidate "$SRC_PKG")
		if [ -n "$SRC_VERSION" ]; then
			say "warning: $SRC_PKG $KVERSION not in the archive; using $SRC_VERSION"
		fi
	fi
	return 0
}

# missing: print what is not in place yet (nothing when all is right).
missing() {
	local p
	if [ "$HDR_MODE" = apt ]; then
		installed "linux-headers-$KVER" "$HDR_VERSION" || echo "linux-headers-$KVER=$HDR_VERSION"
	else
		for p in $HDR_DEPS; do
			case "$p" in
			*=*) installed "${p%%=*}" "${p#*=}" || echo "$p" ;;
			*) installed "$p" || echo "$p" ;;
			esac
		done
	fi
	if [ -n "$SRC_VERSION" ]; then
		installed "$SRC_PKG" "$SRC_VERSION" || echo "$SRC_PKG=$SRC_VERSION"
	elif ! installed "$SRC_PKG"; then
		echo "$SRC_PKG"
	fi
	for p in "${TOOLS[@]}"; do
		installed "$p" || echo "$p"
	done
}

image_ready() {
	local d="$CACHE/$KVER"
	[ -s "$d/vmlinuz" ] && [ -f "$d/VERSION" ] && [ "$(cat "$d/VERSION")" = "$KVERSION" ]
}

# The unpacked headers (HDR_MODE=unpack): $CACHE/<kver>/headers/.
headers_ready() {
	local h="$CACHE/$KVER/headers"
	[ "$HDR_MODE" = apt ] ||
		{ [ -f "$h/Makefile" ] && [ "$(cat "$h/.deb-version" 2>/dev/null)" = "$HDR_VERSION" ]; }
}

env_ready() {
	[ -f "$ENVF" ] && grep -qx "KVERSION=$KVERSION" "$ENVF" &&
		grep -qx "KVER=$KVER" "$ENVF" &&
		{ [ -s "$CACHE/$KVER/vmlinux" ] || [ -f "$CACHE/$KVER/vmlinux.failed" ]; }
}

updated=0
apt_update() {
	[ "$updated" = 1 ] && return 0
	say "apt-get update"
	apt-get update -qq >&2 || die "apt-get update failed"
	updated=1
}

# Fast path: the last run's choices (the env file) still match what
# $META points at, and all of it is in place.
fast=0
if [ -f "$ENVF" ] && resolve_image; then
	rec() { sed -n "s/^$1=//p" "$ENVF"; }
	if [ "$(rec KVER)" = "$KVER" ] && [ "$(rec KVERSION)" = "$KVERSION" ]; then
		HDR_VERSION=$(rec HDR_VERSION)
		HDR_MODE=$(rec HDR_MODE)
		HDR_MODE=${HDR_MODE:-apt}
		HDR_DEPS=$(rec HDR_DEPS)
		SRC_PKG=$(rec SRC_PKG)
		SRC_VERSION=$(rec SRC_VERSION)
		if [ -n "$HDR_VERSION" ] && [ -n "$SRC_PKG" ] && [ -z "$(missing)" ] &&
			image_ready && headers_ready && env_ready; then
			fast=1
		fi
	fi
fi

if [ "$fast" = 0 ]; then
	if ! resolve; then
		apt_update
		resolve || die "cannot resolve $META (or matching headers) from apt"
	fi
	todo=$(missing)
	if [ -n "$todo" ] || ! image_ready || ! headers_ready; then
		# Something is missing: refresh the lists once, and resolve
		# again (the archive may have moved on since they were fetched).
		apt_update
		resolve || die "cannot resolve $META (or matching headers) from apt"
		todo=$(missing)
	fi
else
	todo=
fi

if [ -n "$todo" ]; then
	# A run killed inside dpkg leaves it half done; apt-get refuses to run
	# until it is finished.
	if [ -n "$(dpkg --audit 2>/dev/null)" ]; then
		say "dpkg was interrupted earlier: dpkg --configure -a"
		dpkg --configure -a --force-confdef --force-confold >&2 ||
			die "dpkg --configure -a failed"
	fi
	# One transaction, explicit versions for the kernel pieces, and
	# --allow-downgrades so apt can move them back to the image's version.
	# shellcheck disable=SC2086
	say "installing:" $todo
	# shellcheck disable=SC2046
	apt-get install -y -qq --no-install-recommends --allow-downgrades \
		-o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
		$(echo "$todo") >&2 || die "apt-get install failed"
	todo=$(missing)
	[ -z "$todo" ] || die "still missing after install: $(echo $todo)"
fi

if ! image_ready; then
	d="$CACHE/$KVER"
	tmp=$(mktemp -d)
	chown _apt "$tmp" 2>/dev/null || chmod 777 "$tmp"
	trap 'rm -rf "$tmp"' EXIT
	say "downloading linux-image-$KVER $KVERSION (not installed; unpacking /boot only)"
	(cd "$tmp" && apt-get download -qq "linux-image-$KVER=$KVERSION" >&2) ||
		die "apt-get download linux-image-$KVER=$KVERSION failed"
	deb=$(ls "$tmp"/*.deb)
	mkdir -p "$tmp/x"
	dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$tmp/x" ./boot
	[ -s "$tmp/x/boot/vmlinuz-$KVER" ] || die "no boot/vmlinuz-$KVER in $deb"
	mkdir -p "$d"
	rm -f "$d/vmlinuz" "$d/config" "$d/System.map" "$d/VERSION" "$d/vmlinux" "$d/vmlinux.failed"
	cp "$tmp/x/boot/vmlinuz-$KVER" "$d/vmlinuz"
	cp "$tmp/x/boot/config-$KVER" "$d/config" 2>/dev/null || true
	cp "$tmp/x/boot/System.map-$KVER" "$d/System.map" 2>/dev/null || true
	echo "$KVERSION" >"$d/VERSION"
	rm -rf "$tmp"
	trap - EXIT
fi

if ! headers_ready; then
	# The headers .deb, unpacked: its usr/src/linux-headers-<kver>/ becomes
	# $CACHE/<kver>/headers/. Its Makefile includes the installed -common
	# headers by absolute path; links that leave the tree (scripts/ and
	# tools/ -> ../../lib/linux-kbuild-*) are made absolute, so that they
	# reach the installed linux-kbuild.
	h="$CACHE/$KVER/headers"
	tmp=$(mktemp -d)
	chown _apt "$tmp" 2>/dev/null || chmod 777 "$tmp"
	trap 'rm -rf "$tmp"' EXIT
	say "downloading linux-headers-$KVER $HDR_VERSION (not installed: it depends on the image; unpacking it)"
	(cd "$tmp" && apt-get download -qq "linux-headers-$KVER=$HDR_VERSION" >&2) ||
		die "apt-get download linux-headers-$KVER=$HDR_VERSION failed"
	dpkg-deb -x "$(ls "$tmp"/*.deb)" "$tmp/x"
	src="$tmp/x/usr/src/linux-headers-$KVER"
	[ -f "$src/Makefile" ] || die "no usr/src/linux-headers-$KVER/Makefile in the headers package"
	find "$src" -type l | while IFS= read -r l; do
		t=$(readlink "$l")
		case "$t" in /*) continue ;; esac
		rel=${l#"$src"}
		abs=$(readlink -m "/usr/src/linux-headers-$KVER$(dirname "$rel")/$t")
		case "$abs" in "/usr/src/linux-headers-$KVER"/*) ;; *) ln -sfn "$abs" "$l" ;; esac
	done
	echo "$HDR_VERSION" >"$src/.deb-version"
	mkdir -p "$CACHE/$KVER"
	rm -rf "$h"
	mv "$src" "$h"
	rm -rf "$tmp"
	trap - EXIT
fi

if [ "$fast" = 0 ]; then
	d="$CACHE/$KVER"
	rm -f "$d/vmlinux" "$d/vmlinux.failed"
	if "$HERE/vmlinux-extract.sh" "$d/vmlinuz" "$d/vmlinux.tmp" >&2; then
		mv "$d/vmlinux.tmp" "$d/vmlinux"
	else
		rm -f "$d/vmlinux.tmp"
		say "warning: no PVH vmlinux could be extracted; the VM will boot the bzImage"
		: >"$d/vmlinux.failed"
	fi
	if [ "$HDR_MODE" = unpack ]; then
		hdr="$CACHE/$KVER/headers"
	else
		hdr="/usr/src/linux-headers-$KVER"
		[ -d "$hdr" ] || hdr=$(readlink -f "/lib/modules/$KVER/build" 2>/dev/null || true)
	fi
	src=$(dpkg -L "$SRC_PKG" 2>/dev/null | grep -E '/usr/src/linux-source-.*\.tar\.xz$' | head -n1 || true)
	{
		echo "# written by scripts/deps.sh"
		echo "KERNEL=$NAME"
		echo "KVER=$KVER"
		echo "KVERSION=$KVERSION"
		echo "HDR_VERSION=$HDR_VERSION"
		echo "HDR_MODE=$HDR_MODE"
		echo "HDR_DEPS=$HDR_DEPS"
		echo "SRC_PKG=$SRC_PKG"
		echo "SRC_VERSION=$SRC_VERSION"
		echo "VMLINUZ=$d/vmlinuz"
		if [ -s "$d/vmlinux" ]; then echo "VMLINUX=$d/vmlinux"; else echo "VMLINUX="; fi
		echo "HEADERS=$hdr"
		echo "SRC_TARBALL=$src"
	} >"$ENVF.tmp"
	mv "$ENVF.tmp" "$ENVF"
fi

echo "kernel: $KVER ($KVERSION)"
