// SPDX-License-Identifier: GPL-2.0
/*
 * Virtio CAN driver: virtio device, virtqueues, control queue and config
 * space.  The device is specified in VIRTIO 1.4, "CAN Device" (ID 36).
 */
#include <linux/can/dev.h>
#include <linux/jiffies.h>
#include <linux/module.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/virtio.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ids.h>
#include <linux/virtio_ring.h>

#include "virtio_can_priv.h"

/**
 * virtio_can_rx_post() - give an RX buffer to the device
 * @priv: the device
 * @buf: one of @priv->rx_bufs, not held by the device
 *
 * The caller notifies the device once for a batch of buffers.
 *
 * Context: NAPI, or process with NAPI disabled (the RX queue's only users).
 */
void virtio_can_rx_post(struct virtio_can_priv *priv,
			struct virtio_can_rx_buf *buf)
{
	struct scatterlist sg;
	int err;

	sg_init_one(&sg, buf->data, priv->rx_buf_size);
	err = virtqueue_add_inbuf(priv->vqs[VIRTIO_CAN_QUEUE_RX], &sg, 1, buf,
				  GFP_ATOMIC);
	if (unlikely(err))
		virtio_can_err_ratelimited(priv->dev,
					   "cannot post an RX buffer: %d\n", err);
}

static void virtio_can_ctrl_done(struct virtqueue *vq)
{
	struct virtio_can_priv *priv = vq->vdev->priv;
	unsigned long flags;
	unsigned int used;

	spin_lock_irqsave(&priv->ctrl_vq_lock, flags);
	while (virtqueue_get_buf(vq, &used)) {
		if (priv->ctrl_waiting) {
			priv->ctrl_waiting = false;
			priv->ctrl_used = used;
			complete(&priv->ctrl_done);
		} else {
			/* The answer to a request that timed out. */
			priv->ctrl_stuck = false;
			virtio_can_count(priv, VIRTIO_CAN_STAT_CTRL_LATE);
			dev_warn_ratelimited(&vq->vdev->dev,
					     "late answer to a control request\n");
		}
	}
	spin_unlock_irqrestore(&priv->ctrl_vq_lock, flags);
}

static const char *virtio_can_ctrl_name(u16 msg_type)
{
	return msg_type == VIRTIO_CAN_SET_CTRL_MODE_START ? "START" : "STOP";
}

/**
 * virtio_can_ctrl() - send a control request and wait for the answer
 * @priv: the device
 * @msg_type: VIRTIO_CAN_SET_CTRL_MODE_START or _STOP
 *
 * The wait is bounded by VIRTIO_CAN_CTRL_TIMEOUT_MS.  A request the device
 * does not answer in time stays with the device; until it comes back no
 * further request is sent and this function fails at once.
 *
 * Context: process; takes ctrl_lock; sleeps.
 * Return: 0 if the device answered OK; -ETIMEDOUT without an answer; -EIO
 * if it answered anything else, or cannot take requests.
 */
int virtio_can_ctrl(struct virtio_can_priv *priv, u16 msg_type)
{
	struct virtqueue *vq = priv->vqs[VIRTIO_CAN_QUEUE_CTRL];
	struct virtio_can_ctrl_msg *ctrl = priv->ctrl;
	struct scatterlist sg_out, sg_in, *sgs[] = { &sg_out, &sg_in };
	const char *name = virtio_can_ctrl_name(msg_type);
	struct net_device *dev = priv->dev;
	unsigned int used;
	int err = 0;
	u8 result;

	mutex_lock(&priv->ctrl_lock);

	spin_lock_irq(&priv->ctrl_vq_lock);
	if (priv->ctrl_stuck) {
		spin_unlock_irq(&priv->ctrl_vq_lock);
		netdev_err(dev, "cannot send %s: the device never answered the previous control request\n",
			   name);
		err = -EIO;
		goto out;
	}
	ctrl->out.msg_type = cpu_to_le16(msg_type);
	ctrl->in.result = VIRTIO_CAN_RESULT_NOT_OK;
	sg_init_one(&sg_out, &ctrl->out, sizeof(ctrl->out));
	sg_init_one(&sg_in, &ctrl->in, sizeof(ctrl->in));
	reinit_completion(&priv->ctrl_done);
	err = virtqueue_add_sgs(vq, sgs, 1, 1, ctrl, GFP_ATOMIC);
	if (!err) {
		priv->ctrl_waiting = true;
		if (!virtqueue_kick(vq))
			err = -EIO;
	}
	spin_unlock_irq(&priv->ctrl_vq_lock);
	if (err) {
		netdev_err(dev, "cannot send %s: %d\n", name, err);
		err = -EIO;
		goto out;
	}

	wait_for_completion_timeout(&priv->ctrl_done,
				    msecs_to_jiffies(VIRTIO_CAN_CTRL_TIMEOUT_MS));

	spin_lock_irq(&priv->ctrl_vq_lock);
	if (priv->ctrl_waiting) {
		priv->ctrl_waiting = false;
		priv->ctrl_stuck = true;
		spin_unlock_irq(&priv->ctrl_vq_lock);
		virtio_can_count(priv, VIRTIO_CAN_STAT_CTRL_TIMEOUT);
		netdev_err(dev, "device did not answer %s within %u ms\n", name,
			   VIRTIO_CAN_CTRL_TIMEOUT_MS);
		err = -ETIMEDOUT;
		goto out;
	}
	used = priv->ctrl_used;
	result = READ_ONCE(ctrl->in.result);
	spin_unlock_irq(&priv->ctrl_vq_lock);

	if (used < sizeof(ctrl->in)) {
		netdev_err(dev, "device answered %s without a result\n", name);
		err = -EIO;
	} else if (result != VIRTIO_CAN_RESULT_OK) {
		virtio_can_count(priv, VIRTIO_CAN_STAT_CTRL_NOT_OK);
		netdev_err(dev, "device refused %s (result %u)\n", name, result);
		err = -EIO;
	}
out:
	mutex_unlock(&priv->ctrl_lock);
	return err;
}

