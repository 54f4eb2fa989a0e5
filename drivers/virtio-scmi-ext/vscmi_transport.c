// SPDX-License-Identifier: GPL-2.0
/*
 * The virtio SCMI transport: command channels on the cmdq, delayed
 * responses and notifications on the eventq.
 *
 * A command takes a slot (a channel with its own DMA-safe buffers) and a
 * token, and is queued as one chain: header and parameters readable, room
 * for the response writable.  The device may answer out of order; the
 * chain comes back with its slot as the virtqueue token, and the response
 * header must then repeat the command's protocol, id and token.  Delayed
 * responses and notifications arrive on the eventq in any order relative
 * to the synchronous response, and delayed responses are matched by token.
 *
 * A caller that stops waiting (timeout, signal) leaves its slot to the
 * device: the buffers are reused only after the device returned them, and
 * the late response is counted and dropped.  A token whose delayed response
 * was given up on is kept aside (stale) so a late delayed response is
 * recognised rather than delivered to a newer command.
 */
#include <linux/device.h>
#include <linux/jiffies.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/virtio_config.h>
#include <uapi/linux/virtio_scmi.h>

#include "vscmi_priv.h"

/* Called with vscmi->lock held: put a slot back, freeing its token. */
static void vscmi_slot_release(struct vscmi *vscmi, struct vscmi_slot *s)
{
	if (vscmi->tokens[s->token] == s) {
		vscmi->tokens[s->token] = NULL;
		if (s->want_dly && !s->dly_done)
			set_bit(s->token, vscmi->stale);
	}
	s->want_dly = false;
	s->state = VSCMI_SLOT_FREE;
	list_add_tail(&s->node, &vscmi->free_slots);
	wake_up(&vscmi->slot_wq);
}

/* Called with vscmi->lock held. */
static int vscmi_token_alloc(struct vscmi *vscmi, struct vscmi_slot *s)
{
	unsigned int i, t;

	for (i = 0; i < VSCMI_TOKENS; i++) {
		t = (vscmi->next_token + i) % VSCMI_TOKENS;
		if (!vscmi->tokens[t] && !test_bit(t, vscmi->stale))
			goto found;
	}
	/* Every free token waits for a late delayed response: forget them. */
	bitmap_zero(vscmi->stale, VSCMI_TOKENS);
	for (i = 0; i < VSCMI_TOKENS; i++) {
		t = (vscmi->next_token + i) % VSCMI_TOKENS;
		if (!vscmi->tokens[t])
			goto found;
	}
	return -EBUSY;
found:
	vscmi->tokens[t] = s;
	s->token = t;
	vscmi->next_token = (t + 1) % VSCMI_TOKENS;
	return 0;
}

static bool vscmi_slot_take(struct vscmi *vscmi, struct vscmi_slot **out)
{
	struct vscmi_slot *s;
	unsigned long flags;
	bool taken = false;

	spin_lock_irqsave(&vscmi->lock, flags);
	s = list_first_entry_or_null(&vscmi->free_slots, struct vscmi_slot, node);
	if (s && !vscmi_token_alloc(vscmi, s)) {
		list_del(&s->node);
		s->state = VSCMI_SLOT_CALLER;
		s->want_dly = false;
		s->dly_done = false;
		s->rsp_len = 0;
		s->dly_len = 0;
		*out = s;
		taken = true;
	}
	spin_unlock_irqrestore(&vscmi->lock, flags);
	return taken;
}

/**
 * vscmi_xfer_get() - take a command channel and a token
 * @vscmi: the agent
 * @protocol: protocol id
 * @id: message id
 * @tx_len: length of the parameters the caller writes to xfer->tx
 *
 * Context: process; sleeps until a channel is free (at most the command
 * timeout).
 * Return: the transfer, or ERR_PTR(-EINVAL, -ETIMEDOUT, -EINTR).
 */
