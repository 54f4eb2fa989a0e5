#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# PID 1 of a rig guest. The root file system is the rig's trixie tree, shared
# read-only over 9p; run-guest.sh installs this file there as /sbin/va-init.
# It mounts the run's shares, runs /mnt/work/guest-cmd.sh, stores its exit
# status in /mnt/work/guest-status and ends the VM (reboot with -no-reboot
# makes QEMU exit).
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/tmp LANG=C.UTF-8

p9() {
	mount -t 9p -o "trans=virtio,version=9p2000.L,msize=512000,$3" "$1" "$2"
}

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
mount -t tmpfs tmpfs /tmp
mount -t tmpfs tmpfs /run
mount -t tmpfs tmpfs /var/tmp
mount -t debugfs debugfs /sys/kernel/debug
p9 work /mnt/work rw
p9 src /mnt/src ro,cache=loose
p9 modules /lib/modules ro,cache=loose
hostname va-guest 2>/dev/null || true

echo "va-guest: running $(uname -r) on $(cat /sys/class/dmi/id/product_name 2>/dev/null || echo unknown)"
cd /mnt/work || exit 1
sh /mnt/work/guest-cmd.sh </dev/null
rc=$?
echo "$rc" >/mnt/work/guest-status
echo "va-guest: exit status $rc"
sync
echo b >/proc/sysrq-trigger
sleep 10
