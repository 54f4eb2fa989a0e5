// SPDX-License-Identifier: GPL-2.0
/*
 * The user channel: /dev/vscmiN, one misc device per agent, through which
 * user space with CAP_SYS_ADMIN sends SCMI commands (VSCMI_IOC_XFER, see
 * include/uapi/linux/virtio_scmi_ext.h) to the protocols the administrator
 * allowed in sysfs (scmi/user_protocols; vendor protocols by default).
 * The kernel assigns tokens; commands that would change what the kernel
 * set up (Base permissions and reset, system power state and
 * subscription, version negotiation) are refused whatever the list says.
 *
 * Open files may outlive the device: each holds a reference on the
 * channel, whose pointer to the agent is cleared (under @rwsem) before the
 * agent goes away; later calls fail with -ENODEV.
 */
#include <linux/capability.h>
#include <linux/fs.h>
#include <linux/kref.h>
#include <linux/miscdevice.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/virtio_scmi_ext.h>

#include "vscmi_priv.h"

#define VSCMI_USER_INFLIGHT_PER_FILE	8

/**
 * struct vscmi_cdev - the user channel of one agent
 * @misc: the misc device, /dev/vscmiN
 * @name: its name
 * @ref: held by the agent and by each open file
 * @rwsem: held for reading by a command, for writing to clear @vscmi
 * @vscmi: the agent; NULL once it is going away
 * @inflight: user commands in flight on this agent
 * @max_inflight: their limit (half the command channels)
 */
struct vscmi_cdev {
	struct miscdevice misc;
	char name[16];
	struct kref ref;
	struct rw_semaphore rwsem;	/* @vscmi */
	struct vscmi *vscmi;
	atomic_t inflight;
	int max_inflight;
};

/**
 * struct vscmi_file - an open /dev/vscmiN
 * @cdev: the channel
 * @inflight: this file's commands in flight
 */
struct vscmi_file {
	struct vscmi_cdev *cdev;
	atomic_t inflight;
};

static void vscmi_cdev_free(struct kref *ref)
{
	kfree(container_of(ref, struct vscmi_cdev, ref));
}

/**
 * vscmi_user_denied() - commands user space never sends
 * @protocol: protocol id
 * @message: message id
 *
 * Return: true for what belongs to the kernel whatever the allow-list says.
 */
bool vscmi_user_denied(u8 protocol, u8 message)
{
	if (message == VSCMI_MSG_NEGOTIATE_PROTOCOL_VERSION)
		return true;
	switch (protocol) {
	case VSCMI_PROTO_BASE:
		return message == VSCMI_BASE_SET_DEVICE_PERMISSIONS ||
		       message == VSCMI_BASE_SET_PROTOCOL_PERMISSIONS ||
		       message == VSCMI_BASE_RESET_AGENT_CONFIGURATION;
	case VSCMI_PROTO_SYSTEM:
		return message == VSCMI_SYSTEM_POWER_STATE_SET ||
		       message == VSCMI_SYSTEM_POWER_STATE_NOTIFY;
	}
	return false;
}
EXPORT_SYMBOL_NS_GPL(vscmi_user_denied, VSCMI_NS);

static bool vscmi_user_allowed(struct vscmi *vscmi, u8 protocol, u8 message)
{
	bool allowed;

	if (vscmi_user_denied(protocol, message))
		return false;
	spin_lock_irq(&vscmi->lock);
	allowed = test_bit(protocol, vscmi->user_allow);
	spin_unlock_irq(&vscmi->lock);
	return allowed;
}

static int vscmi_open(struct inode *inode, struct file *file)
{
	struct vscmi_cdev *cdev = container_of(file->private_data, struct vscmi_cdev, misc);
	struct vscmi_file *f;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	f = kzalloc_obj(*f, GFP_KERNEL);
	if (!f)
		return -ENOMEM;
	kref_get(&cdev->ref);
	f->cdev = cdev;
	atomic_set(&f->inflight, 0);
	file->private_data = f;
	return nonseekable_open(inode, file);
}

static int vscmi_release(struct inode *inode, struct file *file)
{
	struct vscmi_file *f = file->private_data;

	kref_put(&f->cdev->ref, vscmi_cdev_free);
	kfree(f);
	return 0;
}