struct vscmi_xfer *vscmi_xfer_get(struct vscmi *vscmi, u8 protocol, u8 id,
				  size_t tx_len)
{
	struct vscmi_slot *s = NULL;
	long left;

	if (tx_len > VSCMI_MAX_PAYLOAD)
		return ERR_PTR(-EINVAL);
	left = wait_event_killable_timeout(vscmi->slot_wq, vscmi_slot_take(vscmi, &s),
					   msecs_to_jiffies(vscmi->timeout_ms));
	if (left < 0)
		return ERR_PTR(-EINTR);
	if (!left)
		return ERR_PTR(-ETIMEDOUT);
	s->xfer.protocol = protocol;
	s->xfer.id = id;
	s->xfer.tx = s->req + 4;
	s->xfer.tx_len = tx_len;
	s->xfer.rx = NULL;
	s->xfer.rx_len = 0;
	memset(s->xfer.tx, 0, tx_len);
	return &s->xfer;
}
EXPORT_SYMBOL_NS_GPL(vscmi_xfer_get, VSCMI_NS);

/**
 * vscmi_xfer_put() - return a transfer's channel
 * @vscmi: the agent
 * @xfer: from vscmi_xfer_get(); NULL or an error pointer is ignored
 *
 * If the device still holds the channel (the caller gave up waiting), it
 * is reused only once the device returns it.
 */
void vscmi_xfer_put(struct vscmi *vscmi, struct vscmi_xfer *xfer)
{
	struct vscmi_slot *s;
	unsigned long flags;

	if (IS_ERR_OR_NULL(xfer))
		return;
	s = container_of(xfer, struct vscmi_slot, xfer);
	spin_lock_irqsave(&vscmi->lock, flags);
	if (s->state == VSCMI_SLOT_CALLER)
		vscmi_slot_release(vscmi, s);
	spin_unlock_irqrestore(&vscmi->lock, flags);
}
EXPORT_SYMBOL_NS_GPL(vscmi_xfer_put, VSCMI_NS);

static void vscmi_count(struct vscmi *vscmi, enum vscmi_stat stat)
{
	unsigned long flags;

	spin_lock_irqsave(&vscmi->lock, flags);
	vscmi->stats[stat]++;
	spin_unlock_irqrestore(&vscmi->lock, flags);
}

/* Queue the command; the device owns the slot's buffers afterwards. */
static int vscmi_send(struct vscmi *vscmi, struct vscmi_slot *s, bool want_dly)
{
	struct vscmi_hdr hdr = {
		.id = s->xfer.id,
		.type = VSCMI_TYPE_COMMAND,
		.protocol = s->xfer.protocol,
		.token = s->token,
	};
	struct scatterlist out, in, *sgs[] = { &out, &in };
	unsigned long flags;
	bool kick = false;
	int err;

	put_unaligned_le32(vscmi_hdr_pack(&hdr), s->req);
	sg_init_one(&out, s->req, 4 + s->xfer.tx_len);
	sg_init_one(&in, s->rsp, VSCMI_RSP_SIZE);
	reinit_completion(&s->done);
	reinit_completion(&s->dly_cmpl);

	spin_lock_irqsave(&vscmi->lock, flags);
	if (vscmi->broken) {
		err = -ENODEV;
	} else {
		s->want_dly = want_dly;
		s->dly_done = false;
		s->dly_len = 0;
		err = virtqueue_add_sgs(vscmi->cmdq, sgs, 1, 1, s, GFP_ATOMIC);
		if (!err) {
			s->state = VSCMI_SLOT_QUEUED;
			kick = virtqueue_kick_prepare(vscmi->cmdq);
		}
	}
	spin_unlock_irqrestore(&vscmi->lock, flags);
	if (kick)
		virtqueue_notify(vscmi->cmdq);
	if (err && err != -ENODEV)
		dev_err_ratelimited(&vscmi->vdev->dev,
				    "protocol 0x%02x message 0x%x: cannot queue the command: %d\n",
				    s->xfer.protocol, s->xfer.id, err);
	return err ? -EIO : 0;
}

/*
 * Give up on a queued command (timeout or signal).  Return true if it was
 * still queued; false if the response arrived meanwhile.
 */
static bool vscmi_abandon(struct vscmi *vscmi, struct vscmi_slot *s)
{
	unsigned long flags;
	bool queued;

	spin_lock_irqsave(&vscmi->lock, flags);
	queued = s->state == VSCMI_SLOT_QUEUED;
	if (queued) {
		s->state = VSCMI_SLOT_ORPHAN;
		vscmi->stats[VSCMI_STAT_TIMEOUTS]++;
	}
	spin_unlock_irqrestore(&vscmi->lock, flags);
	return queued;
}

