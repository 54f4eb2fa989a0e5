// SPDX-License-Identifier: GPL-2.0
/*
 * Virtio CAN driver: the SocketCAN network device.
 *
 * One NAPI context serves RX frames and TX completions.  The virtqueue
 * interrupts only disable their callback and schedule NAPI; NAPI re-enables
 * both callbacks when it is done.  TX requests use preallocated slots whose
 * index is the echo skb index; the local echo is sent when the device
 * completes the request.
 */
#include <linux/can/dev.h>
#include <linux/can/skb.h>
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
#include <linux/scatterlist.h>
#include <linux/virtio.h>
#include <linux/virtio_config.h>

#include "virtio_can_priv.h"

/**
 * virtio_can_vq_done() - TX and RX virtqueue callback
 * @vq: the virtqueue with used buffers
 *
 * Context: hard IRQ.  Touches the virtqueue only through
 * virtqueue_disable_cb(), which needs no serialisation.
 */
void virtio_can_vq_done(struct virtqueue *vq)
{
	struct virtio_can_priv *priv = vq->vdev->priv;

	virtqueue_disable_cb(vq);
	napi_schedule(&priv->napi);
}

/* Schedule NAPI from process context, e.g. right after napi_enable(). */
static void virtio_can_napi_kick(struct virtio_can_priv *priv)
{
	local_bh_disable();
	napi_schedule(&priv->napi);
	local_bh_enable();
}

/* Context: tx_lock held. */
static bool virtio_can_tx_room(const struct virtio_can_priv *priv)
{
	return priv->tx_inflight < priv->tx_num;
}

/* May a frame of this type go to the device now? */
static bool virtio_can_tx_allowed(const struct virtio_can_priv *priv,
				  const struct canfd_frame *cf, bool fd)
{
	if (fd)
		return (priv->caps & VIRTIO_CAN_CAP(CAN_FD)) &&
		       (priv->can.ctrlmode & CAN_CTRLMODE_FD);
	if (!(priv->caps & VIRTIO_CAN_CAP(CAN_CLASSIC)))
		return false;
	if (cf->can_id & CAN_RTR_FLAG)
		return priv->caps & VIRTIO_CAN_CAP(RTR_FRAMES);
	return true;
}

static netdev_tx_t virtio_can_start_xmit(struct sk_buff *skb,
					 struct net_device *dev)
{
	struct virtio_can_priv *priv = netdev_priv(dev);
	struct virtqueue *vq = priv->vqs[VIRTIO_CAN_QUEUE_TX];
	struct netdev_queue *txq = netdev_get_tx_queue(dev, 0);
	struct scatterlist sg_out, sg_in, *sgs[] = { &sg_out, &sg_in };
	struct virtio_can_tx_slot *slot;
	unsigned int idx, len, frame_len;
	const struct canfd_frame *cf;
	bool fd, kick, notify = false;
	int err;

	if (can_dev_dropped_skb(dev, skb))
		return NETDEV_TX_OK;

	cf = (const struct canfd_frame *)skb->data;
	fd = can_is_canfd_skb(skb);
	if (!virtio_can_tx_allowed(priv, cf, fd)) {
		virtio_can_count(priv, VIRTIO_CAN_STAT_TX_UNSUPPORTED);
		dev->stats.tx_dropped++;
		kfree_skb(skb);
		return NETDEV_TX_OK;
	}

	spin_lock(&priv->tx_lock);
	idx = find_first_zero_bit(priv->tx_map, priv->tx_num);
	if (unlikely(idx >= priv->tx_num)) {
		/* Not reached: the queue is stopped when the last slot goes. */
		netif_stop_queue(dev);
		spin_unlock(&priv->tx_lock);
		return NETDEV_TX_BUSY;
	}
	slot = &priv->tx_slots[idx];
	len = virtio_can_tx_encode(slot->req, cf, fd);
	slot->res.result = VIRTIO_CAN_RESULT_NOT_OK;
	frame_len = can_skb_get_frame_len(skb);

	/* Consumes the skb, also on error. */
	err = can_put_echo_skb(skb, dev, idx, frame_len);
	if (unlikely(err)) {
		dev->stats.tx_dropped++;
		goto out_unlock;
	}

	sg_init_one(&sg_out, slot->req, len);
	sg_init_one(&sg_in, &slot->res, sizeof(slot->res));
	err = virtqueue_add_sgs(vq, sgs, 1, 1, slot, GFP_ATOMIC);
	if (unlikely(err)) {
		can_free_echo_skb(dev, idx, NULL);
		dev->stats.tx_dropped++;
		virtio_can_err_ratelimited(dev, "cannot queue a TX request: %d\n", err);
		goto out_unlock;
	}

