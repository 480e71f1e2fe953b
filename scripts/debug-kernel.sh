#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build (once per machine) a checking kernel from Debian's linux-source-6.1,
# trimmed to what the test VM needs: by default the debug kernel of `make
# check-debug` (KASAN, lockdep, kmemleak, UBSAN and fault injection,
# scripts/debug-kernel.config); with DEBUG_KERNEL_FRAGMENT and
# DEBUG_KERNEL_VARIANT, another one from the same recipe (`make check-kcsan`:
# scripts/kcsan-kernel.config, variant kcsan).
#
#   debug-kernel.sh          build if needed; print the kernel's env file
#   debug-kernel.sh --env    print the env file's path only if already built
#                            (exit 1 otherwise; never builds)
#
# The result is cached outside the repository, keyed by the variant, the
# source package version and a hash of the config fragment and the build
# recipe (RECIPE):
#   $MAGENTA_CACHE/<variant>-<srcversion>-<hash>/  (default /var/cache/magenta-linux)
#     vmlinux      the uncompressed ELF (PVH entry)
#     bzImage      the same kernel, compressed
#     build/       the O= tree: build out-of-tree modules with
#                  make -C <dir>/build M=... modules
#     kernel.env   KVER=, VMLINUX=, BZIMAGE=, KDIR=, SRC_VERSION=, BUILD_SECONDS=
#     build.log    the kernel build's output
# The source tree the O= tree refers to is $MAGENTA_CACHE/linux-source-<srcversion>/
# (shared by all configs; removed only by hand). One lock serialises the
# builds of every variant (two kernel builds at once only compete for CPUs).
#
# Environment: MAGENTA_CACHE, DEBUG_KERNEL_JOBS (default: nproc),
# DEBUG_KERNEL_SRC (default /usr/src/linux-source-6.1.tar.xz),
# DEBUG_KERNEL_FRAGMENT (the config fragment; default
# scripts/debug-kernel.config), DEBUG_KERNEL_VARIANT (the name: cache
# directory prefix and messages; default debug). The hash covers only the
# fragment's contents and RECIPE, so the default debug kernel's cache key is
# the same as before these two knobs existed.

set -euo pipefail
export PATH="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin${PATH:+:$PATH}"
export LC_ALL=C

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CACHE="${MAGENTA_CACHE:-/var/cache/magenta-linux}"
FRAGMENT="${DEBUG_KERNEL_FRAGMENT:-$HERE/debug-kernel.config}"
VARIANT="${DEBUG_KERNEL_VARIANT:-debug}"
TARBALL="${DEBUG_KERNEL_SRC:-/usr/src/linux-source-6.1.tar.xz}"
SRC_PKG=linux-source-6.1
JOBS="${DEBUG_KERNEL_JOBS:-$(nproc)}"

die() {
	echo "FAIL: $VARIANT-kernel: $*" >&2
	exit 1
}
log() {
	echo "$VARIANT-kernel: $*" >&2
}

ONLY_ENV=0
[ "${1:-}" = --env ] && ONLY_ENV=1

# ---- the cache key ----------------------------------------------------------
case "$VARIANT" in
"" | *[!a-z0-9_]*) die "DEBUG_KERNEL_VARIANT=$VARIANT: use [a-z0-9_] only" ;;
esac
[ -r "$FRAGMENT" ] || die "config fragment $FRAGMENT not found"
[ -r "$TARBALL" ] || die "$TARBALL missing: run scripts/deps.sh (package $SRC_PKG)"
SRC_VERSION=$(dpkg-query -W -f='${Version}' "$SRC_PKG" 2>/dev/null) ||
	SRC_VERSION=$(stat -c %s-%Y "$TARBALL")
[ -n "$SRC_VERSION" ] || SRC_VERSION=$(stat -c %s-%Y "$TARBALL")
# RECIPE names how the kernel is configured and built below: bump it when
# changing that, so the cache key changes (edits elsewhere in this script do
# not force a 15-minute rebuild).
RECIPE="allnoconfig+fragment+olddefconfig; bzImage modules; x86_64; v1"
HASH=$( { echo "$RECIPE"; cat "$FRAGMENT"; } | sha256sum | cut -c1-12)
OUT="$CACHE/$VARIANT-$SRC_VERSION-$HASH"
ENVF="$OUT/kernel.env"

if [ -r "$ENVF" ]; then
	echo "$ENVF"
	exit 0
fi
[ "$ONLY_ENV" = 1 ] && exit 1