/* Check the synchronous response in the slot; point xfer->rx at its values. */
static int vscmi_check_response(struct vscmi *vscmi, struct vscmi_slot *s)
{
	struct vscmi_xfer *x = &s->xfer;
	struct vscmi_hdr hdr;
	u32 raw, len = s->rsp_len;

	if (len < 8 || len > VSCMI_RSP_SIZE) {
		vscmi_count(vscmi, VSCMI_STAT_BAD_RESPONSES);
		dev_err_ratelimited(&vscmi->vdev->dev,
				    "protocol 0x%02x message 0x%x: response of %u bytes (8 to %u expected)\n",
				    x->protocol, x->id, len, VSCMI_RSP_SIZE);
		return -EPROTO;
	}
	raw = get_unaligned_le32(s->rsp);
	if (vscmi_hdr_unpack(raw, &hdr) || hdr.type != VSCMI_TYPE_COMMAND ||
	    hdr.protocol != x->protocol || hdr.id != x->id || hdr.token != s->token) {
		vscmi_count(vscmi, VSCMI_STAT_BAD_RESPONSES);
		dev_err_ratelimited(&vscmi->vdev->dev,
				    "protocol 0x%02x message 0x%x token %u: response header 0x%08x does not match\n",
				    x->protocol, x->id, s->token, raw);
		return -EPROTO;
	}
	x->status = (s32)get_unaligned_le32(s->rsp + 4);
	if (x->status) {
		x->rx = NULL;
		x->rx_len = 0;
		return vscmi_status_to_errno(x->status);
	}
	x->rx = s->rsp + 8;
	x->rx_len = len - 8;
	return 0;
}

static int vscmi_wait_response(struct vscmi *vscmi, struct vscmi_slot *s)
{
	long left;

	left = wait_for_completion_killable_timeout(&s->done,
						    msecs_to_jiffies(vscmi->timeout_ms));
	if (left <= 0 && vscmi_abandon(vscmi, s)) {
		if (left < 0)
			return -EINTR;
		dev_err_ratelimited(&vscmi->vdev->dev,
				    "protocol 0x%02x message 0x%x token %u: no response in %u ms\n",
				    s->xfer.protocol, s->xfer.id, s->token,
				    vscmi->timeout_ms);
		return -ETIMEDOUT;
	}
	/* Pairs with the completion: rsp_len and rsp were written before. */
	return vscmi_check_response(vscmi, s);
}

static int vscmi_wait_delayed(struct vscmi *vscmi, struct vscmi_slot *s)
{
	struct vscmi_xfer *x = &s->xfer;
	unsigned long flags;
	bool arrived;
	long left;

	left = wait_for_completion_killable_timeout(&s->dly_cmpl,
						    msecs_to_jiffies(vscmi->dly_timeout_ms));
	spin_lock_irqsave(&vscmi->lock, flags);
	arrived = s->dly_done;
	if (!arrived && left >= 0)
		vscmi->stats[VSCMI_STAT_TIMEOUTS]++;
	spin_unlock_irqrestore(&vscmi->lock, flags);
	if (!arrived) {
		if (left < 0)
			return -EINTR;
		dev_err_ratelimited(&vscmi->vdev->dev,
				    "protocol 0x%02x message 0x%x token %u: no delayed response in %u ms\n",
				    x->protocol, x->id, s->token, vscmi->dly_timeout_ms);
		return -ETIMEDOUT;
	}
	if (s->dly_len < 4) {
		vscmi_count(vscmi, VSCMI_STAT_BAD_EVENTS);
		dev_err_ratelimited(&vscmi->vdev->dev,
				    "protocol 0x%02x message 0x%x: delayed response of %u bytes\n",
				    x->protocol, x->id, s->dly_len + 4);
		return -EPROTO;
	}
	x->status = (s32)get_unaligned_le32(s->dly);
	if (x->status)
		return vscmi_status_to_errno(x->status);
	x->rx = s->dly + 4;
	x->rx_len = s->dly_len - 4;
	return 0;
}