/**
 * virtio_can_read_status() - read the status from the config space
 * @priv: the device
 *
 * Context: process.
 * Return: virtio_can_config.status in CPU order.
 */
u16 virtio_can_read_status(struct virtio_can_priv *priv)
{
	u16 status;

	virtio_cread_le(priv->vdev, struct virtio_can_config, status, &status);
	return status;
}

static void virtio_can_config_changed(struct virtio_device *vdev)
{
	struct virtio_can_priv *priv = vdev->priv;
	unsigned long flags;

	spin_lock_irqsave(&priv->cfg_lock, flags);
	if (priv->cfg_enabled)
		schedule_work(&priv->state_work);
	spin_unlock_irqrestore(&priv->cfg_lock, flags);
}

static void virtio_can_set_cfg_enabled(struct virtio_can_priv *priv,
				       bool enabled)
{
	spin_lock_irq(&priv->cfg_lock);
	priv->cfg_enabled = enabled;
	spin_unlock_irq(&priv->cfg_lock);
}

static int virtio_can_find_vqs(struct virtio_can_priv *priv)
{
	struct virtqueue_info vqs_info[VIRTIO_CAN_QUEUE_COUNT] = {
		[VIRTIO_CAN_QUEUE_TX] = {
			.name = "can-tx", .callback = virtio_can_vq_done },
		[VIRTIO_CAN_QUEUE_RX] = {
			.name = "can-rx", .callback = virtio_can_vq_done },
		[VIRTIO_CAN_QUEUE_CTRL] = {
			.name = "can-ctrl", .callback = virtio_can_ctrl_done },
	};

	return virtio_find_vqs(priv->vdev, VIRTIO_CAN_QUEUE_COUNT, priv->vqs,
			       vqs_info, NULL);
}

/* Size the TX slots and RX buffers after the virtqueues. */
static int virtio_can_alloc_bufs(struct virtio_can_priv *priv)
{
	struct virtio_device *vdev = priv->vdev;
	unsigned int tx_descs;

	/* A TX request is two descriptors (no indirect tables, see validate). */
	tx_descs = virtqueue_get_vring_size(priv->vqs[VIRTIO_CAN_QUEUE_TX]) / 2;
	priv->tx_num = min_t(unsigned int, tx_descs, VIRTIO_CAN_TX_SLOTS_MAX);
	priv->rx_num = min_t(unsigned int,
			     virtqueue_get_vring_size(priv->vqs[VIRTIO_CAN_QUEUE_RX]),
			     VIRTIO_CAN_RX_BUFS_MAX);
	if (!priv->tx_num || !priv->rx_num) {
		dev_err(&vdev->dev, "virtqueues too small\n");
		return -EINVAL;
	}
	priv->rx_buf_size = sizeof(struct virtio_can_rx) +
		(priv->caps & VIRTIO_CAN_CAP(CAN_FD) ? CANFD_MAX_DLEN : CAN_MAX_DLEN);

	priv->tx_slots = kcalloc(priv->tx_num, sizeof(*priv->tx_slots),
				 GFP_KERNEL);
	if (!priv->tx_slots)
		return -ENOMEM;
	priv->rx_bufs = kcalloc(priv->rx_num, sizeof(*priv->rx_bufs), GFP_KERNEL);
	if (!priv->rx_bufs)
		goto err_free_tx;
	priv->ctrl = kzalloc_obj(*priv->ctrl, GFP_KERNEL);
	if (!priv->ctrl)
		goto err_free_rx;
	return 0;

err_free_rx:
	kfree(priv->rx_bufs);
err_free_tx:
	kfree(priv->tx_slots);
	return -ENOMEM;
}

