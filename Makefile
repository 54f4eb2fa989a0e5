# SPDX-License-Identifier: GPL-2.0
#
# virtio-automotive: out-of-tree virtio drivers for automotive guests.
#
#   make [modules] [KDIR=<kernel build dir>] [LANE=mainline|6.12|6.1]
#                        build every driver against KDIR (default: the
#                        running kernel's build dir; LANE=: the rig's kernel
#                        of that lane, built if needed)
#   make check           static checks on every lane (W=1, sparse C=2,
#                        checkpatch --strict, coccicheck, kernel-doc)
#   make test [SUITE=] [LANE=] [TRANSPORT=]
#                        the test suites in guests (tools/testing/run-tests.sh)
#   make bench SUITE=    benchmarks
#   make demo            build, boot a guest with the devices, show them work
#   make modules-list    the modules a build against KDIR makes, one a line
#                        (no configured KDIR: every module there is)
#   make clean
#
# The kernel side of the build is in Kbuild; this file only drives it.

TESTING := $(CURDIR)/tools/testing
LANE ?=
# Evaluated once, and only by the targets that use it.
ifneq ($(LANE),)
KDIR ?= $(eval KDIR := $$(shell $(TESTING)/scripts/kernel.sh $(LANE)))$(KDIR)
endif
KDIR ?= /lib/modules/$(shell uname -r)/build

# Drivers and the kernel options each one needs. A driver whose folder has
# no Kbuild yet, or whose kernel lacks an option, is skipped with one line.
DRIVERS := virtio-can virtio-video virtio-scmi-ext
requires-virtio-can := CONFIG_VIRTIO CONFIG_CAN_DEV CONFIG_CAN_NETLINK
requires-virtio-video := CONFIG_VIRTIO CONFIG_V4L2_MEM2MEM_DEV CONFIG_VIDEOBUF2_DMA_SG \
	CONFIG_VIDEOBUF2_DMA_CONTIG
requires-virtio-scmi-ext := CONFIG_VIRTIO CONFIG_AUXILIARY_BUS

KCONFIG = $(KDIR)/include/config/auto.conf
kopt = $(shell grep -sqE '^$(1)=(y|m)$$' $(KCONFIG) && echo y)
missing = $(strip $(foreach o,$(requires-$(1)),$(if $(call kopt,$(o)),,$(o))))
present-drivers = $(foreach d,$(DRIVERS),$(if $(wildcard drivers/$(d)/Kbuild),$(d)))
built-drivers = $(foreach d,$(present-drivers),$(if $(call missing,$(d)),,$(d)))

.PHONY: all modules modules_install modules-list clean check test bench demo help

all: modules

modules modules_install:
	@test -f $(KCONFIG) || { echo "no configured kernel build tree at KDIR=$(KDIR): install linux-headers-$$(uname -r), or pass KDIR= or LANE="; exit 1; }
	@$(foreach d,$(DRIVERS),\
		$(if $(wildcard drivers/$(d)/Kbuild),\
			$(if $(call missing,$(d)),echo "skipping $(d): kernel at $(KDIR) lacks $(call missing,$(d))";),\
			echo "skipping $(d): no driver sources yet";))
	$(MAKE) -C $(KDIR) M=$(CURDIR) VA_DRIVERS="$(built-drivers)" $@

# One path a line (drivers/virtio-can/virtio_can): each driver's Kbuild
# read with the kernel's configuration, in a make of its own. Without a
# configured kernel at KDIR: every module of every driver, as if each
# option its Kbuild tests were set. dkms.conf takes its module list from
# here.
modules-list:
	@$(foreach d,$(if $(wildcard $(KCONFIG)),$(built-drivers),$(present-drivers)),\
		$(MAKE) -s --no-print-directory VA_LIST=$(d) list-one &&) true

ifneq ($(VA_LIST),)
ifneq ($(wildcard $(KCONFIG)),)
include $(KCONFIG)
else
$(foreach c,$(shell grep -ho 'CONFIG_[A-Z0-9_]*' drivers/$(VA_LIST)/Kbuild),$(eval $(c) := y))
endif
src := drivers/$(VA_LIST)
include drivers/$(VA_LIST)/Kbuild
.PHONY: list-one
list-one:
	@printf 'drivers/$(VA_LIST)/%s\n' $(obj-m:.o=)
endif

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean 2>/dev/null || true
	rm -rf tools/testing/build

check:
	$(TESTING)/scripts/check.sh

test:
	$(TESTING)/run-tests.sh

bench:
	$(TESTING)/scripts/bench.sh

demo:
	$(TESTING)/scripts/demo.sh

help:
	@sed -n '3,19p' Makefile | sed 's/^# \{0,1\}//'