	__set_bit(idx, priv->tx_map);
	priv->tx_inflight++;
	slot->bql_len = frame_len;
	slot->orphaned = false;

	kick = __netdev_tx_sent_queue(txq, frame_len, netdev_xmit_more());
	if (!virtio_can_tx_room(priv)) {
		netif_stop_queue(dev);
		kick = true;
	}
	if (kick)
		notify = virtqueue_kick_prepare(vq);
out_unlock:
	spin_unlock(&priv->tx_lock);
	/* The notification may exit to the hypervisor: do it unlocked. */
	if (notify)
		virtqueue_notify(vq);
	return NETDEV_TX_OK;
}

/* Context: tx_lock held, BHs off. */
static void virtio_can_tx_failed(struct virtio_can_priv *priv,
				 unsigned int idx, unsigned int used, u8 result)
{
	struct net_device *dev = priv->dev;
	struct can_frame *cf;
	struct sk_buff *skb;

	can_free_echo_skb(dev, idx, NULL);
	dev->stats.tx_errors++;

	if (used < sizeof(struct virtio_can_tx_in)) {
		virtio_can_count(priv, VIRTIO_CAN_STAT_TX_BAD_LEN);
		virtio_can_err_ratelimited(dev,
					   "TX completion without a result (%u bytes)\n",
					   used);
	} else if (result != VIRTIO_CAN_RESULT_NOT_OK) {
		virtio_can_count(priv, VIRTIO_CAN_STAT_TX_BAD_RESULT);
		virtio_can_err_ratelimited(dev,
					   "TX completion with unknown result %u\n",
					   result);
	} else {
		virtio_can_count(priv, VIRTIO_CAN_STAT_TX_NOT_OK);
		netdev_dbg(dev, "TX request refused by the device\n");
	}

	/* Tell listeners; not while stopping or bus-off, which said so. */
	if (priv->can.state != CAN_STATE_ERROR_ACTIVE)
		return;
	skb = alloc_can_err_skb(dev, &cf);
	if (!skb)
		return;
	cf->can_id |= CAN_ERR_CRTL;
	cf->data[1] = CAN_ERR_CRTL_UNSPEC;
	netif_rx(skb);
}

/**
 * virtio_can_tx_complete() - reclaim completed TX requests
 * @priv: the device
 *
 * Sends the local echo of every request the device completed with OK,
 * counts the others, frees their slots and wakes the queue if it may run.
 *
 * Context: softirq or BHs off; takes tx_lock.
 */
static void virtio_can_tx_complete(struct virtio_can_priv *priv)
{
	struct virtqueue *vq = priv->vqs[VIRTIO_CAN_QUEUE_TX];
	struct net_device *dev = priv->dev;
	unsigned int used, idx, pkts = 0, bytes = 0;
	struct virtio_can_tx_slot *slot;

	spin_lock(&priv->tx_lock);
	while ((slot = virtqueue_get_buf(vq, &used))) {
		idx = slot - priv->tx_slots;
		__clear_bit(idx, priv->tx_map);
		priv->tx_inflight--;
		pkts++;
		bytes += slot->bql_len;

		if (slot->orphaned) {
			virtio_can_count(priv, VIRTIO_CAN_STAT_TX_LATE);
			continue;
		}
		if (likely(used >= sizeof(slot->res) &&
			   slot->res.result == VIRTIO_CAN_RESULT_OK)) {
			dev->stats.tx_bytes += can_get_echo_skb(dev, idx, NULL);
			dev->stats.tx_packets++;
		} else {
			virtio_can_tx_failed(priv, idx, used, slot->res.result);
		}
	}
	if (pkts) {
		netdev_completed_queue(dev, pkts, bytes);
		if (priv->tx_open && netif_queue_stopped(dev) &&
		    virtio_can_tx_room(priv))
			netif_wake_queue(dev);
	}
	spin_unlock(&priv->tx_lock);
}

/**
 * virtio_can_tx_orphan() - give up the TX requests the device still holds
 * @priv: the device
 *
 * At stop and bus-off the device must return every pending request with
 * NOT_OK; the completions already there are processed first.  The echo
 * skbs of requests it still holds are released now, so that the CAN core
 * may flush its echo array without racing a late completion; the slots
 * stay busy until the device returns them.  The BQL state is reset.
 *
 * Context: process; NAPI disabled; takes tx_lock.
 */