# ---- build dependencies ---------------------------------------------------------
need=()
for p in bison flex bc libelf-dev libssl-dev make gcc xz-utils cpio; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
	log "installing ${need[*]}"
	[ "$(id -u)" = 0 ] || die "need root to install ${need[*]}"
	# Installing e.g. bison can upgrade linux-source-6.1 as a side effect
	# (seen here), which would change the cache key and fight deps.sh: keep
	# the installed version in the same transaction.
	pin=()
	v=$(dpkg-query -W -f='${Version}' "$SRC_PKG" 2>/dev/null || true)
	[ -n "$v" ] && pin=("$SRC_PKG=$v")
	inst() {
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
			--allow-downgrades "${need[@]}" "${pin[@]}" >&2
	}
	inst || { apt-get update -qq >&2 && inst; } || die "cannot install ${need[*]}"
fi

mkdir -p "$CACHE"
exec 9>"$CACHE/.debug-kernel.lock"
flock 9
# Someone else may have built it while we waited for the lock.
if [ -r "$ENVF" ]; then
	echo "$ENVF"
	exit 0
fi

T0=$(date +%s)

# ---- the source tree (shared by every config of this version) -----------------
SRC="$CACHE/linux-source-$SRC_VERSION"
if [ ! -f "$SRC/.complete" ]; then
	log "extracting $TARBALL into $SRC"
	rm -rf "$SRC" "$SRC.tmp"
	mkdir -p "$SRC.tmp"
	xz -T0 -dc "$TARBALL" | tar -x -C "$SRC.tmp" --strip-components=1 ||
		die "cannot extract $TARBALL"
	: >"$SRC.tmp/.complete"
	mv "$SRC.tmp" "$SRC"
fi

# ---- configure: allnoconfig + the fragment, every option checked ---------------
rm -rf "$OUT"
BUILD="$OUT/build"
mkdir -p "$BUILD"
KMAKE=(make -C "$SRC" O="$BUILD" ARCH=x86_64)
"${KMAKE[@]}" -s allnoconfig >&2
# merge_config.sh leaves temporary files in the current directory: run it
# in the build tree, never in the caller's (the repository).
(cd "$BUILD" && "$SRC/scripts/kconfig/merge_config.sh" -m -O "$BUILD" "$BUILD/.config" "$FRAGMENT" >/dev/null) ||
	die "merge_config.sh failed"
"${KMAKE[@]}" -s olddefconfig >&2 2>/dev/null
bad=0
while IFS= read -r line; do
	case "$line" in
	CONFIG_*=*)
		grep -qxF "$line" "$BUILD/.config" || {
			log "option lost: $line (now: $(grep -E "^(# )?${line%%=*}[= ]" "$BUILD/.config" || echo absent))"
			bad=1
		}
		;;
	"# CONFIG_"*" is not set")
		sym=${line#\# }
		sym=${sym%% *}
		if grep -qE "^$sym=[ym]" "$BUILD/.config"; then
			log "option forced on: $sym"
			bad=1
		fi
		;;
	esac
done <"$FRAGMENT"
[ "$bad" = 0 ] || die "the config fragment does not apply cleanly (missing dependencies, see above)"

# ---- build ----------------------------------------------------------------------
log "building in $BUILD with -j$JOBS (log: $OUT/build.log); ~10-20 min on 2 cores"
# `modules` (there are none) also writes Module.symvers for external modules.
if ! "${KMAKE[@]}" -j"$JOBS" bzImage modules >"$OUT/build.log" 2>&1; then
	tail -n 40 "$OUT/build.log" >&2
	die "the kernel build failed (full log: $OUT/build.log)"
fi
cp "$BUILD/vmlinux" "$OUT/vmlinux"
cp "$BUILD/arch/x86/boot/bzImage" "$OUT/bzImage"
KVER=$(cat "$BUILD/include/config/kernel.release")
T1=$(date +%s)

cat >"$ENVF.tmp" <<EOF
# written by scripts/debug-kernel.sh
VARIANT=$VARIANT
KVER=$KVER
VMLINUX=$OUT/vmlinux
BZIMAGE=$OUT/bzImage
KDIR=$BUILD
SRC_VERSION=$SRC_VERSION
CONFIG_HASH=$HASH
BUILD_SECONDS=$((T1 - T0))
BUILT_ON=$(date -u +%Y-%m-%dT%H:%M:%SZ)
EOF
mv "$ENVF.tmp" "$ENVF"
log "built $KVER in $((T1 - T0)) s"
echo "$ENVF"