static void virtio_can_free_bufs(struct virtio_can_priv *priv)
{
	kfree(priv->ctrl);
	kfree(priv->rx_bufs);
	kfree(priv->tx_slots);
}

/* Reset the device and take back every buffer it held. */
static void virtio_can_reset(struct virtio_can_priv *priv)
{
	unsigned int i;

	virtio_reset_device(priv->vdev);
	for (i = 0; i < VIRTIO_CAN_QUEUE_COUNT; i++)
		while (virtqueue_detach_unused_buf(priv->vqs[i]))
			;
	/* Echo skbs went with close_candev(); the slots are free again. */
	bitmap_zero(priv->tx_map, VIRTIO_CAN_TX_SLOTS_MAX);
	priv->tx_inflight = 0;
}

/*
 * The device has no bit timing interface: the bus runs at the rate the
 * host configured, which the driver cannot know.  CAN netlink insists on a
 * bitrate and a data bitrate in the request that switches CAN FD on, so
 * the usual values are accepted and recorded; they do not reach the
 * device.  Until one is given the bitrates read "unknown".
 */
static const u32 virtio_can_bitrates[] = {
	10000, 20000, 50000, 100000, 125000, 250000, 500000, 800000, 1000000,
};

static const u32 virtio_can_data_bitrates[] = {
	1000000, 2000000, 4000000, 5000000, 8000000, 10000000,
};

static void virtio_can_init_candev(struct virtio_can_priv *priv)
{
	struct net_device *dev = priv->dev;

	dev->netdev_ops = &virtio_can_netdev_ops;
	dev->ethtool_ops = &virtio_can_ethtool_ops;
	dev->flags |= IFF_ECHO;

	priv->can.bittiming.bitrate = CAN_BITRATE_UNKNOWN;
	priv->can.bitrate_const = virtio_can_bitrates;
	priv->can.bitrate_const_cnt = ARRAY_SIZE(virtio_can_bitrates);
	priv->can.do_set_mode = virtio_can_set_mode;
	if (priv->caps & VIRTIO_CAN_CAP(CAN_FD)) {
		virtio_can_fd_params(&priv->can)->data_bittiming.bitrate =
			CAN_BITRATE_UNKNOWN;
		virtio_can_fd_params(&priv->can)->data_bitrate_const =
			virtio_can_data_bitrates;
		virtio_can_fd_params(&priv->can)->data_bitrate_const_cnt =
			ARRAY_SIZE(virtio_can_data_bitrates);
		/* With classic CAN too, FD is the user's choice (fd on|off). */
		if (priv->caps & VIRTIO_CAN_CAP(CAN_CLASSIC))
			priv->can.ctrlmode_supported |= CAN_CTRLMODE_FD;
	}
}

static int virtio_can_probe(struct virtio_device *vdev)
{
	struct virtio_can_priv *priv;
	struct net_device *dev;
	unsigned int i;
	int err;

	dev = alloc_candev(sizeof(*priv), VIRTIO_CAN_TX_SLOTS_MAX);
	if (!dev)
		return -ENOMEM;
	SET_NETDEV_DEV(dev, &vdev->dev);

	priv = netdev_priv(dev);
	priv->dev = dev;
	priv->vdev = vdev;
	vdev->priv = priv;
	spin_lock_init(&priv->tx_lock);
	mutex_init(&priv->ctrl_lock);
	spin_lock_init(&priv->ctrl_vq_lock);
	init_completion(&priv->ctrl_done);
	mutex_init(&priv->state_lock);
	spin_lock_init(&priv->cfg_lock);
	INIT_WORK(&priv->state_work, virtio_can_state_work);
	for (i = VIRTIO_CAN_F_CAN_CLASSIC; i <= VIRTIO_CAN_F_LATE_TX_ACK; i++)
		if (virtio_has_feature(vdev, i))
			priv->caps |= BIT(i);

	virtio_can_init_candev(priv);
	if ((priv->caps & VIRTIO_CAN_CAP(CAN_FD)) &&
	    !(priv->caps & VIRTIO_CAN_CAP(CAN_CLASSIC))) {
		err = can_set_static_ctrlmode(dev, CAN_CTRLMODE_FD);
		if (err)
			goto err_free_candev;
	}
	netif_napi_add(dev, &priv->napi, virtio_can_poll);

	err = virtio_can_find_vqs(priv);
	if (err) {
		dev_err(&vdev->dev, "cannot set up the virtqueues: %d\n", err);
		goto err_free_candev;
	}
	err = virtio_can_alloc_bufs(priv);
	if (err)
		goto err_del_vqs;

	/* DRIVER_OK before the first notification, as virtio requires. */
	virtio_device_ready(vdev);
	for (i = 0; i < priv->rx_num; i++)
		virtio_can_rx_post(priv, &priv->rx_bufs[i]);
	virtqueue_kick(priv->vqs[VIRTIO_CAN_QUEUE_RX]);

	err = register_candev(dev);
	if (err) {
		dev_err(&vdev->dev, "cannot register the CAN device: %d\n", err);
		goto err_reset;
	}
	virtio_can_set_cfg_enabled(priv, true);

	netdev_info(dev, "virtio CAN device %s:%s%s%s%s, %u TX slots, %u RX buffers\n",
		    dev_name(&vdev->dev),
		    priv->caps & VIRTIO_CAN_CAP(CAN_CLASSIC) ? " classic" : "",
		    priv->caps & VIRTIO_CAN_CAP(CAN_FD) ? " fd" : "",
		    priv->caps & VIRTIO_CAN_CAP(RTR_FRAMES) ? " rtr" : "",
		    priv->caps & VIRTIO_CAN_CAP(LATE_TX_ACK) ? " late-tx-ack" : "",
		    priv->tx_num, priv->rx_num);
	return 0;

err_reset:
	virtio_can_reset(priv);
	virtio_can_free_bufs(priv);
err_del_vqs:
	vdev->config->del_vqs(vdev);
err_free_candev:
	free_candev(dev);
	return err;
}