static void virtio_can_tx_orphan(struct virtio_can_priv *priv)
{
	struct net_device *dev = priv->dev;
	unsigned int idx, orphans = 0;

	local_bh_disable();
	virtio_can_tx_complete(priv);
	spin_lock(&priv->tx_lock);
	for_each_set_bit(idx, priv->tx_map, priv->tx_num) {
		struct virtio_can_tx_slot *slot = &priv->tx_slots[idx];

		slot->bql_len = 0;
		if (slot->orphaned)
			continue;
		slot->orphaned = true;
		can_free_echo_skb(dev, idx, NULL);
		dev->stats.tx_dropped++;
		virtio_can_count(priv, VIRTIO_CAN_STAT_TX_ORPHANED);
		orphans++;
	}
	netdev_reset_queue(dev);
	spin_unlock(&priv->tx_lock);
	local_bh_enable();

	if (orphans)
		netdev_warn(dev, "device still holds %u TX requests after stopping\n",
			    orphans);
}

/* Keep the TX queue stopped until virtio_can_tx_start().  Context: process. */
static void virtio_can_tx_stop(struct virtio_can_priv *priv)
{
	spin_lock_bh(&priv->tx_lock);
	priv->tx_open = false;
	netif_stop_queue(priv->dev);
	spin_unlock_bh(&priv->tx_lock);
}

/* Context: process. */
static void virtio_can_tx_start(struct virtio_can_priv *priv)
{
	spin_lock_bh(&priv->tx_lock);
	priv->tx_open = true;
	if (virtio_can_tx_room(priv))
		netif_wake_queue(priv->dev);
	spin_unlock_bh(&priv->tx_lock);
}

static void virtio_can_rx_deliver(struct virtio_can_priv *priv,
				  const struct canfd_frame *frame, bool fd)
{
	struct net_device *dev = priv->dev;
	struct canfd_frame *cfd;
	struct can_frame *cf;
	struct sk_buff *skb;

	if (fd) {
		skb = alloc_canfd_skb(dev, &cfd);
		if (skb)
			*cfd = *frame;
	} else {
		skb = alloc_can_skb(dev, &cf);
		if (skb) {
			cf->can_id = frame->can_id;
			cf->len = frame->len;
			memcpy(cf->data, frame->data, CAN_MAX_DLEN);
		}
	}
	if (unlikely(!skb)) {
		virtio_can_count(priv, VIRTIO_CAN_STAT_RX_NOMEM);
		dev->stats.rx_dropped++;
		return;
	}

	dev->stats.rx_packets++;
	if (!(frame->can_id & CAN_RTR_FLAG))
		dev->stats.rx_bytes += frame->len;
	netif_receive_skb(skb);
}

static void virtio_can_rx_invalid(struct virtio_can_priv *priv,
				  enum virtio_can_rx_verdict verdict,
				  unsigned int used)
{
	struct net_device *dev = priv->dev;

	virtio_can_count(priv, VIRTIO_CAN_STAT_RX_BAD + verdict - 1);
	dev->stats.rx_errors++;
	switch (verdict) {
	case VIRTIO_CAN_RX_SHORT:
	case VIRTIO_CAN_RX_OVERSIZE:
	case VIRTIO_CAN_RX_BAD_LENGTH:
	case VIRTIO_CAN_RX_TRUNCATED:
		dev->stats.rx_length_errors++;
		break;
	default:
		dev->stats.rx_frame_errors++;
		break;
	}
	virtio_can_err_ratelimited(dev, "dropping RX buffer (%u bytes): %s\n",
				   used, virtio_can_rx_verdict_name(verdict));
}

/* Context: NAPI, or process with NAPI disabled.  Return: buffers taken. */
static int virtio_can_rx(struct virtio_can_priv *priv, int budget)
{
	struct virtqueue *vq = priv->vqs[VIRTIO_CAN_QUEUE_RX];
	enum virtio_can_rx_verdict verdict;
	struct virtio_can_rx_buf *buf;
	struct canfd_frame frame;
	unsigned int used;
	int done = 0;
	bool fd;

	while (done < budget && (buf = virtqueue_get_buf(vq, &used))) {
		done++;
		verdict = virtio_can_rx_decode(buf->data, used, priv->rx_buf_size,
					       priv->caps, &frame, &fd);
		if (unlikely(verdict != VIRTIO_CAN_RX_OK)) {
			virtio_can_rx_invalid(priv, verdict, used);
		} else if (unlikely(priv->can.state != CAN_STATE_ERROR_ACTIVE)) {
			/* The controller is stopped: nothing can arrive. */
			virtio_can_count(priv, VIRTIO_CAN_STAT_RX_STALE);
			priv->dev->stats.rx_dropped++;
		} else if (fd && !(priv->can.ctrlmode & CAN_CTRLMODE_FD)) {
			virtio_can_count(priv, VIRTIO_CAN_STAT_RX_FD_DISABLED);
			priv->dev->stats.rx_dropped++;
		} else {
			virtio_can_rx_deliver(priv, &frame, fd);
		}
		virtio_can_rx_post(priv, buf);
	}
	/* One notification for all the buffers given back. */
	if (done && virtqueue_kick_prepare(vq))
		virtqueue_notify(vq);
	return done;
}

