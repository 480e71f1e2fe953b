#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# vmlinux-extract.sh BZIMAGE OUT
#
# Write the uncompressed ELF kernel inside an x86 bzImage to OUT, so QEMU can
# boot it directly through its PVH entry point (no real-mode setup, no
# in-guest decompression: several seconds faster under TCG).
#
# The compressed payload is located from the boot-protocol header
# (setup_sects at 0x1f1, payload_offset/payload_length at 0x248/0x24c, boot
# protocol >= 2.08); if that does not work out, the file is scanned for the
# magic of each supported format (xz, zstd, gzip, lzma, bzip2, lz4, lzo) and
# each candidate is tried in turn until one decompresses to an ELF image.
# Exits non-zero (and writes nothing) if no ELF with a PVH note came out.

set -euo pipefail
export PATH="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin${PATH:+:$PATH}"
export LC_ALL=C

[ $# = 2 ] || { echo "usage: $0 BZIMAGE OUT" >&2; exit 2; }
img=$1
out=$2
[ -r "$img" ] || { echo "vmlinux-extract: cannot read $img" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# le32 <file> <offset>: little-endian 32-bit unsigned at offset.
le32() { od -An -tu4 -j "$2" -N4 "$1" | tr -d ' '; }
u8() { od -An -tu1 -j "$2" -N1 "$1" | tr -d ' '; }

# decompressor for the format whose magic starts the given file
decomp_for() {
	local hex
	hex=$(od -An -tx1 -N6 "$1" | tr -d ' \n')
	case "$hex" in
	fd377a585a00*) echo "xz -dc --single-stream" ;;
	28b52ffd*) echo "zstd -dcq" ;;
	1f8b08*) echo "gzip -dc" ;;
	5d0000*) echo "xz -dc --format=lzma" ;;
	425a68*) echo "bzip2 -dc" ;;
	02214c18*) echo "lz4 -dc" ;;
	894c5a*) echo "lzop -dc" ;;
	*) return 1 ;;
	esac
}

# try <offset> [length]: decompress from there; success if an ELF results.
try() {
	local off=$1 len=${2:-} cmd
	if [ -n "$len" ]; then
		tail -c +"$((off + 1))" "$img" | head -c "$len" >"$tmp/payload"
	else
		tail -c +"$((off + 1))" "$img" >"$tmp/payload"
	fi
	cmd=$(decomp_for "$tmp/payload") || return 1
	command -v "${cmd%% *}" >/dev/null || return 1
	# gzip/zstd complain about the trailing size word or padding but still
	# write the whole stream: judge by the result, not the exit status.
	$cmd <"$tmp/payload" >"$tmp/vmlinux" 2>/dev/null || true
	[ "$(od -An -tx1 -N4 "$tmp/vmlinux" | tr -d ' \n')" = 7f454c46 ] || return 1
	echo "vmlinux-extract: ${cmd%% *} payload at offset $off" >&2
}

found=0
# 1. The boot-protocol header.
if [ "$(od -An -c -j 514 -N4 "$img" | tr -d ' ')" = HdrS ]; then
	setup_sects=$(u8 "$img" 497)
	[ "$setup_sects" = 0 ] && setup_sects=4
	poff=$(le32 "$img" 584)
	plen=$(le32 "$img" 588)
	if [ "${plen:-0}" -gt 0 ]; then
		try "$(((setup_sects + 1) * 512 + poff))" "$plen" && found=1
	fi
fi

# 2. Scan for magics.
if [ "$found" = 0 ]; then
	for magic in '\xfd7zXZ\x00' '\x28\xb5\x2f\xfd' '\x1f\x8b\x08' \
		'\x5d\x00\x00' 'BZh' '\x02\x21\x4c\x18' '\x89LZO'; do
		while IFS=: read -r off _; do
			try "$off" && { found=1; break 2; }
		done < <(LC_ALL=C grep -obUaP "$magic" "$img" 2>/dev/null | head -n 20)
	done
fi

[ "$found" = 1 ] || { echo "vmlinux-extract: no decompressible ELF payload in $img" >&2; exit 1; }

# PVH needs the XEN_ELFNOTE_PHYS32_ENTRY note (type 18, owner "Xen").
if command -v readelf >/dev/null; then
	if ! readelf -n "$tmp/vmlinux" 2>/dev/null | grep -A0 -E '^\s+Xen\s' |
		grep -qiE '0x00000012|PHYS32'; then
		echo "vmlinux-extract: the ELF kernel has no PVH entry note" >&2
		exit 1
	fi
fi
mv "$tmp/vmlinux" "$out"
