#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Install what the magenta-linux build and test rig need on Debian 12, as root.
#
# Idempotent: when everything is already in place it only checks (no apt-get
# update, well under a second). Otherwise it runs apt-get update once and
# installs, in a single apt transaction with explicit versions:
#   linux-headers-<kver>  and  linux-source-<major.minor>  matching the image
#   that linux-image-amd64 currently depends on, plus the tools.
# The kernel image itself is NOT installed (that would pull initramfs-tools
# and run update-initramfs); its .deb is downloaded and only /boot is unpacked
# into $MAGENTA_CACHE/<kver>/, next to an uncompressed PVH vmlinux.
#
# Output: the kernel version settled on, and $MAGENTA_CACHE/kernel.env with
#   KVER  KVERSION  VMLINUZ  VMLINUX  HEADERS  SRC_TARBALL
#
# Environment: MAGENTA_CACHE (default /var/cache/magenta-linux),
#              MAGENTA_KVER (force a kernel ABI name, e.g. 6.1.0-56-amd64).

set -euo pipefail
export PATH="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin${PATH:+:$PATH}"
export DEBIAN_FRONTEND=noninteractive
export LC_ALL=C

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CACHE="${MAGENTA_CACHE:-/var/cache/magenta-linux}"
TOOLS=(qemu-system-x86 busybox-static sparse cpio xz-utils zstd gzip kmod
       gcc make libc6-dev perl binutils coreutils)

say() { echo "deps: $*" >&2; }
die() { echo "deps: error: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "must run as root (it installs packages)"
command -v apt-get >/dev/null || die "not a Debian system (no apt-get)"

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
# image linux-image-amd64 points at, from apt's current lists (one apt-cache
# call: apt here may have no binary cache, so each call costs ~0.5 s).
resolve_image() {
	local dep
	if [ -n "${MAGENTA_KVER:-}" ]; then
		KVER="$MAGENTA_KVER"
		KVERSION=$(candidate "linux-image-$KVER")
	else
		# e.g. "Depends: linux-image-6.1.0-56-amd64 (= 6.1.192-2)"
		dep=$(apt-cache show --no-all-versions linux-image-amd64 2>/dev/null |
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
	installed "linux-headers-$KVER" "$HDR_VERSION" || echo "linux-headers-$KVER=$HDR_VERSION"
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

env_ready() {
	[ -f "$CACHE/kernel.env" ] && grep -qx "KVERSION=$KVERSION" "$CACHE/kernel.env" &&
		grep -qx "KVER=$KVER" "$CACHE/kernel.env" &&
		{ [ -s "$CACHE/$KVER/vmlinux" ] || [ -f "$CACHE/$KVER/vmlinux.failed" ]; }
}

updated=0
apt_update() {
	[ "$updated" = 1 ] && return 0
	say "apt-get update"
	apt-get update -qq >&2 || die "apt-get update failed"
	updated=1
}

# Fast path: the last run's choices (kernel.env) still match what
# linux-image-amd64 points at, and all of it is in place.
fast=0
if [ -f "$CACHE/kernel.env" ] && resolve_image; then
	rec() { sed -n "s/^$1=//p" "$CACHE/kernel.env"; }
	if [ "$(rec KVER)" = "$KVER" ] && [ "$(rec KVERSION)" = "$KVERSION" ]; then
		HDR_VERSION=$(rec HDR_VERSION)
		SRC_PKG=$(rec SRC_PKG)
		SRC_VERSION=$(rec SRC_VERSION)
		if [ -n "$HDR_VERSION" ] && [ -n "$SRC_PKG" ] && [ -z "$(missing)" ] &&
			image_ready && env_ready; then
			fast=1
		fi
	fi
fi

if [ "$fast" = 0 ]; then
	if ! resolve; then
		apt_update
		resolve || die "cannot resolve linux-image-amd64 (or matching headers) from apt"
	fi
	todo=$(missing)
	if [ -n "$todo" ] || ! image_ready; then
		# Something is missing: refresh the lists once, and resolve
		# again (the archive may have moved on since they were fetched).
		apt_update
		resolve || die "cannot resolve linux-image-amd64 (or matching headers) from apt"
		todo=$(missing)
	fi
else
	todo=
fi

if [ -n "$todo" ]; then
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
	rm -rf "$d"
	mkdir -p "$d"
	cp "$tmp/x/boot/vmlinuz-$KVER" "$d/vmlinuz"
	cp "$tmp/x/boot/config-$KVER" "$d/config" 2>/dev/null || true
	cp "$tmp/x/boot/System.map-$KVER" "$d/System.map" 2>/dev/null || true
	echo "$KVERSION" >"$d/VERSION"
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
	hdr="/usr/src/linux-headers-$KVER"
	[ -d "$hdr" ] || hdr=$(readlink -f "/lib/modules/$KVER/build" 2>/dev/null || true)
	src=$(dpkg -L "$SRC_PKG" 2>/dev/null | grep -E '/usr/src/linux-source-.*\.tar\.xz$' | head -n1 || true)
	{
		echo "# written by scripts/deps.sh"
		echo "KVER=$KVER"
		echo "KVERSION=$KVERSION"
		echo "HDR_VERSION=$HDR_VERSION"
		echo "SRC_PKG=$SRC_PKG"
		echo "SRC_VERSION=$SRC_VERSION"
		echo "VMLINUZ=$d/vmlinuz"
		if [ -s "$d/vmlinux" ]; then echo "VMLINUX=$d/vmlinux"; else echo "VMLINUX="; fi
		echo "HEADERS=$hdr"
		echo "SRC_TARBALL=$src"
	} >"$CACHE/kernel.env.tmp"
	mv "$CACHE/kernel.env.tmp" "$CACHE/kernel.env"
fi

echo "kernel: $KVER ($KVERSION)"