/**
 * virtio_can_poll() - NAPI poll: TX completions, then up to @budget frames
 * @napi: &virtio_can_priv.napi
 * @budget: RX frames allowed
 *
 * Context: softirq.
 * Return: RX frames processed.
 */
int virtio_can_poll(struct napi_struct *napi, int budget)
{
	struct virtio_can_priv *priv = container_of(napi, struct virtio_can_priv,
						    napi);
	struct virtqueue *txvq = priv->vqs[VIRTIO_CAN_QUEUE_TX];
	struct virtqueue *rxvq = priv->vqs[VIRTIO_CAN_QUEUE_RX];
	unsigned int rx_opaque, tx_opaque;
	bool more;
	int done;

	virtio_can_tx_complete(priv);
	done = virtio_can_rx(priv, budget);
	if (done >= budget || !napi_complete_done(napi, done))
		return done;

	/*
	 * Re-enable both callbacks, then look again: a buffer used in
	 * between raised no interrupt.  The TX queue's callback state is
	 * changed under tx_lock, as xmit adds buffers concurrently.  With
	 * several TX requests in flight, one interrupt is asked for when most
	 * of them are done (a lone request still interrupts at once, so the
	 * echo of a single frame is not delayed).
	 */
	rx_opaque = virtqueue_enable_cb_prepare(rxvq);
	spin_lock(&priv->tx_lock);
	if (priv->tx_inflight > 1) {
		more = !virtqueue_enable_cb_delayed(txvq);
	} else {
		tx_opaque = virtqueue_enable_cb_prepare(txvq);
		more = virtqueue_poll(txvq, tx_opaque);
	}
	spin_unlock(&priv->tx_lock);
	more |= virtqueue_poll(rxvq, rx_opaque);
	if (more && napi_schedule_prep(napi)) {
		virtqueue_disable_cb(rxvq);
		virtqueue_disable_cb(txvq);
		__napi_schedule(napi);
	}
	return done;
}

/*
 * Buffers the device completed while the interface was down carry frames
 * of another time: count and discard them, and give the buffers back.
 * Context: process, NAPI disabled.
 */
static void virtio_can_rx_drop_stale(struct virtio_can_priv *priv)
{
	struct virtqueue *vq = priv->vqs[VIRTIO_CAN_QUEUE_RX];
	struct virtio_can_rx_buf *buf;
	unsigned int used, stale = 0;

	while ((buf = virtqueue_get_buf(vq, &used))) {
		virtio_can_rx_post(priv, buf);
		stale++;
	}
	if (!stale)
		return;
	atomic_long_add(stale, &priv->stats[VIRTIO_CAN_STAT_RX_STALE]);
	priv->dev->stats.rx_dropped += stale;
	if (virtqueue_kick_prepare(vq))
		virtqueue_notify(vq);
	netdev_dbg(priv->dev, "discarded %u frames received while down\n", stale);
}

static int virtio_can_open(struct net_device *dev)
{
	struct virtio_can_priv *priv = netdev_priv(dev);
	struct can_bittiming *dbt = &virtio_can_fd_params(&priv->can)->data_bittiming;
	int err;

	/* The core clears the data bitrate when FD is switched off. */
	if ((priv->caps & VIRTIO_CAN_CAP(CAN_FD)) && !dbt->bitrate)
		dbt->bitrate = CAN_BITRATE_UNKNOWN;

	err = open_candev(dev);
	if (err)
		return err;

	mutex_lock(&priv->state_lock);
	virtio_can_rx_drop_stale(priv);
	netdev_reset_queue(dev);
	/* NAPI runs before START: no frame may find it disabled. */
	napi_enable(&priv->napi);
	priv->can.state = CAN_STATE_ERROR_ACTIVE;
	err = virtio_can_ctrl(priv, VIRTIO_CAN_SET_CTRL_MODE_START);
	if (err) {
		priv->can.state = CAN_STATE_STOPPED;
		napi_disable(&priv->napi);
		mutex_unlock(&priv->state_lock);
		close_candev(dev);
		return err;
	}
	priv->running = true;
	virtio_can_tx_start(priv);
	mutex_unlock(&priv->state_lock);

	/*
	 * Interrupts raised before napi_enable() found NAPI disabled and left
	 * their callback off: poll once to catch up and re-arm them.
	 */
	virtio_can_napi_kick(priv);

	/* A bus-off reported during START was ignored while down. */
	schedule_work(&priv->state_work);
	return 0;
}