static int __vscmi_do_xfer(struct vscmi *vscmi, struct vscmi_xfer *xfer,
			   bool delayed)
{
	struct vscmi_slot *s = container_of(xfer, struct vscmi_slot, xfer);
	int err;

	if (delayed && !vscmi->evtq)
		return -EOPNOTSUPP;
	if (s->state != VSCMI_SLOT_CALLER)
		return -EINVAL;
	xfer->rx = NULL;
	xfer->rx_len = 0;
	xfer->status = 0;
	down_read(&vscmi->gate);
	err = vscmi_send(vscmi, s, delayed);
	if (!err)
		err = vscmi_wait_response(vscmi, s);
	if (!err && delayed)
		err = vscmi_wait_delayed(vscmi, s);
	up_read(&vscmi->gate);
	return err;
}

/**
 * vscmi_do_xfer() - send a command and wait for its response
 * @vscmi: the agent
 * @xfer: from vscmi_xfer_get(), parameters filled in
 *
 * On success xfer->rx and xfer->rx_len describe the return values after
 * the status word; the caller validates their length.
 *
 * Context: process; sleeps up to the command timeout (sysfs timeout_ms).
 * Return: 0, the platform status as an errno, -ETIMEDOUT, -EINTR, -EPROTO
 * (malformed response) or -ENODEV (device gone).
 */
int vscmi_do_xfer(struct vscmi *vscmi, struct vscmi_xfer *xfer)
{
	return __vscmi_do_xfer(vscmi, xfer, false);
}
EXPORT_SYMBOL_NS_GPL(vscmi_do_xfer, VSCMI_NS);

/**
 * vscmi_do_xfer_delayed() - send an asynchronous command, wait for both
 *	its response and its delayed response
 * @vscmi: the agent
 * @xfer: from vscmi_xfer_get(), parameters filled in
 *
 * The delayed response may arrive before the synchronous one.  On success
 * xfer->rx describes the delayed response's return values.
 *
 * Context: process; sleeps up to both timeouts.
 * Return: as vscmi_do_xfer(); -EOPNOTSUPP without an event queue.
 */
int vscmi_do_xfer_delayed(struct vscmi *vscmi, struct vscmi_xfer *xfer)
{
	return __vscmi_do_xfer(vscmi, xfer, true);
}
EXPORT_SYMBOL_NS_GPL(vscmi_do_xfer_delayed, VSCMI_NS);

/**
 * vscmi_cmd() - a whole synchronous command with flat buffers
 * @vscmi: the agent
 * @protocol: protocol id
 * @id: message id
 * @tx: parameters, or NULL
 * @tx_len: bytes at @tx
 * @rx: receives the return values, or NULL
 * @rx_min: fewest bytes of return values a valid response has
 * @rx_max: room at @rx; longer replies are truncated to it
 * @rx_len: receives the copied length, or NULL
 *
 * Context: process.
 * Return: as vscmi_do_xfer(), and -EPROTO for fewer than @rx_min bytes.
 */
int vscmi_cmd(struct vscmi *vscmi, u8 protocol, u8 id, const void *tx,
	      size_t tx_len, void *rx, size_t rx_min, size_t rx_max,
	      size_t *rx_len)
{
	struct vscmi_xfer *x;
	size_t n;
	int err;

	x = vscmi_xfer_get(vscmi, protocol, id, tx_len);
	if (IS_ERR(x))
		return PTR_ERR(x);
	if (tx_len)
		memcpy(x->tx, tx, tx_len);
	err = vscmi_do_xfer(vscmi, x);
	if (!err && x->rx_len < rx_min) {
		vscmi_count(vscmi, VSCMI_STAT_BAD_RESPONSES);
		dev_err_ratelimited(&vscmi->vdev->dev,
				    "protocol 0x%02x message 0x%x: %zu bytes of return values, %zu expected\n",
				    protocol, id, x->rx_len, rx_min);
		err = -EPROTO;
	}
	if (!err) {
		n = min(x->rx_len, rx_max);
		if (n)
			memcpy(rx, x->rx, n);
		if (rx_len)
			*rx_len = n;
	}
	vscmi_xfer_put(vscmi, x);
	return err;
}
EXPORT_SYMBOL_NS_GPL(vscmi_cmd, VSCMI_NS);