static int vscmi_user_xfer(struct vscmi *vscmi, struct vscmi_ioc_xfer *io)
{
	struct vscmi_xfer *x;
	size_t n;
	int err;

	x = vscmi_xfer_get(vscmi, io->protocol, io->message, io->tx_len);
	if (IS_ERR(x))
		return PTR_ERR(x);
	if (copy_from_user(x->tx, u64_to_user_ptr(io->tx_ptr), io->tx_len)) {
		err = -EFAULT;
		goto put;
	}
	if (io->flags & VSCMI_XFER_F_DELAYED)
		err = vscmi_do_xfer_delayed(vscmi, x);
	else
		err = vscmi_do_xfer(vscmi, x);
	io->status = x->status;
	n = 0;
	if (!err) {
		n = min_t(size_t, x->rx_len, io->rx_len);
		if (n && copy_to_user(u64_to_user_ptr(io->rx_ptr), x->rx, n))
			err = -EFAULT;
	} else if (x->status) {
		err = 0;	/* the platform answered: its status says how */
	}
	io->rx_len = n;
put:
	vscmi_xfer_put(vscmi, x);
	return err;
}

static long vscmi_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct vscmi_file *f = file->private_data;
	struct vscmi_cdev *cdev = f->cdev;
	void __user *uarg = (void __user *)arg;
	struct vscmi_ioc_xfer io;
	int err;

	if (cmd != VSCMI_IOC_XFER)
		return -ENOTTY;
	if (copy_from_user(&io, uarg, sizeof(io)))
		return -EFAULT;
	if (io.flags & ~VSCMI_XFER_F_DELAYED || io.reserved ||
	    io.tx_len > VSCMI_USER_MAX_PAYLOAD)
		return -EINVAL;

	down_read(&cdev->rwsem);
	if (!cdev->vscmi) {
		err = -ENODEV;
		goto unlock;
	}
	if (!vscmi_user_allowed(cdev->vscmi, io.protocol, io.message)) {
		err = -EPERM;
		goto unlock;
	}
	err = -EBUSY;
	if (atomic_inc_return(&f->inflight) > VSCMI_USER_INFLIGHT_PER_FILE)
		goto dec_file;
	if (atomic_inc_return(&cdev->inflight) <= cdev->max_inflight)
		err = vscmi_user_xfer(cdev->vscmi, &io);
	atomic_dec(&cdev->inflight);
dec_file:
	atomic_dec(&f->inflight);
unlock:
	up_read(&cdev->rwsem);
	if (!err && copy_to_user(uarg, &io, sizeof(io)))
		err = -EFAULT;
	return err;
}

static const struct file_operations vscmi_fops = {
	.owner = THIS_MODULE,
	.open = vscmi_open,
	.release = vscmi_release,
	.unlocked_ioctl = vscmi_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};

/**
 * vscmi_cdev_create() - /dev/vscmiN for an agent
 * @vscmi: the agent, discovery done
 *
 * Return: 0 or a negative errno.
 */
int vscmi_cdev_create(struct vscmi *vscmi)
{
	struct vscmi_cdev *cdev;
	int err;

	cdev = kzalloc_obj(*cdev, GFP_KERNEL);
	if (!cdev)
		return -ENOMEM;
	kref_init(&cdev->ref);
	init_rwsem(&cdev->rwsem);
	cdev->vscmi = vscmi;
	cdev->max_inflight = max(vscmi->num_slots / 2, 1U);
	atomic_set(&cdev->inflight, 0);
	snprintf(cdev->name, sizeof(cdev->name), "vscmi%d", vscmi->id);
	cdev->misc.minor = MISC_DYNAMIC_MINOR;
	cdev->misc.name = cdev->name;
	cdev->misc.fops = &vscmi_fops;
	cdev->misc.parent = &vscmi->vdev->dev;
	cdev->misc.mode = 0600;
	err = misc_register(&cdev->misc);
	if (err) {
		kfree(cdev);
		return err;
	}
	vscmi->cdev = cdev;
	return 0;
}

/**
 * vscmi_cdev_destroy() - remove /dev/vscmiN; open files get -ENODEV
 * @vscmi: the agent
 *
 * Waits for the user commands in flight.
 */
void vscmi_cdev_destroy(struct vscmi *vscmi)
{
	struct vscmi_cdev *cdev = vscmi->cdev;

	if (!cdev)
		return;
	misc_deregister(&cdev->misc);
	down_write(&cdev->rwsem);
	cdev->vscmi = NULL;
	up_write(&cdev->rwsem);
	vscmi->cdev = NULL;
	kref_put(&cdev->ref, vscmi_cdev_free);
}