static int virtio_can_stop(struct net_device *dev)
{
	struct virtio_can_priv *priv = netdev_priv(dev);

	mutex_lock(&priv->state_lock);
	priv->running = false;
	virtio_can_tx_stop(priv);
	/* On failure the device is unusable anyway; the error is logged. */
	virtio_can_ctrl(priv, VIRTIO_CAN_SET_CTRL_MODE_STOP);
	priv->can.state = CAN_STATE_STOPPED;
	napi_disable(&priv->napi);
	virtio_can_tx_orphan(priv);
	mutex_unlock(&priv->state_lock);

	close_candev(dev);
	return 0;
}

/**
 * virtio_can_set_mode() - restart after bus-off (can_priv.do_set_mode)
 * @dev: the CAN device
 * @mode: only CAN_MODE_START is supported
 *
 * Called by the CAN core for restart-ms and "ip link set ... restart",
 * with the carrier already on and the echo skbs flushed.
 *
 * Context: process; may hold RTNL; takes state_lock; sleeps.
 * Return: 0 or a negative errno.
 */
int virtio_can_set_mode(struct net_device *dev, enum can_mode mode)
{
	struct virtio_can_priv *priv = netdev_priv(dev);
	int err;

	if (mode != CAN_MODE_START)
		return -EOPNOTSUPP;

	mutex_lock(&priv->state_lock);
	if (!priv->running) {
		err = -ENETDOWN;
		goto out;
	}
	priv->can.state = CAN_STATE_ERROR_ACTIVE;
	err = virtio_can_ctrl(priv, VIRTIO_CAN_SET_CTRL_MODE_START);
	if (err) {
		priv->can.state = CAN_STATE_BUS_OFF;
		goto out;
	}
	virtio_can_tx_start(priv);
out:
	mutex_unlock(&priv->state_lock);
	if (!err)
		schedule_work(&priv->state_work);
	return err;
}

/* Context: process; RTNL and state_lock held. */
static void virtio_can_bus_off(struct virtio_can_priv *priv)
{
	struct net_device *dev = priv->dev;
	struct can_frame *cf;
	struct sk_buff *skb;

	virtio_can_count(priv, VIRTIO_CAN_STAT_BUS_OFF);
	virtio_can_tx_stop(priv);
	napi_disable(&priv->napi);
	virtio_can_tx_orphan(priv);

	skb = alloc_can_err_skb(dev, &cf);
	can_change_state(dev, skb ? cf : NULL, CAN_STATE_BUS_OFF,
			 CAN_STATE_BUS_OFF);
	can_bus_off(dev);
	if (skb)
		netif_rx(skb);

	napi_enable(&priv->napi);
	virtio_can_napi_kick(priv);
}

/**
 * virtio_can_state_work() - act on the device status after a config change
 * @work: &virtio_can_priv.state_work
 *
 * Context: process (workqueue); takes RTNL, then state_lock.
 */
void virtio_can_state_work(struct work_struct *work)
{
	struct virtio_can_priv *priv = container_of(work, struct virtio_can_priv,
						    state_work);
	struct net_device *dev = priv->dev;
	u16 status, unknown;
	bool bus_off;

	rtnl_lock();
	mutex_lock(&priv->state_lock);
	if (!priv->running)
		goto out;

	status = virtio_can_read_status(priv);
	bus_off = virtio_can_status_bus_off(status, &unknown);
	if (unknown) {
		virtio_can_count(priv, VIRTIO_CAN_STAT_STATUS_UNKNOWN);
		virtio_can_err_ratelimited(dev,
					   "device status 0x%04x has unknown bits 0x%04x\n",
					   status, unknown);
	}
	if (bus_off && priv->can.state == CAN_STATE_ERROR_ACTIVE)
		virtio_can_bus_off(priv);
out:
	mutex_unlock(&priv->state_lock);
	rtnl_unlock();
}

const struct net_device_ops virtio_can_netdev_ops = {
	.ndo_open = virtio_can_open,
	.ndo_stop = virtio_can_stop,
	.ndo_start_xmit = virtio_can_start_xmit,
	VIRTIO_CAN_NDO_CHANGE_MTU
};