/**
 * vscmi_has_p2a() - does the device carry notifications and delayed responses
 * @vscmi: the agent
 *
 * Return: true if VIRTIO_SCMI_F_P2A_CHANNELS was negotiated.
 */
bool vscmi_has_p2a(struct vscmi *vscmi)
{
	return vscmi->evtq;
}
EXPORT_SYMBOL_NS_GPL(vscmi_has_p2a, VSCMI_NS);

/**
 * vscmi_dev() - the device to log against and parent front-end devices to
 * @vscmi: the agent
 *
 * Return: the virtio device's struct device.
 */
struct device *vscmi_dev(struct vscmi *vscmi)
{
	return &vscmi->vdev->dev;
}
EXPORT_SYMBOL_NS_GPL(vscmi_dev, VSCMI_NS);

static void vscmi_cmdq_done(struct virtqueue *vq)
{
	struct vscmi *vscmi = vq->vdev->priv;
	struct vscmi_slot *s;
	unsigned long flags;
	unsigned int len;

	spin_lock_irqsave(&vscmi->lock, flags);
	do {
		virtqueue_disable_cb(vq);
		while ((s = virtqueue_get_buf(vq, &len))) {
			s->rsp_len = len;
			if (s->state == VSCMI_SLOT_ORPHAN) {
				vscmi->stats[VSCMI_STAT_LATE_RESPONSES]++;
				dev_warn_ratelimited(&vscmi->vdev->dev,
						     "late response to token %u dropped\n",
						     s->token);
				vscmi_slot_release(vscmi, s);
			} else if (s->state == VSCMI_SLOT_QUEUED) {
				s->state = VSCMI_SLOT_CALLER;
				complete(&s->done);
			}
		}
	} while (!virtqueue_enable_cb(vq));
	spin_unlock_irqrestore(&vscmi->lock, flags);
}

/* A delayed response from the eventq: hand it to the command waiting for it. */
static void vscmi_delayed(struct vscmi *vscmi, const struct vscmi_hdr *hdr,
			  const u8 *payload, size_t len)
{
	struct vscmi_slot *s;
	unsigned long flags;
	bool late = false;

	spin_lock_irqsave(&vscmi->lock, flags);
	s = vscmi->tokens[hdr->token];
	if (s && s->want_dly && !s->dly_done && s->xfer.protocol == hdr->protocol &&
	    s->xfer.id == hdr->id) {
		memcpy(s->dly, payload, len);
		s->dly_len = len;
		s->dly_done = true;
		complete(&s->dly_cmpl);
		s = NULL;
	} else {
		late = test_and_clear_bit(hdr->token, vscmi->stale);
		if (late)
			vscmi->stats[VSCMI_STAT_LATE_RESPONSES]++;
		else
			vscmi->stats[VSCMI_STAT_UNEXPECTED_DELAYED]++;
		s = ERR_PTR(-EPROTO);
	}
	spin_unlock_irqrestore(&vscmi->lock, flags);
	if (IS_ERR(s))
		dev_err_ratelimited(&vscmi->vdev->dev,
				    "%s delayed response (protocol 0x%02x message 0x%x token %u) dropped\n",
				    late ? "late" : "unexpected", hdr->protocol, hdr->id,
				    hdr->token);
}

static void vscmi_notification(struct vscmi *vscmi, const struct vscmi_hdr *hdr,
			       const u8 *payload, size_t len, ktime_t t)
{
	struct vscmi_event_nb *nb;
	bool handled = false;

	mutex_lock(&vscmi->nb_lock);
	list_for_each_entry(nb, &vscmi->nbs, node) {
		if (nb->protocol != hdr->protocol)
			continue;
		nb->notify(nb, hdr->id, payload, len, t);
		handled = true;
	}
	mutex_unlock(&vscmi->nb_lock);
	vscmi_count(vscmi, handled ? VSCMI_STAT_NOTIFICATIONS :
				     VSCMI_STAT_UNHANDLED_NOTIFICATIONS);
}