static void virtio_can_remove(struct virtio_device *vdev)
{
	struct virtio_can_priv *priv = vdev->priv;
	struct net_device *dev = priv->dev;

	virtio_can_set_cfg_enabled(priv, false);
	cancel_work_sync(&priv->state_work);
	unregister_candev(dev);
	virtio_can_reset(priv);
	vdev->config->del_vqs(vdev);
	virtio_can_free_bufs(priv);
	free_candev(dev);
}

static int virtio_can_validate(struct virtio_device *vdev)
{
	bool classic = virtio_has_feature(vdev, VIRTIO_CAN_F_CAN_CLASSIC);
	bool fd = virtio_has_feature(vdev, VIRTIO_CAN_F_CAN_FD);

	if (!virtio_has_feature(vdev, VIRTIO_F_VERSION_1)) {
		dev_err(&vdev->dev, "device does not offer VIRTIO_F_VERSION_1\n");
		return -ENODEV;
	}
	if (!vdev->config->get) {
		dev_err(&vdev->dev, "config space not readable\n");
		return -EINVAL;
	}
	if (!classic && !fd) {
		dev_err(&vdev->dev, "device offers neither classic CAN nor CAN FD\n");
		return -ENODEV;
	}
	if (!classic && virtio_has_feature(vdev, VIRTIO_CAN_F_RTR_FRAMES)) {
		dev_warn(&vdev->dev, "ignoring RTR_FRAMES offered without CAN_CLASSIC\n");
		__virtio_clear_bit(vdev, VIRTIO_CAN_F_RTR_FRAMES);
	}
	/*
	 * Every request is a chain of two descriptors.  An indirect table
	 * would cost an allocation, a free and one more device read per CAN
	 * frame to save one ring entry; the ring is sized for the chains.
	 */
	__virtio_clear_bit(vdev, VIRTIO_RING_F_INDIRECT_DESC);
	return 0;
}

static const unsigned int virtio_can_features[] = {
	VIRTIO_CAN_F_CAN_CLASSIC,
	VIRTIO_CAN_F_CAN_FD,
	VIRTIO_CAN_F_RTR_FRAMES,
	VIRTIO_CAN_F_LATE_TX_ACK,
};

static const struct virtio_device_id virtio_can_id_table[] = {
	{ VIRTIO_ID_CAN, VIRTIO_DEV_ANY_ID },
	{ }
};
MODULE_DEVICE_TABLE(virtio, virtio_can_id_table);

static struct virtio_driver virtio_can_driver = {
	.feature_table = virtio_can_features,
	.feature_table_size = ARRAY_SIZE(virtio_can_features),
	.driver.name = VIRTIO_CAN_DRV_NAME,
	.id_table = virtio_can_id_table,
	.validate = virtio_can_validate,
	.probe = virtio_can_probe,
	.remove = virtio_can_remove,
	.config_changed = virtio_can_config_changed,
};
module_virtio_driver(virtio_can_driver);

MODULE_DESCRIPTION("Virtio CAN device driver (SocketCAN)");
MODULE_LICENSE("GPL");
