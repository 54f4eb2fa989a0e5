/* SPDX-License-Identifier: GPL-2.0 */
/*
 * virtio-video driver: the device, its commands and streams.
 *
 * virtio_video_main.c probes the device and registers the video nodes;
 * virtio_video_vq.c owns the two virtqueues, the commands in flight and
 * the events; virtio_video_fmt.c maps the device's formats onto V4L2;
 * virtio_video_dec.c is the V4L2 stateful decoder.  The wire format is
 * virtio_video_proto.c's alone.
 */
#ifndef _VIRTIO_VIDEO_H
#define _VIRTIO_VIDEO_H

#include <linux/completion.h>
#include <linux/kref.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/virtio.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>
#include <media/v4l2-ctrls.h>
#include <media/v4l2-device.h>
#include <media/v4l2-fh.h>
#include <media/v4l2-mem2mem.h>
#include <media/videobuf2-v4l2.h>

#include "virtio_video_proto.h"

#define VIRTIO_VIDEO_DRV_NAME		"virtio-video"

/* Eventq buffers: each holds the largest event this driver can receive. */
#define VIRTIO_VIDEO_EVENT_BUF_SIZE	2048
#define VIRTIO_VIDEO_MAX_EVENT_BUFS	256

/* Streams this driver handles at most, whatever max_streams says. */
#define VIRTIO_VIDEO_MAX_STREAMS	64

/* Buffers a queue may have: a resource id is a vb2 index. */
#define VIRTIO_VIDEO_MAX_BUFFERS	32

/*
 * How long a command the device must answer at once (open, close,
 * parameters, queue reset) may take before the device is called dead.
 * Decoding itself is never timed.
 */
#define VIRTIO_VIDEO_LIVENESS_MS	20000

struct virtio_video_stream;

/**
 * struct virtio_video - one virtio-video device
 * @vdev: the virtio device
 * @cmdq: commandq
 * @evq: eventq
 * @cmdq_lock: protects @cmdq and @broken
 * @cmdq_wait: woken when commandq has room again
 * @broken: the device is gone or reset; nothing more is sent
 * @evq_lock: protects @evq
 * @event_work: takes events off @evq (process context)
 * @ev_bufs: the eventq buffers, @ev_num of VIRTIO_VIDEO_EVENT_BUF_SIZE bytes
 * @ev_num: number of eventq buffers
 * @cmds: commands waiting for their answer, by cookie; the xarray's lock
 *	protects it, and erasing a command from it is what gives the eraser
 *	the right to complete it
 * @next_cookie: cyclic cookie allocation
 * @streams_lock: protects @streams
 * @streams: the open streams, by id (max_streams entries)
 * @stream_ids: allocates stream ids
 * @reclaims: stream ids waiting for the device to close them
 * @max_streams: from the config
 * @caps: the device's capabilities, read-only after probe
 * @last_buffer: VIRTIO_VIDEO_F_V4L2_COMPATIBLE_LAST_BUFFER was negotiated
 * @non_contig: VIRTIO_VIDEO_F_RESOURCE_NON_CONTIG was negotiated
 * @v4l2_dev: the V4L2 device; its release frees this structure
 * @dec_vdev: the decoder's video node
 * @dec_m2m: the decoder's mem2mem device
 * @dec_registered: @dec_vdev is registered
 */
struct virtio_video {
	struct virtio_device *vdev;
	struct virtqueue *cmdq;
	struct virtqueue *evq;

	spinlock_t cmdq_lock;	/* protects cmdq, broken */
	wait_queue_head_t cmdq_wait;
	bool broken;

	spinlock_t evq_lock;	/* protects evq */
	struct work_struct event_work;
	void **ev_bufs;
	unsigned int ev_num;

	struct xarray cmds;
	u32 next_cookie;

	spinlock_t streams_lock;	/* protects streams */
	struct virtio_video_stream **streams;
	struct ida stream_ids;
	atomic_t reclaims;
	u32 max_streams;

	struct virtio_video_caps caps;
	bool last_buffer;
	bool non_contig;

	struct v4l2_device v4l2_dev;
	struct video_device dec_vdev;
	struct v4l2_m2m_dev *dec_m2m;
	bool dec_registered;
};

