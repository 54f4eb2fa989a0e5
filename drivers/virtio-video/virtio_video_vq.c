// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-video: the commandq and the eventq.
 *
 * v10 answers DEVICE_QUERY_CAPS on commandq and every stream command on
 * eventq, later and in any order across a stream's internal queues.  A
 * command gets a cookie, the key under which it waits in vv->cmds; the
 * event that carries the cookie (and the command's type and stream) is
 * its answer.  Whoever erases a command from vv->cmds completes it: the
 * event work, or the paths that fail commands when a stream dies or the
 * device goes away.  Commands are reference counted because commandq
 * gives the request back before the answer arrives.
 */
#include <linux/atomic.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/virtio_config.h>
#include <linux/wait_bit.h>
#include <linux/workqueue.h>

#include "virtio_video.h"
#include "virtio_video_compat.h"

static void virtio_video_cmd_release(struct kref *ref)
{
	struct virtio_video_cmd *cmd =
		container_of(ref, struct virtio_video_cmd, ref);

	kfree(cmd->req);
	kfree(cmd->resp);
	kfree(cmd);
}

/**
 * virtio_video_cmd_put() - drop a reference to a command
 * @cmd: the command, or NULL
 *
 * Context: any.
 */
void virtio_video_cmd_put(struct virtio_video_cmd *cmd)
{
	if (cmd)
		kref_put(&cmd->ref, virtio_video_cmd_release);
}

/**
 * virtio_video_cmd_new() - allocate a command
 * @vv: the device
 * @s: the stream, or NULL for DEVICE_QUERY_CAPS
 * @type: VIRTIO_VIDEO_CMD_*
 * @queue_type: VIRTIO_VIDEO_QUEUE_TYPE_* (stream commands)
 * @body_len: bytes after the header, zeroed
 * @resp_size: room for the answer's body, or 0
 *
 * Context: process.
 * Return: the command, holding the caller's reference, or NULL.
 */
struct virtio_video_cmd *virtio_video_cmd_new(struct virtio_video *vv,
					      struct virtio_video_stream *s,
					      u32 type, u32 queue_type,
					      size_t body_len, size_t resp_size)
{
	size_t hdr_len = s ? sizeof(struct virtio_video_stream_cmd_header) :
			 sizeof(struct virtio_video_device_query_caps);
	struct virtio_video_cmd *cmd;

	cmd = kzalloc_obj(*cmd, GFP_KERNEL);
	if (!cmd)
		return NULL;
	kref_init(&cmd->ref);
	init_completion(&cmd->done);
	cmd->vv = vv;
	cmd->stream = s;
	cmd->type = type;
	cmd->req_len = hdr_len + body_len;
	cmd->req = kzalloc(cmd->req_len, GFP_KERNEL);
	if (resp_size) {
		cmd->resp = kzalloc(resp_size, GFP_KERNEL);
		cmd->resp_size = resp_size;
	}
	if (!cmd->req || (resp_size && !cmd->resp)) {
		virtio_video_cmd_put(cmd);
		return NULL;
	}
	if (s)
		virtio_video_cmd_header(cmd->req, type, s->id, queue_type, 0);
	else
		((struct virtio_video_device_query_caps *)cmd->req)->type =
			cpu_to_le32(type);
	return cmd;
}

/**
 * virtio_video_cmd_body() - where a stream command's body starts
 * @cmd: the command
 *
 * Return: the first byte after the stream command header.
 */
void *virtio_video_cmd_body(struct virtio_video_cmd *cmd)
{
	return (u8 *)cmd->req + sizeof(struct virtio_video_stream_cmd_header);
}

/* Finish a command taken out of vv->cmds, and drop the table's reference. */
static void virtio_video_cmd_finish(struct virtio_video_cmd *cmd, int result)
{
	cmd->result = result;
	if (cmd->done_fn)
		cmd->done_fn(cmd);
	else
		complete(&cmd->done);
	virtio_video_cmd_put(cmd);
}

/* Put a request on commandq, waiting for room; the caller holds a ref. */
static int virtio_video_cmdq_add(struct virtio_video *vv,
				 struct virtio_video_cmd *cmd,
				 struct scatterlist **sgs, unsigned int out,
				 unsigned int in)
{
	bool notify = false;
	int ret;

	kref_get(&cmd->ref);	/* commandq's, dropped when it returns */
	spin_lock_irq(&vv->cmdq_lock);
	for (;;) {
		if (vv->broken) {
			ret = -ENODEV;
			break;
		}
		ret = virtqueue_add_sgs(vv->cmdq, sgs, out, in, cmd, GFP_ATOMIC);
		if (ret != -ENOSPC)
			break;
		spin_unlock_irq(&vv->cmdq_lock);
		ret = wait_event_killable(vv->cmdq_wait,
					  READ_ONCE(vv->cmdq->num_free) ||
					  READ_ONCE(vv->broken));
		spin_lock_irq(&vv->cmdq_lock);
		if (ret)
			break;
	}
	if (!ret)
		notify = virtqueue_kick_prepare(vv->cmdq);
	spin_unlock_irq(&vv->cmdq_lock);
	if (ret) {
		virtio_video_cmd_put(cmd);
		return ret;
	}
	if (notify)
		virtqueue_notify(vv->cmdq);
	return 0;
}

/**
 * virtio_video_cmd_send() - send a stream command
 * @cmd: the command
 *
 * The answer completes @cmd->done, or calls @cmd->done_fn, from the
 * event work.  On failure the command was not sent and nothing is called.
 *
 * Context: process; may wait for room on commandq.
 * Return: 0, -ENODEV when the device is gone, or another negative errno.
 */
int virtio_video_cmd_send(struct virtio_video_cmd *cmd)
{
	struct virtio_video *vv = cmd->vv;
	struct virtio_video_stream_cmd_header *hdr = cmd->req;
	struct scatterlist sg, *sgs[] = { &sg };
	int ret;

	kref_get(&cmd->ref);	/* the table's */
	ret = xa_alloc_cyclic(&vv->cmds, &cmd->cookie, cmd,
			      XA_LIMIT(1, U32_MAX), &vv->next_cookie,
			      GFP_KERNEL);
	if (ret < 0) {
		virtio_video_cmd_put(cmd);
		return ret;
	}
	hdr->async_response_cookie = cpu_to_le32(cmd->cookie);
	sg_init_one(&sg, cmd->req, cmd->req_len);
	ret = virtio_video_cmdq_add(vv, cmd, sgs, 1, 0);
	if (ret && xa_cmpxchg(&vv->cmds, cmd->cookie, cmd, NULL, 0) == cmd)
		virtio_video_cmd_put(cmd);
	return ret;
}

/**
 * virtio_video_cmd_wait() - wait for a command's answer
 * @cmd: a sent command without @done_fn
 *
 * Only a dead device makes this time out; a fatal signal ends it early.
 * Either way the command stays in the table, and a late answer is taken
 * and dropped.
 *
 * Context: process.
 * Return: the command's result, -ETIMEDOUT or -EINTR.
 */
int virtio_video_cmd_wait(struct virtio_video_cmd *cmd)
{
	unsigned long timeout = msecs_to_jiffies(VIRTIO_VIDEO_LIVENESS_MS);
	long ret;

	ret = wait_for_completion_killable_timeout(&cmd->done, timeout);
	if (ret < 0)
		return -EINTR;
	if (!ret) {
		dev_err_ratelimited(&cmd->vv->vdev->dev,
				    "no answer to command %#x on stream %u in %u ms\n",
				    cmd->type, cmd->stream ? cmd->stream->id : 0,
				    VIRTIO_VIDEO_LIVENESS_MS);
		return -ETIMEDOUT;
	}
	return cmd->result;
}

/**
 * virtio_video_cmd_cancel() - take back a command nobody answered
 * @cmd: a sent command
 *
 * Context: any but the event work's callbacks.
 * Return: true if the command was still waiting: it is now out of the
 * table, will never be completed, and the caller owns what it stood for;
 * false if an answer (or a failure) completed it or is completing it.
 */
bool virtio_video_cmd_cancel(struct virtio_video_cmd *cmd)
{
	if (xa_cmpxchg(&cmd->vv->cmds, cmd->cookie, cmd, NULL, 0) != cmd)
		return false;
	virtio_video_cmd_put(cmd);
	return true;
}

/**
 * virtio_video_fail_stream_cmds() - fail the commands waiting for answers
 * @vv: the device
 * @s: only this stream's, or NULL for all
 * @result: their result
 *
 * Context: process or the event work; not under a stream's locks.
 */
void virtio_video_fail_stream_cmds(struct virtio_video *vv,
				   struct virtio_video_stream *s, int result)
{
	struct virtio_video_cmd *cmd;
	unsigned long idx;

	for (;;) {
		xa_lock(&vv->cmds);
		xa_for_each(&vv->cmds, idx, cmd) {
			if (!s || cmd->stream == s)
				break;
		}
		if (cmd)
			__xa_erase(&vv->cmds, idx);
		xa_unlock(&vv->cmds);
		if (!cmd)
			return;
		virtio_video_cmd_finish(cmd, result);
	}
}

static void virtio_video_cmdq_done(struct virtqueue *vq)
{
	struct virtio_video *vv = vq->vdev->priv;
	struct virtio_video_cmd *cmd;
	unsigned long flags;
	unsigned int len;

	spin_lock_irqsave(&vv->cmdq_lock, flags);
	do {
		virtqueue_disable_cb(vq);
		while ((cmd = virtqueue_get_buf(vq, &len))) {
			if (cmd->type == VIRTIO_VIDEO_CMD_DEVICE_QUERY_CAPS) {
				cmd->resp_len = len;
				complete(&cmd->done);
			}
			virtio_video_cmd_put(cmd);
		}
	} while (!virtqueue_enable_cb(vq));
	spin_unlock_irqrestore(&vv->cmdq_lock, flags);
	wake_up_all(&vv->cmdq_wait);
}

static void virtio_video_evq_done(struct virtqueue *vq)
{
	struct virtio_video *vv = vq->vdev->priv;

	queue_work(system_highpri_wq, &vv->event_work);
}

static int virtio_video_ev_post(struct virtio_video *vv, void *buf)
{
	struct scatterlist sg;

	sg_init_one(&sg, buf, VIRTIO_VIDEO_EVENT_BUF_SIZE);
	return virtqueue_add_inbuf(vv->evq, &sg, 1, buf, GFP_ATOMIC);
}

/* Hand a standalone event to its stream. */
static void virtio_video_standalone(struct virtio_video *vv,
				    const struct virtio_video_event *ev)
{
	struct virtio_video_stream *s;
	bool fatal = ev->type == VIRTIO_VIDEO_CMD_STREAM_CLOSE;

	spin_lock(&vv->streams_lock);
	s = vv->streams[ev->stream_id];
	if (!s || s->dead) {
		spin_unlock(&vv->streams_lock);
		dev_err_ratelimited(&vv->vdev->dev,
				    "standalone event %#x for stream %u, which is not open\n",
				    ev->type, ev->stream_id);
		return;
	}
	if (fatal) {
		dev_err_ratelimited(&vv->vdev->dev,
				    "the device closed stream %u with an error\n",
				    s->id);
		s->dead = true;
	}
	s->ops->standalone(s, ev);
	spin_unlock(&vv->streams_lock);
	if (fatal)
		virtio_video_fail_stream_cmds(vv, s, -EIO);
}

/* Match an answer to the command it answers, and complete that. */
static void virtio_video_answer(struct virtio_video *vv,
				const struct virtio_video_event *ev,
				const void *buf)
{
	struct virtio_video_cmd *cmd;
	int result = 0;

	xa_lock(&vv->cmds);
	cmd = xa_load(&vv->cmds, ev->cookie);
	if (!cmd || cmd->type != ev->type || !cmd->stream ||
	    cmd->stream->id != ev->stream_id) {
		xa_unlock(&vv->cmds);
		dev_err_ratelimited(&vv->vdev->dev,
				    "answer %#x on stream %u with cookie %u matches no command\n",
				    ev->type, ev->stream_id, ev->cookie);
		return;
	}
	__xa_erase(&vv->cmds, ev->cookie);
	xa_unlock(&vv->cmds);

	cmd->ev_flags = ev->flags;
	if (ev->flags & VIRTIO_VIDEO_EVENT_FLAG_CANCELED)
		result = -ECANCELED;
	else if (ev->flags & VIRTIO_VIDEO_EVENT_FLAG_ERROR)
		result = -EIO;
	if (ev->type == VIRTIO_VIDEO_CMD_STREAM_RESOURCE_QUEUE) {
		memcpy(&cmd->rq, buf, sizeof(cmd->rq));
	} else if (cmd->resp) {
		if (ev->body_len > cmd->resp_size) {
			dev_err_ratelimited(&vv->vdev->dev,
					    "answer %#x on stream %u is %zu bytes long, more than %zu\n",
					    ev->type, ev->stream_id,
					    ev->body_len, cmd->resp_size);
			result = -EPROTO;
		} else {
			memcpy(cmd->resp, ev->body, ev->body_len);
			cmd->resp_len = ev->body_len;
		}
	}
	virtio_video_cmd_finish(cmd, result);
}

static void virtio_video_event(struct virtio_video *vv, const void *buf,
			       unsigned int len)
{
	struct virtio_video_parse_error err;
	struct virtio_video_event ev;

	if (len > VIRTIO_VIDEO_EVENT_BUF_SIZE) {
		dev_err_ratelimited(&vv->vdev->dev,
				    "dropping event: %u bytes in a %u byte buffer\n",
				    len, VIRTIO_VIDEO_EVENT_BUF_SIZE);
		return;
	}
	if (virtio_video_event_parse(&ev, buf, len, vv->max_streams, &err)) {
		dev_err_ratelimited(&vv->vdev->dev,
				    "dropping event (%u bytes): %s\n", len,
				    err.what);
		return;
	}
	if (ev.flags & VIRTIO_VIDEO_EVENT_FLAG_STANDALONE)
		virtio_video_standalone(vv, &ev);
	else
		virtio_video_answer(vv, &ev, buf);
}

static void virtio_video_event_work(struct work_struct *work)
{
	struct virtio_video *vv =
		container_of(work, struct virtio_video, event_work);
	unsigned int budget = 64, len;
	bool kick = false, more;
	void *buf;

	spin_lock_irq(&vv->evq_lock);
	while (budget && (buf = virtqueue_get_buf(vv->evq, &len))) {
		spin_unlock_irq(&vv->evq_lock);
		virtio_video_event(vv, buf, len);
		spin_lock_irq(&vv->evq_lock);
		/* The buffer came off this queue: there is room for it. */
		if (!WARN_ON_ONCE(virtio_video_ev_post(vv, buf)))
			kick = true;
		budget--;
	}
	more = !budget;
	if (kick)
		virtqueue_kick(vv->evq);
	spin_unlock_irq(&vv->evq_lock);
	if (more)
		queue_work(system_highpri_wq, &vv->event_work);
}

static void virtio_video_ev_free(struct virtio_video *vv)
{
	unsigned int i;

	for (i = 0; vv->ev_bufs && i < vv->ev_num; i++)
		kfree(vv->ev_bufs[i]);
	kfree(vv->ev_bufs);
	vv->ev_bufs = NULL;
}

/**
 * virtio_video_vq_init() - find the virtqueues and fill eventq
 * @vv: the device, config read
 *
 * Eventq gets its buffers without a notification: the device may not be
 * told before DRIVER_OK (virtio_video_vq_start() does it).
 *
 * Context: probe.
 * Return: 0 or a negative errno.
 */
int virtio_video_vq_init(struct virtio_video *vv)
{
	struct virtqueue_info info[] = {
		{ "commandq", virtio_video_cmdq_done },
		{ "eventq", virtio_video_evq_done },
	};
	struct virtqueue *vqs[2];
	unsigned int i;
	int ret;

	spin_lock_init(&vv->cmdq_lock);
	spin_lock_init(&vv->evq_lock);
	init_waitqueue_head(&vv->cmdq_wait);
	INIT_WORK(&vv->event_work, virtio_video_event_work);
	xa_init_flags(&vv->cmds, XA_FLAGS_ALLOC1);

	ret = virtio_find_vqs(vv->vdev, 2, vqs, info, NULL);
	if (ret)
		return ret;
	vv->cmdq = vqs[VIRTIO_VIDEO_QUEUE_COMMANDQ];
	vv->evq = vqs[VIRTIO_VIDEO_QUEUE_EVENTQ];

	vv->ev_num = min(virtqueue_get_vring_size(vv->evq),
			 VIRTIO_VIDEO_MAX_EVENT_BUFS);
	vv->ev_bufs = kcalloc(vv->ev_num, sizeof(*vv->ev_bufs), GFP_KERNEL);
	if (!vv->ev_bufs) {
		ret = -ENOMEM;
		goto err_del;
	}
	for (i = 0; i < vv->ev_num; i++) {
		vv->ev_bufs[i] = kmalloc(VIRTIO_VIDEO_EVENT_BUF_SIZE, GFP_KERNEL);
		if (!vv->ev_bufs[i]) {
			ret = -ENOMEM;
			goto err_free;
		}
		ret = virtio_video_ev_post(vv, vv->ev_bufs[i]);
		if (ret)
			goto err_free;
	}
	return 0;

err_free:
	while (virtqueue_detach_unused_buf(vv->evq))
		;
	virtio_video_ev_free(vv);
err_del:
	vv->vdev->config->del_vqs(vv->vdev);
	return ret;
}

/**
 * virtio_video_vq_start() - tell the device about eventq's buffers
 * @vv: the device, after virtio_device_ready()
 */
void virtio_video_vq_start(struct virtio_video *vv)
{
	spin_lock_irq(&vv->evq_lock);
	virtqueue_kick(vv->evq);
	spin_unlock_irq(&vv->evq_lock);
}

/**
 * virtio_video_vq_stop() - reset the device and fail what waits on it
 * @vv: the device
 *
 * Nothing is sent afterwards; every command waiting for an answer fails
 * with -ENODEV, which completes the buffers and wakes the waiters.
 *
 * Context: process (remove).
 */
void virtio_video_vq_stop(struct virtio_video *vv)
{
	struct virtio_video_event gone = {
		.type = VIRTIO_VIDEO_CMD_STREAM_CLOSE,
		.flags = VIRTIO_VIDEO_EVENT_FLAG_ERROR |
			 VIRTIO_VIDEO_EVENT_FLAG_STANDALONE,
	};
	struct virtio_video_stream *s;
	unsigned int i;

	spin_lock_irq(&vv->cmdq_lock);
	vv->broken = true;
	spin_unlock_irq(&vv->cmdq_lock);
	virtio_reset_device(vv->vdev);
	cancel_work_sync(&vv->event_work);
	wake_up_all(&vv->cmdq_wait);

	/* Every open stream dies as if the device had closed it. */
	spin_lock(&vv->streams_lock);
	for (i = 0; vv->streams && i < vv->max_streams; i++) {
		s = vv->streams[i];
		if (!s || s->dead)
			continue;
		s->dead = true;
		gone.stream_id = i;
		s->ops->standalone(s, &gone);
	}
	spin_unlock(&vv->streams_lock);
	virtio_video_fail_stream_cmds(vv, NULL, -ENODEV);
}

/**
 * virtio_video_vq_free() - take the buffers back and delete the queues
 * @vv: the device, stopped
 */
void virtio_video_vq_free(struct virtio_video *vv)
{
	struct virtio_video_cmd *cmd;

	while ((cmd = virtqueue_detach_unused_buf(vv->cmdq))) {
		if (cmd->type == VIRTIO_VIDEO_CMD_DEVICE_QUERY_CAPS)
			complete(&cmd->done);
		virtio_video_cmd_put(cmd);
	}
	while (virtqueue_detach_unused_buf(vv->evq))
		;
	vv->vdev->config->del_vqs(vv->vdev);
	virtio_video_ev_free(vv);
	xa_destroy(&vv->cmds);
}

/**
 * virtio_video_query_caps() - read and check the device's capabilities
 * @vv: the device, started
 * @caps_length: the config's caps_length, checked by the caller
 *
 * Context: probe.
 * Return: 0, -EIO when the device fails the command, -EPROTO when the
 * capabilities are malformed, or another negative errno.
 */
int virtio_video_query_caps(struct virtio_video *vv, u32 caps_length)
{
	struct virtio_video_device_query_caps_resp *resp;
	struct scatterlist out, in, *sgs[] = { &out, &in };
	struct virtio_video_parse_error err;
	unsigned long timeout = msecs_to_jiffies(VIRTIO_VIDEO_LIVENESS_MS);
	struct virtio_video_cmd *cmd;
	int ret;

	cmd = virtio_video_cmd_new(vv, NULL, VIRTIO_VIDEO_CMD_DEVICE_QUERY_CAPS,
				   0, 0, caps_length);
	if (!cmd)
		return -ENOMEM;
	sg_init_one(&out, cmd->req, cmd->req_len);
	sg_init_one(&in, cmd->resp, cmd->resp_size);
	ret = virtio_video_cmdq_add(vv, cmd, sgs, 1, 1);
	if (ret)
		goto out;
	if (!wait_for_completion_timeout(&cmd->done, timeout)) {
		dev_err(&vv->vdev->dev, "no answer to QUERY_CAPS in %u ms\n",
			VIRTIO_VIDEO_LIVENESS_MS);
		ret = -ETIMEDOUT;
		goto out;
	}
	resp = cmd->resp;
	if (cmd->resp_len < sizeof(*resp) || cmd->resp_len > caps_length) {
		dev_err(&vv->vdev->dev,
			"QUERY_CAPS answer of %zu bytes, expected %zu to %u\n",
			cmd->resp_len, sizeof(*resp), caps_length);
		ret = -EPROTO;
		goto out;
	}
	if (le32_to_cpu(resp->result) != VIRTIO_VIDEO_RESULT_OK) {
		dev_err(&vv->vdev->dev, "QUERY_CAPS failed: result %u\n",
			le32_to_cpu(resp->result));
		ret = -EIO;
		goto out;
	}
	ret = virtio_video_caps_parse(&vv->caps, resp + 1,
				      cmd->resp_len - sizeof(*resp), &err);
	if (ret)
		dev_err(&vv->vdev->dev,
			"refusing the capabilities: %s at byte %zu\n",
			err.what, err.offset + sizeof(*resp));
out:
	virtio_video_cmd_put(cmd);
	return ret;
}

/*
 * A stream whose OPEN or CLOSE went unanswered (the device did not answer
 * in time, or the waiting process was killed) may be open on the device:
 * its id is not handed out again until the device has answered a CLOSE
 * for it, which a work item (on system_long_wq: it may wait for the
 * liveness timeout) sends with nobody waiting.  If that CLOSE
 * goes unanswered too, the id stays reserved until the device goes.
 */
struct virtio_video_reclaim {
	struct work_struct work;
	struct virtio_video_stream s;
};

static void virtio_video_reclaim_work(struct work_struct *work)
{
	struct virtio_video_reclaim *r =
		container_of(work, struct virtio_video_reclaim, work);
	struct virtio_video *vv = r->s.vv;
	int ret;

	ret = virtio_video_stream_simple(&r->s, VIRTIO_VIDEO_CMD_STREAM_CLOSE,
					 VIRTIO_VIDEO_QUEUE_TYPE_MAIN, 0);
	/* A late answer must not find the command, which refers to r. */
	flush_work(&vv->event_work);
	virtio_video_fail_stream_cmds(vv, &r->s, -ECANCELED);
	if (ret == -ETIMEDOUT)
		dev_err(&vv->vdev->dev,
			"stream %u may still be open on the device: its id is not reused\n",
			r->s.id);
	else
		ida_free(&vv->stream_ids, r->s.id);
	kfree(r);
	if (atomic_dec_and_test(&vv->reclaims))
		wake_up_var(&vv->reclaims);
}

/* Give @id back once the device has closed it; see above. */
static void virtio_video_reclaim(struct virtio_video *vv, u32 id)
{
	struct virtio_video_reclaim *r;

	r = kzalloc_obj(*r, GFP_KERNEL);
	if (!r) {
		dev_err(&vv->vdev->dev,
			"stream %u may still be open on the device: its id is not reused\n",
			id);
		return;
	}
	INIT_WORK(&r->work, virtio_video_reclaim_work);
	r->s.vv = vv;
	r->s.id = id;
	atomic_inc(&vv->reclaims);
	queue_work(system_long_wq, &r->work);
}

/**
 * virtio_video_reclaim_wait() - wait until no stream id is being reclaimed
 * @vv: the device, stopped: the reclaims' commands fail at once
 *
 * Context: process.
 */
void virtio_video_reclaim_wait(struct virtio_video *vv)
{
	wait_var_event(&vv->reclaims, !atomic_read(&vv->reclaims));
}

/* The command may have reached the device, and its answer is not known. */
static bool virtio_video_unanswered(int ret)
{
	return ret == -ETIMEDOUT || ret == -EINTR;
}

/**
 * virtio_video_stream_open() - open a stream on the device
 * @vv: the device
 * @s: the stream, filled in
 * @type: VIRTIO_VIDEO_STREAM_TYPE_*
 * @ops: its owner's callbacks
 *
 * Context: process.
 * Return: 0, -EBUSY when max_streams are open, or another negative errno.
 */
int virtio_video_stream_open(struct virtio_video *vv,
			     struct virtio_video_stream *s, u32 type,
			     const struct virtio_video_stream_ops *ops)
{
	struct virtio_video_cmd *cmd;
	int id, ret;

	id = ida_alloc_max(&vv->stream_ids, vv->max_streams - 1, GFP_KERNEL);
	if (id < 0)
		return id == -ENOSPC ? -EBUSY : id;
	s->vv = vv;
	s->id = id;
	s->ops = ops;
	s->dead = false;

	cmd = virtio_video_cmd_new(vv, s, VIRTIO_VIDEO_CMD_STREAM_OPEN,
				   VIRTIO_VIDEO_QUEUE_TYPE_MAIN,
				   sizeof(__le32), 0);
	if (!cmd) {
		ret = -ENOMEM;
		goto err_id;
	}
	*(__le32 *)virtio_video_cmd_body(cmd) = cpu_to_le32(type);

	spin_lock(&vv->streams_lock);
	vv->streams[id] = s;
	spin_unlock(&vv->streams_lock);

	ret = virtio_video_cmd_send(cmd);
	if (!ret)
		ret = virtio_video_cmd_wait(cmd);
	virtio_video_cmd_put(cmd);
	if (ret)
		goto err_table;
	return 0;

err_table:
	spin_lock(&vv->streams_lock);
	vv->streams[id] = NULL;
	spin_unlock(&vv->streams_lock);
	flush_work(&vv->event_work);
	virtio_video_fail_stream_cmds(vv, s, -ECANCELED);
	if (virtio_video_unanswered(ret)) {
		virtio_video_reclaim(vv, id);
		return ret;
	}
err_id:
	ida_free(&vv->stream_ids, id);
	return ret;
}

/**
 * virtio_video_stream_close() - close a stream, whatever the device says
 * @s: an open stream
 *
 * On return nothing refers to @s: no event is being handled for it and
 * none of its commands waits for an answer.
 *
 * Context: process.
 */
void virtio_video_stream_close(struct virtio_video_stream *s)
{
	struct virtio_video *vv = s->vv;
	int ret = 0;

	if (!READ_ONCE(s->dead))
		ret = virtio_video_stream_simple(s, VIRTIO_VIDEO_CMD_STREAM_CLOSE,
						 VIRTIO_VIDEO_QUEUE_TYPE_MAIN, 0);
	spin_lock(&vv->streams_lock);
	vv->streams[s->id] = NULL;
	s->dead = true;
	spin_unlock(&vv->streams_lock);
	flush_work(&vv->event_work);
	virtio_video_fail_stream_cmds(vv, s, -ECANCELED);
	if (virtio_video_unanswered(ret))
		virtio_video_reclaim(vv, s->id);
	else
		ida_free(&vv->stream_ids, s->id);
}

/**
 * virtio_video_stream_simple() - send a command without values and wait
 * @s: the stream
 * @type: CLOSE, UNBLOCK or QUEUE_RESET
 * @queue_type: the internal queue it goes to
 * @arg: QUEUE_RESET's reset_queue_type
 *
 * Context: process.
 * Return: 0, -EIO when the device fails it, or another negative errno.
 */
int virtio_video_stream_simple(struct virtio_video_stream *s, u32 type,
			       u32 queue_type, u32 arg)
{
	bool has_arg = type == VIRTIO_VIDEO_CMD_STREAM_QUEUE_RESET;
	struct virtio_video_cmd *cmd;
	int ret;

	cmd = virtio_video_cmd_new(s->vv, s, type, queue_type,
				   has_arg ? sizeof(__le32) : 0, 0);
	if (!cmd)
		return -ENOMEM;
	if (has_arg)
		*(__le32 *)virtio_video_cmd_body(cmd) = cpu_to_le32(arg);
	ret = virtio_video_cmd_send(cmd);
	if (!ret)
		ret = virtio_video_cmd_wait(cmd);
	virtio_video_cmd_put(cmd);
	return ret;
}
