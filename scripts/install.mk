# SPDX-License-Identifier: GPL-2.0
#
# Installing magenta-linux (included at the end of the top-level Makefile).
#
#   make install       libmx (static, shared, headers, libmx.pc), the man pages,
#                      the udev rule, and the module's source for DKMS in
#                      /usr/src/magenta-$(VERSION)/; with no DESTDIR and dkms
#                      installed, also `dkms add`, `dkms build` and
#                      `dkms install` for each kernel in DKMS_KERNELS
#   make uninstall     the reverse (`dkms remove --all` first)
#   make man           the man pages in $(BUILD)/man, from docs/api/*.md
#   make man-check     groff -ww, man -l and lexgrog on them, warnings fatal
#   make deb           Debian packages magenta-dkms, libmx1, libmx-dev (and the
#                      source package) in $(BUILD)/deb, checked by lintian
#   make install-test  the whole path on this machine, as root: packages,
#                      lintian, DKMS builds, pkg-config, the module in the VM
#
# Variables: DESTDIR; PREFIX (/usr/local); LIBDIR, INCLUDEDIR, MANDIR,
# UDEVRULESDIR ($(PREFIX)/lib/udev/rules.d), MODULESLOADDIR
# ($(PREFIX)/lib/modules-load.d: udev and systemd read both under /usr/local
# too); MODULES_LOAD=1 also installs modules-load.d/magenta.conf (load the
# module at boot); DKMS=auto|yes|no; DKMS_KERNELS (default: the running
# kernel). The DKMS source always goes to $(DESTDIR)/usr/src, the only place
# dkms looks.
#
# One version for everything: the VERSION file (the library's real name and
# soname, libmx.pc, dkms.conf, the packages; debian/changelog must agree,
# which `make deb` checks).

MX_VERSION     := $(shell cat $(CURDIR)/VERSION)
PREFIX         ?= /usr/local
LIBDIR         ?= $(PREFIX)/lib
INCLUDEDIR     ?= $(PREFIX)/include
MANDIR         ?= $(PREFIX)/share/man
UDEVRULESDIR   ?= $(PREFIX)/lib/udev/rules.d
MODULESLOADDIR ?= $(PREFIX)/lib/modules-load.d
MODULES_LOAD   ?= 0
DKMS           ?= auto
DKMS_KERNELS   ?= $(shell uname -r)
DKMS_SRC       := /usr/src/magenta-$(MX_VERSION)
MAN_OUT        := $(BUILD)/man
MKMAN          := $(CURDIR)/scripts/mkman.sh

# The module's sources as DKMS builds them: no objects, no generated
# *.mod.c. (The rig's fault-injecting module lives in scripts/rigtest/module/
# and is never installed.)
DKMS_FILES := Kbuild kmod/Kbuild \
	$(filter-out %.mod.c,$(wildcard kmod/*.c)) \
	$(wildcard kmod/*.h) uapi/linux/magenta.h

LIBMX_INSTALL_VARS := DESTDIR=$(DESTDIR) PREFIX=$(PREFIX) LIBDIR=$(LIBDIR) \
	INCLUDEDIR=$(INCLUDEDIR)

.PHONY: install uninstall man man-check deb install-test install-dkms-source

man: $(MAN_OUT)/.stamp

$(MAN_OUT)/.stamp: $(wildcard docs/api/*.md) scripts/man.lua scripts/mkman.sh VERSION
	$(MKMAN) build docs/api $(MAN_OUT) $(MX_VERSION)
	@touch $@

man-check: man
	$(MKMAN) check $(MAN_OUT)

install-dkms-source:
	@echo "install the module's source for DKMS in $(DESTDIR)$(DKMS_SRC)/ ($(words $(DKMS_FILES)) files and dkms.conf)"
	@rm -rf $(DESTDIR)$(DKMS_SRC)
	@install -d $(DESTDIR)$(DKMS_SRC)/kmod $(DESTDIR)$(DKMS_SRC)/uapi/linux
	@for f in $(DKMS_FILES); do install -m 644 $$f $(DESTDIR)$(DKMS_SRC)/$$f || exit 1; done
	@sed 's/#MODULE_VERSION#/$(MX_VERSION)/' dkms.conf >$(DESTDIR)$(DKMS_SRC)/dkms.conf
	@chmod 644 $(DESTDIR)$(DKMS_SRC)/dkms.conf

install: libmx man install-dkms-source
	$(MAKE) -C libmx install $(LIBMX_INSTALL_VARS)
	@pages=$$($(MKMAN) list docs/api); \
	echo "install $$(echo $$pages | wc -w) man pages in $(DESTDIR)$(MANDIR)/man3, man7"; \
	install -d $(DESTDIR)$(MANDIR)/man3 $(DESTDIR)$(MANDIR)/man7 && \
	for p in $$pages; do install -m 644 $(MAN_OUT)/$$p $(DESTDIR)$(MANDIR)/$$p || exit 1; done
	install -d $(DESTDIR)$(UDEVRULESDIR)
	install -m 644 system/60-magenta.rules $(DESTDIR)$(UDEVRULESDIR)/
ifeq ($(MODULES_LOAD),1)
	install -d $(DESTDIR)$(MODULESLOADDIR)
	install -m 644 system/magenta-modules-load.conf $(DESTDIR)$(MODULESLOADDIR)/magenta.conf
endif
	@if [ -z "$(DESTDIR)" ] && [ -S /run/udev/control ] && command -v udevadm >/dev/null; then \
		echo "udevadm control --reload"; udevadm control --reload; fi
	@$(CURDIR)/scripts/dkms-install.sh install "$(DKMS)" "$(DESTDIR)" $(MX_VERSION) $(DKMS_KERNELS)

uninstall:
	@$(CURDIR)/scripts/dkms-install.sh uninstall "$(DKMS)" "$(DESTDIR)" $(MX_VERSION)
	rm -rf $(DESTDIR)$(DKMS_SRC)
	@echo "remove the man pages from $(DESTDIR)$(MANDIR)"; \
	cd $(DESTDIR)$(MANDIR) 2>/dev/null && rm -f $$($(MKMAN) list $(CURDIR)/docs/api) || true
	rm -f $(DESTDIR)$(UDEVRULESDIR)/60-magenta.rules $(DESTDIR)$(MODULESLOADDIR)/magenta.conf
	$(MAKE) -C libmx uninstall $(LIBMX_INSTALL_VARS)
	@if [ -z "$(DESTDIR)" ] && [ -S /run/udev/control ] && command -v udevadm >/dev/null; then \
		echo "udevadm control --reload"; udevadm control --reload; fi

deb:
	@$(CURDIR)/scripts/mkdeb.sh $(BUILD)/deb

install-test:
	@$(CURDIR)/scripts/install-test.sh