struct virtio_video_cmd;

/**
 * typedef virtio_video_done_t - called with an asynchronous command's answer
 * @cmd: the command; cmd->result and cmd->ev are set
 *
 * Context: the event work, or the path that fails commands at a reset;
 * may not sleep.
 */
typedef void virtio_video_done_t(struct virtio_video_cmd *cmd);

/**
 * struct virtio_video_cmd - a command and, later, its answer
 * @ref: one reference for the sender, one while on commandq, one while
 *	in @vv->cmds
 * @vv: the device
 * @stream: the stream it belongs to, or NULL
 * @type: VIRTIO_VIDEO_CMD_*
 * @cookie: its cookie, the key in @vv->cmds
 * @req: what the device reads
 * @req_len: its length
 * @resp: for DEVICE_QUERY_CAPS and parameter commands, the answer's body
 * @resp_size: room in @resp
 * @resp_len: what the device wrote there
 * @done: completed when answered (synchronous commands)
 * @done_fn: called when answered instead (asynchronous commands)
 * @priv: for @done_fn
 * @result: 0, -EIO (ERROR), -ECANCELED (CANCELED), -EPROTO (a malformed
 *	answer) or -ENODEV (the device went away)
 * @ev_flags: the answer's event flags
 * @rq: the resource queue answer, checked for size
 */
struct virtio_video_cmd {
	struct kref ref;
	struct virtio_video *vv;
	struct virtio_video_stream *stream;
	u32 type;
	u32 cookie;
	void *req;
	size_t req_len;
	void *resp;
	size_t resp_size;
	size_t resp_len;
	struct completion done;
	virtio_video_done_t *done_fn;
	void *priv;
	int result;
	u32 ev_flags;
	struct virtio_video_resource_queue_async_resp rq;
};

/**
 * struct virtio_video_stream_ops - what a stream's owner is told
 * @standalone: a standalone event (DPC or stream error); may not sleep
 */
struct virtio_video_stream_ops {
	void (*standalone)(struct virtio_video_stream *s,
			   const struct virtio_video_event *ev);
};

/**
 * struct virtio_video_stream - a stream on the device
 * @vv: the device
 * @id: its id, below max_streams
 * @ops: its owner's callbacks
 * @dead: the device closed it with an error, or went away; set under
 *	@vv->streams_lock
 */
struct virtio_video_stream {
	struct virtio_video *vv;
	u32 id;
	const struct virtio_video_stream_ops *ops;
	bool dead;
};

/* virtio_video_vq.c */
int virtio_video_vq_init(struct virtio_video *vv);
void virtio_video_vq_start(struct virtio_video *vv);
void virtio_video_vq_stop(struct virtio_video *vv);
void virtio_video_vq_free(struct virtio_video *vv);
void virtio_video_reclaim_wait(struct virtio_video *vv);
int virtio_video_query_caps(struct virtio_video *vv, u32 caps_length);

struct virtio_video_cmd *virtio_video_cmd_new(struct virtio_video *vv,
					      struct virtio_video_stream *s,
					      u32 type, u32 queue_type,
					      size_t body_len, size_t resp_size);
void *virtio_video_cmd_body(struct virtio_video_cmd *cmd);
int virtio_video_cmd_send(struct virtio_video_cmd *cmd);
int virtio_video_cmd_wait(struct virtio_video_cmd *cmd);
void virtio_video_cmd_put(struct virtio_video_cmd *cmd);
bool virtio_video_cmd_cancel(struct virtio_video_cmd *cmd);
void virtio_video_fail_stream_cmds(struct virtio_video *vv,
				   struct virtio_video_stream *s, int result);

int virtio_video_stream_open(struct virtio_video *vv,
			     struct virtio_video_stream *s, u32 type,
			     const struct virtio_video_stream_ops *ops);
void virtio_video_stream_close(struct virtio_video_stream *s);
int virtio_video_stream_simple(struct virtio_video_stream *s, u32 type,
			       u32 queue_type, u32 arg);

/* virtio_video_dec.c */
int virtio_video_dec_register(struct virtio_video *vv);
void virtio_video_dec_unregister(struct virtio_video *vv);

#endif /* _VIRTIO_VIDEO_H */