static void vscmi_event(struct vscmi *vscmi, const u8 *buf, u32 len, ktime_t t)
{
	struct vscmi_hdr hdr;
	u32 raw;

	if (len < 4 || len > VSCMI_EVT_SIZE)
		goto bad;
	raw = get_unaligned_le32(buf);
	if (vscmi_hdr_unpack(raw, &hdr))
		goto bad;
	switch (hdr.type) {
	case VSCMI_TYPE_DELAYED:
		vscmi_delayed(vscmi, &hdr, buf + 4, len - 4);
		return;
	case VSCMI_TYPE_NOTIFICATION:
		vscmi_notification(vscmi, &hdr, buf + 4, len - 4, t);
		return;
	}
bad:
	vscmi_count(vscmi, VSCMI_STAT_BAD_EVENTS);
	dev_err_ratelimited(&vscmi->vdev->dev,
			    "eventq: malformed message of %u bytes (header 0x%08x) dropped\n",
			    len, len >= 4 ? get_unaligned_le32(buf) : 0);
}

/* Called with vscmi->evt_lock held. */
static int vscmi_evt_post(struct vscmi *vscmi, void *buf)
{
	struct scatterlist sg;

	sg_init_one(&sg, buf, VSCMI_EVT_SIZE);
	return virtqueue_add_inbuf(vscmi->evtq, &sg, 1, buf, GFP_ATOMIC);
}

static void vscmi_evt_work(struct work_struct *work)
{
	struct vscmi *vscmi = container_of(work, struct vscmi, evt_work);
	unsigned int len, n = 0;
	bool kick = false;
	ktime_t t;
	void *buf;

	for (;;) {
		spin_lock_irq(&vscmi->evt_lock);
		buf = virtqueue_get_buf(vscmi->evtq, &len);
		t = vscmi->evt_time;
		spin_unlock_irq(&vscmi->evt_lock);
		if (!buf)
			break;
		vscmi_event(vscmi, buf, len, t);
		spin_lock_irq(&vscmi->evt_lock);
		if (vscmi_evt_post(vscmi, buf))
			dev_err_ratelimited(&vscmi->vdev->dev, "eventq: cannot repost a buffer\n");
		if (++n % 16 == 0)
			kick |= virtqueue_kick_prepare(vscmi->evtq);
		spin_unlock_irq(&vscmi->evt_lock);
		if (kick) {
			virtqueue_notify(vscmi->evtq);
			kick = false;
		}
	}
	spin_lock_irq(&vscmi->evt_lock);
	kick = virtqueue_kick_prepare(vscmi->evtq);
	spin_unlock_irq(&vscmi->evt_lock);
	if (kick)
		virtqueue_notify(vscmi->evtq);
}

static void vscmi_evtq_done(struct virtqueue *vq)
{
	struct vscmi *vscmi = vq->vdev->priv;
	unsigned long flags;

	spin_lock_irqsave(&vscmi->evt_lock, flags);
	vscmi->evt_time = ktime_get_boottime();
	spin_unlock_irqrestore(&vscmi->evt_lock, flags);
	queue_work(system_highpri_wq, &vscmi->evt_work);
}

/**
 * vscmi_event_register() - receive the notifications of a protocol
 * @vscmi: the agent
 * @nb: the handler; @nb->protocol and @nb->notify set
 *
 * The caller still subscribes with the protocol's own NOTIFY command.
 *
 * Return: 0, or -EOPNOTSUPP if the device has no event queue.
 */
int vscmi_event_register(struct vscmi *vscmi, struct vscmi_event_nb *nb)
{
	if (!vscmi->evtq)
		return -EOPNOTSUPP;
	mutex_lock(&vscmi->nb_lock);
	list_add_tail(&nb->node, &vscmi->nbs);
	mutex_unlock(&vscmi->nb_lock);
	return 0;
}
EXPORT_SYMBOL_NS_GPL(vscmi_event_register, VSCMI_NS);

/**
 * vscmi_event_unregister() - stop receiving notifications
 * @vscmi: the agent
 * @nb: a registered handler; it is not running when this returns
 */
void vscmi_event_unregister(struct vscmi *vscmi, struct vscmi_event_nb *nb)
{
	mutex_lock(&vscmi->nb_lock);
	list_del(&nb->node);
	mutex_unlock(&vscmi->nb_lock);
}
EXPORT_SYMBOL_NS_GPL(vscmi_event_unregister, VSCMI_NS);

/* After a restore: let the front-ends subscribe again. */
void vscmi_events_restored(struct vscmi *vscmi)
{
	struct vscmi_event_nb *nb;

	mutex_lock(&vscmi->nb_lock);
	list_for_each_entry(nb, &vscmi->nbs, node)
		if (nb->restored)
			nb->restored(nb);
	mutex_unlock(&vscmi->nb_lock);
}

static int vscmi_find_vqs(struct vscmi *vscmi)
{
	struct virtqueue_info info[] = {
		{ .name = "cmdq", .callback = vscmi_cmdq_done },
		{ .name = "eventq", .callback = vscmi_evtq_done },
	};
	struct virtqueue *vqs[2];
	bool p2a = virtio_has_feature(vscmi->vdev, VIRTIO_SCMI_F_P2A_CHANNELS);
	int err;

	err = virtio_find_vqs(vscmi->vdev, p2a ? 2 : 1, vqs, info, NULL);
	if (err)
		return err;
	vscmi->cmdq = vqs[0];
	vscmi->evtq = p2a ? vqs[1] : NULL;
	return 0;
}

static void vscmi_free_buffers(struct vscmi *vscmi)
{
	unsigned int i;

	for (i = 0; vscmi->slots && i < vscmi->num_slots; i++) {
		kfree(vscmi->slots[i].req);
		kfree(vscmi->slots[i].rsp);
		kfree(vscmi->slots[i].dly);
	}
	kfree(vscmi->slots);
	vscmi->slots = NULL;
	for (i = 0; vscmi->evt_bufs && i < vscmi->num_evt; i++)
		kfree(vscmi->evt_bufs[i]);
	kfree(vscmi->evt_bufs);
	vscmi->evt_bufs = NULL;
}

static int vscmi_alloc_buffers(struct vscmi *vscmi)
{
	struct vscmi_slot *s;
	unsigned int i;

	vscmi->num_slots = clamp(virtqueue_get_vring_size(vscmi->cmdq) / 2, 1U,
				 (unsigned int)VSCMI_MAX_SLOTS);
	vscmi->slots = kcalloc(vscmi->num_slots, sizeof(*vscmi->slots), GFP_KERNEL);
	if (!vscmi->slots)
		return -ENOMEM;
	for (i = 0; i < vscmi->num_slots; i++) {
		s = &vscmi->slots[i];
		/* Separate allocations: the device writes rsp while we read req. */
		s->req = kzalloc(VSCMI_REQ_SIZE, GFP_KERNEL);
		s->rsp = kzalloc(VSCMI_RSP_SIZE, GFP_KERNEL);
		s->dly = kzalloc(VSCMI_DLY_SIZE, GFP_KERNEL);
		if (!s->req || !s->rsp || !s->dly)
			goto nomem;
		init_completion(&s->done);
		init_completion(&s->dly_cmpl);
		s->state = VSCMI_SLOT_FREE;
		list_add_tail(&s->node, &vscmi->free_slots);
	}
	if (!vscmi->evtq)
		return 0;
	vscmi->num_evt = min_t(unsigned int, virtqueue_get_vring_size(vscmi->evtq),
			       VSCMI_MAX_EVT_BUFS);
	vscmi->evt_bufs = kcalloc(vscmi->num_evt, sizeof(void *), GFP_KERNEL);
	if (!vscmi->evt_bufs)
		goto nomem;
	for (i = 0; i < vscmi->num_evt; i++) {
		vscmi->evt_bufs[i] = kzalloc(VSCMI_EVT_SIZE, GFP_KERNEL);
		if (!vscmi->evt_bufs[i])
			goto nomem;
	}
	return 0;
nomem:
	vscmi_free_buffers(vscmi);
	return -ENOMEM;
}

/**
 * vscmi_transport_init() - find the virtqueues and allocate the channels
 * @vscmi: the agent, vdev set
 *
 * Return: 0 or a negative errno (nothing left allocated).
 */
int vscmi_transport_init(struct vscmi *vscmi)
{
	int err;

	spin_lock_init(&vscmi->lock);
	spin_lock_init(&vscmi->evt_lock);
	INIT_LIST_HEAD(&vscmi->free_slots);
	init_waitqueue_head(&vscmi->slot_wq);
	init_rwsem(&vscmi->gate);
	INIT_WORK(&vscmi->evt_work, vscmi_evt_work);
	mutex_init(&vscmi->nb_lock);
	INIT_LIST_HEAD(&vscmi->nbs);
	vscmi->timeout_ms = VSCMI_DEFAULT_TIMEOUT_MS;
	vscmi->dly_timeout_ms = VSCMI_DEFAULT_DLY_TIMEOUT_MS;

	err = vscmi_find_vqs(vscmi);
	if (err)
		return err;
	err = vscmi_alloc_buffers(vscmi);
	if (err)
		vscmi->vdev->config->del_vqs(vscmi->vdev);
	return err;
}

/**
 * vscmi_transport_start() - post the event buffers and set DRIVER_OK
 * @vscmi: the agent, queues found
 *
 * DRIVER_OK comes before the first notification to the device, so the
 * device sees no queue activity from a driver that is not ready.
 */
void vscmi_transport_start(struct vscmi *vscmi)
{
	unsigned int i;

	spin_lock_irq(&vscmi->evt_lock);
	for (i = 0; vscmi->evtq && i < vscmi->num_evt; i++)
		if (vscmi_evt_post(vscmi, vscmi->evt_bufs[i]))
			break;
	spin_unlock_irq(&vscmi->evt_lock);
	if (vscmi->evtq && i < vscmi->num_evt)
		dev_warn(&vscmi->vdev->dev, "eventq: %u of %u buffers posted\n",
			 i, vscmi->num_evt);

	spin_lock_irq(&vscmi->lock);
	vscmi->broken = false;
	spin_unlock_irq(&vscmi->lock);

	virtio_device_ready(vscmi->vdev);
	if (vscmi->evtq)
		virtqueue_kick(vscmi->evtq);
}

/**
 * vscmi_transport_stop() - drain the transfers, reset the device, drop
 *	the queues
 * @vscmi: the agent
 *
 * New transfers fail with -ENODEV from here on; those in flight run to
 * their response or timeout first.  Every channel is free afterwards.
 */
void vscmi_transport_stop(struct vscmi *vscmi)
{
	struct vscmi_slot *s;
	unsigned int i;

	spin_lock_irq(&vscmi->lock);
	vscmi->broken = true;
	spin_unlock_irq(&vscmi->lock);
	down_write(&vscmi->gate);

	virtio_reset_device(vscmi->vdev);
	cancel_work_sync(&vscmi->evt_work);

	spin_lock_irq(&vscmi->lock);
	while (virtqueue_detach_unused_buf(vscmi->cmdq))
		;
	for (i = 0; i < vscmi->num_slots; i++) {
		s = &vscmi->slots[i];
		if (s->state == VSCMI_SLOT_ORPHAN)
			vscmi_slot_release(vscmi, s);
	}
	bitmap_zero(vscmi->stale, VSCMI_TOKENS);
	spin_unlock_irq(&vscmi->lock);
	if (vscmi->evtq)
		while (virtqueue_detach_unused_buf(vscmi->evtq))
			;
	vscmi->vdev->config->del_vqs(vscmi->vdev);
	up_write(&vscmi->gate);
}

/**
 * vscmi_transport_restart() - find the queues again after a stop
 * @vscmi: the agent
 *
 * Return: 0 or a negative errno.
 */
int vscmi_transport_restart(struct vscmi *vscmi)
{
	int err;

	err = vscmi_find_vqs(vscmi);
	if (err)
		return err;
	vscmi_transport_start(vscmi);
	return 0;
}

/**
 * vscmi_transport_free() - free the channels after vscmi_transport_stop()
 * @vscmi: the agent
 */
void vscmi_transport_free(struct vscmi *vscmi)
{
	vscmi_free_buffers(vscmi);
}
