// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-video: the V4L2 stateful decoder
 * (Documentation/userspace-api/media/v4l/dev-decoder.rst).
 *
 * Each open file handle is a stream on the device.  The OUTPUT queue
 * (coded data) is the stream's inputq, the CAPTURE queue (frames) its
 * outputq; a vb2 index is a resource id.  Buffers go to the device as
 * soon as the queue's resources are attached and the state allows, and
 * come back on eventq; the mem2mem framework is used for its queue and
 * file handle helpers only, never for job scheduling.
 *
 * Locking: ctx->lock serialises the ioctls and vb2 operations of one file
 * handle; it is held while waiting for the device.  The event work never
 * takes it: what the event work changes (state, formats, the pending
 * lists, buffer ownership) is under ctx->slock.
 */
#include <linux/module.h>
#include <linux/slab.h>
#include <media/v4l2-event.h>
#include <media/v4l2-ioctl.h>
#include <media/videobuf2-dma-contig.h>
#include <media/videobuf2-dma-sg.h>

#include "virtio_video.h"
#include "virtio_video_compat.h"
#include "virtio_video_fmt.h"

#define DEC_DEFAULT_WIDTH	1920
#define DEC_DEFAULT_HEIGHT	1080
#define DEC_MIN_CODED_SIZE	SZ_1M
#define DEC_MAX_PAGE_ENTRIES	4096
#define DEC_META_SLOTS		64	/* OUTPUT buffers remembered */
#define DEC_META_FLAGS		(V4L2_BUF_FLAG_TIMECODE | \
				 V4L2_BUF_FLAG_KEYFRAME | \
				 V4L2_BUF_FLAG_PFRAME | \
				 V4L2_BUF_FLAG_BFRAME | \
				 V4L2_BUF_FLAG_TSTAMP_SRC_MASK)

/*
 * What a CAPTURE buffer copies from the OUTPUT buffer whose timestamp the
 * device gives it (v4l2_m2m_buf_copy_metadata() does the same for a 1:1
 * mem2mem driver).
 */
struct virtio_video_dec_meta {
	u64 timestamp;
	u32 flags;
	struct v4l2_timecode timecode;
};

/* Decoder states (dev-decoder.rst), kept in ctx->state. */
enum virtio_video_dec_state {
	DEC_INIT,		/* no stream parameters yet */
	DEC_CAPTURE_SETUP,	/* a source change waits for the client */
	DEC_RUNNING,
	DEC_DRAINING,		/* DRAIN sent */
	DEC_STOPPED,		/* drained; waits for START */
	DEC_ERROR,		/* the stream is dead */
};

/**
 * struct virtio_video_buf - a vb2 buffer and its resource
 * @m2m: the buffer (first)
 * @list: on its queue's pending list
 * @cmd: the RESOURCE_QUEUE the device holds it with, or NULL
 * @attached: what the device has as this resource's backing (DMA address
 *	of its first byte), 0 when nothing
 */
struct virtio_video_buf {
	struct v4l2_m2m_buffer m2m;
	struct list_head list;
	struct virtio_video_cmd *cmd;
	dma_addr_t attached;
};

/**
 * struct virtio_video_dec_queue - one side of the decoder
 * @fourcc: V4L2 pixel format
 * @set: its coded or raw set in the capabilities
 * @width: coded width
 * @height: coded height
 * @layout: for CAPTURE, where the planes lie
 * @sizeimage: bytes a buffer needs
 * @align: for CAPTURE, stride, height and plane alignment asked of the
 *	device
 * @buf_size: the smallest buffer's size
 * @live: resources attached, buffers may go to the device
 * @num_attached: resource slots declared to the device (dec_slots())
 * @pending: buffers queued by the client, not yet given to the device
 * @sequence: next sequence number
 */
struct virtio_video_dec_queue {
	u32 fourcc;
	int set;
	u32 width;
	u32 height;
	struct virtio_video_raw_layout layout;
	u32 sizeimage;
	u32 align[3];
	unsigned long buf_size;
	bool live;
	unsigned int num_attached;
	struct list_head pending;
	u32 sequence;
};

/**
 * struct virtio_video_dec_ctx - a decoder file handle and its stream
 * @fh: the V4L2 file handle
 * @vv: the device
 * @stream: the stream on the device
 * @lock: serialises this handle's ioctls and vb2 operations
 * @slock: protects @state, @blocked, @visible, @min_buffers, @out, @cap
 *	(but for the fields only ioctls touch), @change_pending,
 *	@change_seq, @cap_dq_next and buffer ownership against the event
 *	work
 * @hdl: controls
 * @state: enum virtio_video_dec_state
 * @blocked: the device's outputq waits for UNBLOCK
 * @unblocked_once: the stream got past its first source change
 * @releasing: the file handle is being closed; standalone events are
 *	ignored
 * @dpc_last: the empty buffer the device returned before a parameter
 *	change, held until the change says whether it ends a sequence
 * @change_pending: a resolution change in the middle of the stream is
 *	signalled once the client has dequeued the CAPTURE buffers returned
 *	before it: a client may act on the event at once and stream CAPTURE
 *	off (FFmpeg does), dropping frames it has not dequeued yet
 * @change_seq: the sequence number of the buffer that ends the old
 *	sequence; the event goes out when the client has dequeued every
 *	buffer numbered below it
 * @cap_dq_next: one past the highest sequence number the client dequeued
 *	from CAPTURE since it started streaming it
 * @stream_opened: @stream is open on the device (from the first buffer
 *	allocation on; under @lock)
 * @meta: flags and timecodes of recent OUTPUT buffers, by timestamp
 * @meta_next: the slot of @meta the next OUTPUT buffer takes
 * @resume_work: resumes decoding after a parameter change the CAPTURE
 *	buffers already fit (takes @lock; cancelled at release)
 * @visible: the visible rectangle (COMPOSE)
 * @min_buffers: V4L2_CID_MIN_BUFFERS_FOR_CAPTURE
 * @colorspace: from S_FMT(OUTPUT), echoed on CAPTURE
 * @xfer_func: likewise
 * @ycbcr_enc: likewise
 * @quantization: likewise
 * @out: OUTPUT, the coded side
 * @cap: CAPTURE, the raw side
 */
struct virtio_video_dec_ctx {
	struct v4l2_fh fh;
	struct virtio_video *vv;
	struct virtio_video_stream stream;
	struct mutex lock;	/* see the kernel-doc above */
	spinlock_t slock;	/* see the kernel-doc above */
	struct v4l2_ctrl_handler hdl;
	enum virtio_video_dec_state state;
	bool blocked;
	bool unblocked_once;
	bool releasing;
	struct virtio_video_buf *dpc_last;
	bool change_pending;
	u32 change_seq;
	u32 cap_dq_next;
	struct work_struct resume_work;
	bool stream_opened;
	struct virtio_video_dec_meta meta[DEC_META_SLOTS];
	unsigned int meta_next;
	struct v4l2_rect visible;
	u32 min_buffers;
	u32 colorspace;
	u32 xfer_func;
	u32 ycbcr_enc;
	u32 quantization;
	struct virtio_video_dec_queue out;
	struct virtio_video_dec_queue cap;
};

static const struct v4l2_event virtio_video_eos_event = {
	.type = V4L2_EVENT_EOS,
};

static const struct v4l2_event virtio_video_src_change_event = {
	.type = V4L2_EVENT_SOURCE_CHANGE,
	.u.src_change.changes = V4L2_EVENT_SRC_CH_RESOLUTION,
};

static struct virtio_video_dec_ctx *file_to_ctx(struct file *file)
{
	return container_of(file->private_data, struct virtio_video_dec_ctx,
			    fh);
}

static struct virtio_video_buf *to_vbuf(struct vb2_buffer *vb)
{
	return container_of(to_vb2_v4l2_buffer(vb), struct virtio_video_buf,
			    m2m.vb);
}

static bool is_output(u32 type)
{
	return V4L2_TYPE_IS_OUTPUT(type);
}

static struct virtio_video_dec_queue *
dec_queue(struct virtio_video_dec_ctx *ctx, u32 type)
{
	return is_output(type) ? &ctx->out : &ctx->cap;
}

static struct vb2_queue *dec_vq(struct virtio_video_dec_ctx *ctx, u32 type)
{
	return v4l2_m2m_get_vq(ctx->fh.m2m_ctx, type);
}

/* CAPTURE buffers the client has allocated. */
static unsigned int dec_cap_buffers(struct virtio_video_dec_ctx *ctx)
{
	return virtio_video_num_buffers(dec_vq(ctx,
					       V4L2_BUF_TYPE_VIDEO_CAPTURE_MPLANE));
}

/* ---- formats ---- */

static void dec_fill_coded(struct virtio_video_dec_ctx *ctx,
			   struct v4l2_pix_format_mplane *mp)
{
	mp->pixelformat = ctx->out.fourcc;
	mp->width = ctx->out.width;
	mp->height = ctx->out.height;
	mp->field = V4L2_FIELD_NONE;
	mp->num_planes = 1;
	mp->plane_fmt[0].bytesperline = 0;
	mp->plane_fmt[0].sizeimage = ctx->out.sizeimage;
	mp->colorspace = ctx->colorspace;
	mp->xfer_func = ctx->xfer_func;
	mp->ycbcr_enc = ctx->ycbcr_enc;
	mp->quantization = ctx->quantization;
}

static void dec_fill_raw(struct virtio_video_dec_ctx *ctx,
			 struct v4l2_pix_format_mplane *mp)
{
	mp->pixelformat = ctx->cap.fourcc;
	mp->width = ctx->cap.width;
	mp->height = ctx->cap.layout.height;
	mp->field = V4L2_FIELD_NONE;
	mp->num_planes = 1;
	mp->plane_fmt[0].bytesperline = ctx->cap.layout.bytesperline;
	mp->plane_fmt[0].sizeimage = ctx->cap.layout.sizeimage;
	mp->colorspace = ctx->colorspace;
	mp->xfer_func = ctx->xfer_func;
	mp->ycbcr_enc = ctx->ycbcr_enc;
	mp->quantization = ctx->quantization;
}

/* The alignments to ask of the device for a raw set: the smallest. */
static void dec_raw_align(const struct virtio_video_raw_caps *r, u32 align[3])
{
	align[0] = virtio_video_min_align(r->stride_align_mask) ?: 1;
	align[1] = virtio_video_min_align(r->height_align_mask) ?: 1;
	align[2] = virtio_video_min_align(r->plane_align_mask) ?: 1;
}

/*
 * Fit a raw format to raw set @raw: size within its ranges, layout by
 * the alignments.  Return 0 or -EINVAL.
 */
static int dec_raw_fit(struct virtio_video *vv, int raw, u32 *width,
		       u32 *height, u32 align[3],
		       struct virtio_video_raw_layout *l, u32 *fourcc)
{
	const struct virtio_video_raw_caps *r = &vv->caps.raw[raw];

	*fourcc = virtio_video_raw_to_v4l2(r->fourcc, r->layouts);
	*width = virtio_video_span_clamp(&r->width, *width);
	*height = virtio_video_span_clamp(&r->height, *height);
	dec_raw_align(r, align);
	return virtio_video_raw_layout(*fourcc, *width, *height, align[0],
				       align[1], align[2], l);
}

static u32 dec_coded_size(struct virtio_video *vv, int coded, u32 width,
			  u32 height, u32 asked)
{
	const struct virtio_video_coded_caps *c = &vv->caps.coded[coded];
	u32 size = asked;

	if (!size)
		size = max_t(u32, DEC_MIN_CODED_SIZE, width * height * 3 / 4);
	size = PAGE_ALIGN(size);
	return virtio_video_span_clamp(&c->resource_size, size);
}

static int dec_try_fmt(struct virtio_video_dec_ctx *ctx, struct v4l2_format *f)
{
	struct v4l2_pix_format_mplane *mp = &f->fmt.pix_mp;
	const unsigned int dec = VIRTIO_VIDEO_STREAM_TYPE_DECODER;
	struct virtio_video *vv = ctx->vv;
	struct virtio_video_raw_layout l;
	u32 align[3], fourcc;
	int coded, raw;

	if (is_output(f->type)) {
		coded = virtio_video_find_coded(&vv->caps, mp->pixelformat);
		if (coded < 0 ||
		    virtio_video_nth_raw(&vv->caps, dec, coded, 0) < 0)
			coded = virtio_video_nth_coded(&vv->caps, dec, 0);
		raw = virtio_video_nth_raw(&vv->caps,
					   VIRTIO_VIDEO_STREAM_TYPE_DECODER,
					   coded, 0);
		mp->pixelformat =
			virtio_video_coded_to_v4l2(vv->caps.coded[coded].format);
		/* The coded size is optional; 0 stays 0. */
		if (mp->width || mp->height) {
			mp->width = virtio_video_span_clamp(&vv->caps.raw[raw].width,
							    mp->width);
			mp->height = virtio_video_span_clamp(&vv->caps.raw[raw].height,
							     mp->height);
		}
		mp->plane_fmt[0].sizeimage =
			dec_coded_size(vv, coded, mp->width, mp->height,
				       mp->plane_fmt[0].sizeimage);
		mp->plane_fmt[0].bytesperline = 0;
	} else {
		raw = virtio_video_find_raw(&vv->caps,
					    VIRTIO_VIDEO_STREAM_TYPE_DECODER,
					    ctx->out.set, mp->pixelformat);
		if (raw < 0)
			raw = virtio_video_nth_raw(&vv->caps,
						   VIRTIO_VIDEO_STREAM_TYPE_DECODER,
						   ctx->out.set, 0);
		/* Once the stream is known, its size is the only one. */
		spin_lock_irq(&ctx->slock);
		if (ctx->state != DEC_INIT) {
			mp->width = ctx->cap.width;
			mp->height = ctx->cap.height;
		}
		spin_unlock_irq(&ctx->slock);
		if (dec_raw_fit(vv, raw, &mp->width, &mp->height, align, &l,
				&fourcc))
			return -EINVAL;
		mp->pixelformat = fourcc;
		mp->height = l.height;
		mp->plane_fmt[0].bytesperline = l.bytesperline;
		mp->plane_fmt[0].sizeimage = l.sizeimage;
	}
	mp->field = V4L2_FIELD_NONE;
	mp->num_planes = 1;
	mp->flags = 0;
	memset(mp->plane_fmt[0].reserved, 0,
	       sizeof(mp->plane_fmt[0].reserved));
	memset(mp->reserved, 0, sizeof(mp->reserved));
	if (!is_output(f->type)) {
		mp->colorspace = ctx->colorspace;
		mp->xfer_func = ctx->xfer_func;
		mp->ycbcr_enc = ctx->ycbcr_enc;
		mp->quantization = ctx->quantization;
	}
	return 0;
}

/* Set the CAPTURE format from raw set @raw and a size; under ctx->slock. */
static int dec_set_raw(struct virtio_video_dec_ctx *ctx, int raw, u32 width,
		       u32 height)
{
	struct virtio_video_raw_layout l;
	u32 align[3], fourcc;
	int ret;

	ret = dec_raw_fit(ctx->vv, raw, &width, &height, align, &l, &fourcc);
	if (ret)
		return ret;
	ctx->cap.set = raw;
	ctx->cap.fourcc = fourcc;
	ctx->cap.width = width;
	ctx->cap.height = height;
	ctx->cap.layout = l;
	ctx->cap.sizeimage = l.sizeimage;
	memcpy(ctx->cap.align, align, sizeof(align));
	ctx->visible = (struct v4l2_rect){ 0, 0, width, height };
	return 0;
}

/* ---- buffers to and from the device ---- */

/* The DMA ranges of a buffer's plane, as guest pages entries. */
static int dec_plane_entries(struct virtio_video *vv, struct vb2_buffer *vb,
			     struct virtio_video_resource_guest_pages_entry *e,
			     unsigned int max, dma_addr_t *first)
{
	unsigned long size = vb2_plane_size(vb, 0);
	struct scatterlist *sg;
	struct sg_table *sgt;
	unsigned int i, n = 0;
	dma_addr_t addr;
	u32 len;

	if (!vv->non_contig) {
		addr = vb2_dma_contig_plane_dma_addr(vb, 0);
		if (!PAGE_ALIGNED(addr))
			return -EINVAL;
		if (e && max) {
			e[0].addr = cpu_to_le64(addr);
			e[0].length = cpu_to_le32(PAGE_ALIGN(size));
		}
		*first = addr;
		return 1;
	}
	sgt = vb2_dma_sg_plane_desc(vb, 0);
	for_each_sgtable_dma_sg(sgt, sg, i) {
		addr = sg_dma_address(sg);
		len = sg_dma_len(sg);
		if (!PAGE_ALIGNED(addr) ||
		    (i + 1 < sgt->nents && !PAGE_ALIGNED(len)))
			return -EINVAL;
		if (!n)
			*first = addr;
		if (e) {
			if (n >= max)
				return -E2BIG;
			e[n].addr = cpu_to_le64(addr);
			e[n].length = cpu_to_le32(PAGE_ALIGN(len));
		}
		n++;
	}
	return n ? n : -EINVAL;
}

/*
 * Send a parameter command of a coded or raw container and wait; the
 * answer must be a well-formed container of the same kind.
 */
static int dec_params_send(struct virtio_video_dec_ctx *ctx,
			   struct virtio_video_cmd *cmd, size_t len,
			   bool coded)
{
	struct virtio_video_parse_error err;
	union {
		struct virtio_video_coded_params c;
		struct virtio_video_raw_params r;
	} p;
	int ret;

	cmd->req_len = sizeof(struct virtio_video_stream_cmd_header) + len;
	ret = virtio_video_cmd_send(cmd);
	if (!ret)
		ret = virtio_video_cmd_wait(cmd);
	if (ret)
		return ret;
	if (coded)
		ret = virtio_video_coded_params_parse(&p.c, cmd->resp,
						      cmd->resp_len, &err);
	else
		ret = virtio_video_raw_params_parse(&p.r, cmd->resp,
						    cmd->resp_len, &err);
	if (ret)
		dev_err_ratelimited(&ctx->vv->vdev->dev,
				    "stream %u: bad parameters answer: %s at byte %zu\n",
				    ctx->stream.id, err.what, err.offset);
	return ret;
}

/*
 * Attach one buffer's memory as resource vb->index: a SET_PARAMS of one
 * container with one RESOURCE_GUEST_PAGES.
 */
static int dec_attach_one(struct virtio_video_dec_ctx *ctx,
			  struct vb2_buffer *vb, bool coded)
{
	struct virtio_video_resource_guest_pages *gp;
	struct virtio_video_tlv_writer w;
	struct virtio_video *vv = ctx->vv;
	struct virtio_video_cmd *cmd;
	dma_addr_t first = 0;
	size_t set, need;
	int n, ret;

	n = dec_plane_entries(vv, vb, NULL, 0, &first);
	if (n < 0 || n > DEC_MAX_PAGE_ENTRIES)
		return n < 0 ? n : -E2BIG;
	need = 2 * sizeof(struct virtio_video_tlv) + sizeof(*gp) +
	       n * sizeof(gp->entries[0]);
	cmd = virtio_video_cmd_new(vv, &ctx->stream,
				   VIRTIO_VIDEO_CMD_STREAM_SET_PARAMS,
				   VIRTIO_VIDEO_QUEUE_TYPE_MAIN, need, 1024);
	if (!cmd)
		return -ENOMEM;
	virtio_video_tlv_writer_init(&w, virtio_video_cmd_body(cmd), need);
	set = virtio_video_tlv_open(&w, coded ? VIRTIO_VIDEO_TLV_CODED_SET :
					      VIRTIO_VIDEO_TLV_RAW_SET);
	gp = virtio_video_tlv_put(&w, VIRTIO_VIDEO_TLV_RESOURCE_GUEST_PAGES,
				  sizeof(*gp) + n * sizeof(gp->entries[0]));
	if (!gp) {
		ret = -EINVAL;
		goto out;
	}
	gp->resource_id = cpu_to_le32(vb->index);
	gp->num_entries[0] = cpu_to_le32(n);
	ret = dec_plane_entries(vv, vb, gp->entries, n, &first);
	if (ret < 0)
		goto out;
	virtio_video_tlv_close(&w, set);
	ret = dec_params_send(ctx, cmd, w.len, coded);
	if (!ret)
		to_vbuf(vb)->attached = first;
out:
	virtio_video_cmd_put(cmd);
	return ret;
}

/*
 * The device answers a CAPTURE SET_PARAMS with the values in effect,
 * which it may have adjusted (alignments, say): adopt them if the
 * buffers still fit, else refuse.
 */
static int dec_check_raw_answer(struct virtio_video_dec_ctx *ctx,
				struct virtio_video_cmd *cmd)
{
	struct virtio_video_parse_error err;
	struct virtio_video_raw_params p;
	struct virtio_video_raw_layout l;
	struct virtio_video_dec_queue *dq = &ctx->cap;

	if (virtio_video_raw_params_parse(&p, cmd->resp, cmd->resp_len, &err)) {
		dev_err_ratelimited(&ctx->vv->vdev->dev,
				    "stream %u: bad parameters answer: %s at byte %zu\n",
				    ctx->stream.id, err.what, err.offset);
		return -EPROTO;
	}
	if (!(p.valid & VIRTIO_VIDEO_PARAM_FORMAT))
		return 0;
	if (p.format.fourcc != ctx->vv->caps.raw[dq->set].fourcc ||
	    p.format.width != dq->width || p.format.height != dq->height ||
	    virtio_video_raw_layout(dq->fourcc, p.format.width,
				    p.format.height, p.format.stride_align,
				    p.format.height_align, p.format.plane_align,
				    &l) ||
	    l.sizeimage > dq->buf_size) {
		dev_err_ratelimited(&ctx->vv->vdev->dev,
				    "stream %u: the device changed the frame format to %#x %ux%u\n",
				    ctx->stream.id, p.format.fourcc,
				    p.format.width, p.format.height);
		return -EPROTO;
	}
	spin_lock_irq(&ctx->slock);
	dq->layout = l;
	dq->align[0] = p.format.stride_align;
	dq->align[1] = p.format.height_align;
	dq->align[2] = p.format.plane_align;
	spin_unlock_irq(&ctx->slock);
	return 0;
}

/* The resource slots a queue declares: as many as V4L2 may ever have. */
static unsigned int dec_slots(struct virtio_video_dec_ctx *ctx, bool coded)
{
	struct virtio_video_dec_queue *dq = coded ? &ctx->out : &ctx->cap;
	const struct virtio_video_span *res =
		coded ? &ctx->vv->caps.coded[dq->set].num_resources :
			&ctx->vv->caps.raw[dq->set].num_resources;

	return min_t(u32, res->max, VIRTIO_VIDEO_MAX_BUFFERS);
}

/*
 * Tell the device how many resources a queue has (and, for CAPTURE, the
 * frame layout), then attach the memory of every buffer that has some.
 * The count is the most buffers the queue can have, not the buffers it
 * has: clients add buffers while streaming (VIDIOC_CREATE_BUFS;
 * GStreamer does when it runs short), and those are attached when they
 * are first queued (dec_buf_prepare).
 */
static int dec_attach(struct virtio_video_dec_ctx *ctx, struct vb2_queue *q)
{
	bool coded = is_output(q->type);
	struct virtio_video_dec_queue *dq = dec_queue(ctx, q->type);
	unsigned int i, n = dec_slots(ctx, coded);
	struct virtio_video_raw_format *rf;
	struct virtio_video_tlv_writer w;
	struct virtio_video_cmd *cmd;
	struct vb2_buffer *vb;
	size_t set;
	__le32 *v;
	int ret;

	cmd = virtio_video_cmd_new(ctx->vv, &ctx->stream,
				   VIRTIO_VIDEO_CMD_STREAM_SET_PARAMS,
				   VIRTIO_VIDEO_QUEUE_TYPE_MAIN, 128, 1024);
	if (!cmd)
		return -ENOMEM;
	virtio_video_tlv_writer_init(&w, virtio_video_cmd_body(cmd), 128);
	set = virtio_video_tlv_open(&w, coded ? VIRTIO_VIDEO_TLV_CODED_SET :
					      VIRTIO_VIDEO_TLV_RAW_SET);
	if (coded) {
		v = virtio_video_tlv_put(&w, VIRTIO_VIDEO_TLV_CODED_FORMAT, 4);
		if (v)
			*v = cpu_to_le32(ctx->vv->caps.coded[dq->set].format);
	} else {
		const struct virtio_video_raw_caps *r =
			&ctx->vv->caps.raw[dq->set];

		rf = virtio_video_tlv_put(&w, VIRTIO_VIDEO_TLV_RAW_FORMAT,
					  sizeof(*rf));
		if (rf) {
			rf->planes_layout =
				cpu_to_le32(VIRTIO_VIDEO_PLANES_LAYOUT_SINGLE_BUFFER);
			rf->fourcc = cpu_to_le32(r->fourcc);
			rf->modifier = cpu_to_le64(r->modifier);
			rf->width = cpu_to_le32(dq->width);
			rf->height = cpu_to_le32(dq->height);
			rf->stride_align = cpu_to_le32(dq->align[0]);
			rf->height_align = cpu_to_le32(dq->align[1]);
			rf->plane_align = cpu_to_le32(dq->align[2]);
		}
	}
	v = virtio_video_tlv_put(&w, coded ? VIRTIO_VIDEO_TLV_CODED_RESOURCES :
					     VIRTIO_VIDEO_TLV_RAW_RESOURCES, 4);
	if (v)
		*v = cpu_to_le32(n);
	virtio_video_tlv_close(&w, set);
	if (w.overflow) {
		ret = -EINVAL;
		goto out;
	}
	ret = dec_params_send(ctx, cmd, w.len, coded);
	if (ret) {
		dev_err_ratelimited(&ctx->vv->vdev->dev,
				    "stream %u: the device refused %u %s resources: %d\n",
				    ctx->stream.id, n, coded ? "coded" : "raw",
				    ret);
		goto out;
	}
	if (!coded) {
		ret = dec_check_raw_answer(ctx, cmd);
		if (ret)
			goto out;
	}
	dq->num_attached = n;
	for (i = 0; i < n; i++) {
		vb = vb2_get_buffer(q, i);
		if (!vb)
			continue;
		to_vbuf(vb)->attached = 0;
		if (!vb->planes[0].mem_priv ||
		    (vb->memory == VB2_MEMORY_DMABUF &&
		     !vb->planes[0].dbuf_mapped))
			continue;	/* no memory yet */
		ret = dec_attach_one(ctx, vb, coded);
		if (ret)
			break;
	}
out:
	virtio_video_cmd_put(cmd);
	return ret;
}

static void dec_buf_done(struct virtio_video_cmd *cmd);

/* Give a buffer to the device.  Context: process, ctx->lock held. */
static int dec_send_buf(struct virtio_video_dec_ctx *ctx,
			struct virtio_video_buf *buf)
{
	struct vb2_buffer *vb = &buf->m2m.vb.vb2_buf;
	bool coded = is_output(vb->type);
	struct virtio_video_resource_queue *rq;
	struct virtio_video_cmd *cmd;
	int ret;

	cmd = virtio_video_cmd_new(ctx->vv, &ctx->stream,
				   VIRTIO_VIDEO_CMD_STREAM_RESOURCE_QUEUE,
				   coded ? VIRTIO_VIDEO_QUEUE_TYPE_INPUT :
					   VIRTIO_VIDEO_QUEUE_TYPE_OUTPUT,
				   sizeof(*rq) - sizeof(rq->hdr), 0);
	if (!cmd)
		return -ENOMEM;
	rq = cmd->req;
	rq->resource_id = cpu_to_le32(vb->index);
	if (coded) {
		rq->timestamp = cpu_to_le64(vb->timestamp);
		rq->offsets[0] = cpu_to_le32(vb->planes[0].data_offset);
		rq->data_sizes[0] = cpu_to_le32(vb2_get_plane_payload(vb, 0) -
						vb->planes[0].data_offset);
	}
	cmd->done_fn = dec_buf_done;
	cmd->priv = buf;

	spin_lock_irq(&ctx->slock);
	buf->cmd = cmd;
	if (coded) {
		struct virtio_video_dec_meta *m = &ctx->meta[ctx->meta_next];

		m->timestamp = vb->timestamp;
		m->flags = buf->m2m.vb.flags & DEC_META_FLAGS;
		m->timecode = buf->m2m.vb.timecode;
		ctx->meta_next = (ctx->meta_next + 1) % DEC_META_SLOTS;
	}
	spin_unlock_irq(&ctx->slock);
	ret = virtio_video_cmd_send(cmd);
	if (ret) {
		spin_lock_irq(&ctx->slock);
		buf->cmd = NULL;
		spin_unlock_irq(&ctx->slock);
		virtio_video_cmd_put(cmd);
		return ret;
	}
	/* The table holds the command until the answer; drop ours. */
	virtio_video_cmd_put(cmd);
	return 0;
}

static bool dec_may_send(struct virtio_video_dec_ctx *ctx,
			 struct virtio_video_dec_queue *dq)
{
	if (!dq->live)
		return false;
	if (dq == &ctx->out)
		return ctx->state == DEC_INIT || ctx->state == DEC_RUNNING ||
		       ctx->state == DEC_CAPTURE_SETUP;
	return ctx->state == DEC_RUNNING || ctx->state == DEC_DRAINING ||
	       ctx->state == DEC_STOPPED;
}

/* Send what the client queued and the state allows.  ctx->lock held. */
static void dec_flush(struct virtio_video_dec_ctx *ctx,
		      struct virtio_video_dec_queue *dq)
{
	struct virtio_video_buf *buf;
	int ret;

	for (;;) {
		spin_lock_irq(&ctx->slock);
		buf = NULL;
		if (dec_may_send(ctx, dq) &&
		    /* Without LAST buffers from the device, keep one back. */
		    (dq == &ctx->out || ctx->vv->last_buffer ||
		     !list_is_singular(&dq->pending)))
			buf = list_first_entry_or_null(&dq->pending,
						       struct virtio_video_buf,
						       list);
		if (buf)
			list_del_init(&buf->list);
		spin_unlock_irq(&ctx->slock);
		if (!buf)
			return;
		ret = dec_send_buf(ctx, buf);
		if (ret) {
			dev_err_ratelimited(&ctx->vv->vdev->dev,
					    "stream %u: cannot queue buffer %u: %d\n",
					    ctx->stream.id,
					    buf->m2m.vb.vb2_buf.index, ret);
			vb2_buffer_done(&buf->m2m.vb.vb2_buf,
					VB2_BUF_STATE_ERROR);
		}
	}
}

/* Return a CAPTURE buffer empty, flagged LAST.  ctx->slock held. */
static void dec_return_last(struct virtio_video_dec_ctx *ctx,
			    struct virtio_video_buf *buf)
{
	struct vb2_v4l2_buffer *vbuf = &buf->m2m.vb;

	vbuf->flags |= V4L2_BUF_FLAG_LAST;
	vbuf->field = V4L2_FIELD_NONE;
	vbuf->sequence = ctx->cap.sequence++;
	vb2_set_plane_payload(&vbuf->vb2_buf, 0, 0);
	vb2_buffer_done(&vbuf->vb2_buf, VB2_BUF_STATE_DONE);
}

/*
 * Without device LAST buffers: return the CAPTURE buffer kept back,
 * flagged LAST.  ctx->slock held.
 */
static void dec_last_from_spare(struct virtio_video_dec_ctx *ctx)
{
	struct virtio_video_buf *buf;

	if (ctx->vv->last_buffer)
		return;
	buf = list_first_entry_or_null(&ctx->cap.pending,
				       struct virtio_video_buf, list);
	if (!buf) {
		dev_warn_ratelimited(&ctx->vv->vdev->dev,
				     "stream %u: no CAPTURE buffer to flag LAST\n",
				     ctx->stream.id);
		return;
	}
	list_del_init(&buf->list);
	dec_return_last(ctx, buf);
}

/*
 * Signal a resolution change that ends the sequence before buffer number
 * @seq: now if the client has dequeued everything before it, else when
 * it has (dec_dqbuf()) or streams CAPTURE off.  ctx->slock held.
 */
static void dec_signal_change(struct virtio_video_dec_ctx *ctx, u32 seq)
{
	if ((s32)(ctx->cap_dq_next - seq) >= 0) {
		ctx->change_pending = false;
		v4l2_event_queue_fh(&ctx->fh, &virtio_video_src_change_event);
		return;
	}
	ctx->change_pending = true;
	ctx->change_seq = seq;
}

/* Check a decoded frame's answer against the buffer and the format. */
static int dec_check_frame(struct virtio_video_dec_ctx *ctx,
			   struct vb2_buffer *vb,
			   const struct virtio_video_resource_queue_async_resp *rq,
			   u32 flags, u32 *bytesused)
{
	const u32 frame_flags = VIRTIO_VIDEO_QUEUE_FLAG_KEY_FRAME |
				VIRTIO_VIDEO_QUEUE_FLAG_P_FRAME |
				VIRTIO_VIDEO_QUEUE_FLAG_B_FRAME;
	const u32 known = frame_flags | VIRTIO_VIDEO_QUEUE_FLAG_V4L2_DPC_LAST |
			  VIRTIO_VIDEO_QUEUE_FLAG_V4L2_DRAIN_LAST;
	unsigned long size = vb2_plane_size(vb, 0);
	u64 end, used = 0;
	unsigned int p;

	if (flags & ~known)
		return -EPROTO;
	if (hweight32(flags & frame_flags) > 1)
		return -EPROTO;
	for (p = 0; p < VIRTIO_VIDEO_MAX_PLANES; p++) {
		u32 off = le32_to_cpu(rq->offsets[p]);
		u32 len = le32_to_cpu(rq->data_sizes[p]);

		if (!len)
			continue;
		end = (u64)off + len;
		if (end > size)
			return -EPROTO;
		used = max(used, end);
	}
	*bytesused = used;
	return 0;
}

/*
 * Give a frame the flags and timecode of the OUTPUT buffer it came from;
 * the device's frame type when that one is forgotten.  ctx->slock held.
 */
static void dec_copy_meta(struct virtio_video_dec_ctx *ctx,
			  struct vb2_v4l2_buffer *vbuf, u64 timestamp,
			  u32 dev_flags)
{
	unsigned int i;

	vbuf->flags &= ~DEC_META_FLAGS;
	for (i = 0; i < DEC_META_SLOTS; i++) {
		const struct virtio_video_dec_meta *m = &ctx->meta[i];

		if (m->timestamp == timestamp) {
			vbuf->flags |= m->flags;
			vbuf->timecode = m->timecode;
			return;
		}
	}
	if (dev_flags & VIRTIO_VIDEO_QUEUE_FLAG_KEY_FRAME)
		vbuf->flags |= V4L2_BUF_FLAG_KEYFRAME;
	if (dev_flags & VIRTIO_VIDEO_QUEUE_FLAG_P_FRAME)
		vbuf->flags |= V4L2_BUF_FLAG_PFRAME;
	if (dev_flags & VIRTIO_VIDEO_QUEUE_FLAG_B_FRAME)
		vbuf->flags |= V4L2_BUF_FLAG_BFRAME;
}

/* A RESOURCE_QUEUE answer (event work, or a failure path). */
static void dec_buf_done(struct virtio_video_cmd *cmd)
{
	struct virtio_video_buf *buf = cmd->priv;
	struct vb2_v4l2_buffer *vbuf = &buf->m2m.vb;
	struct vb2_buffer *vb = &vbuf->vb2_buf;
	struct virtio_video_dec_ctx *ctx = vb2_get_drv_priv(vb->vb2_queue);
	enum vb2_buffer_state state = VB2_BUF_STATE_DONE;
	u32 flags = le32_to_cpu(cmd->rq.flags);
	u32 bytesused = 0;
	unsigned long irqflags;

	spin_lock_irqsave(&ctx->slock, irqflags);
	buf->cmd = NULL;
	if (is_output(vb->type)) {
		if (cmd->result)
			state = VB2_BUF_STATE_ERROR;
		vbuf->sequence = ctx->out.sequence++;
		vb2_buffer_done(vb, state);
		goto out;
	}

	vbuf->field = V4L2_FIELD_NONE;
	vbuf->flags &= ~(V4L2_BUF_FLAG_KEYFRAME | V4L2_BUF_FLAG_PFRAME |
			 V4L2_BUF_FLAG_BFRAME | V4L2_BUF_FLAG_LAST);
	if (cmd->result) {
		state = VB2_BUF_STATE_ERROR;
	} else if (dec_check_frame(ctx, vb, &cmd->rq, flags, &bytesused)) {
		dev_err_ratelimited(&ctx->vv->vdev->dev,
				    "stream %u: buffer %u came back with flags %#x and planes out of its %lu bytes\n",
				    ctx->stream.id, vb->index, flags,
				    vb2_plane_size(vb, 0));
		state = VB2_BUF_STATE_ERROR;
		bytesused = 0;
	} else if (flags & VIRTIO_VIDEO_QUEUE_FLAG_V4L2_DPC_LAST) {
		/* Whether it ends a sequence, the parameter change says. */
		if (ctx->dpc_last) {
			dev_err_ratelimited(&ctx->vv->vdev->dev,
					    "stream %u: two buffers before one parameter change\n",
					    ctx->stream.id);
			vb2_buffer_done(&ctx->dpc_last->m2m.vb.vb2_buf,
					VB2_BUF_STATE_ERROR);
		}
		ctx->dpc_last = buf;
		goto out;
	} else {
		if (flags & VIRTIO_VIDEO_QUEUE_FLAG_V4L2_DRAIN_LAST) {
			vbuf->flags |= V4L2_BUF_FLAG_LAST;
			bytesused = 0;
		}
		dec_copy_meta(ctx, vbuf, le64_to_cpu(cmd->rq.timestamp), flags);
	}
	vb->timestamp = le64_to_cpu(cmd->rq.timestamp);
	vbuf->sequence = ctx->cap.sequence++;
	vb2_set_plane_payload(vb, 0, bytesused);
	vb2_buffer_done(vb, state);
out:
	spin_unlock_irqrestore(&ctx->slock, irqflags);
}

/* The answer to DRAIN (event work, or a failure path). */
static void dec_drain_done(struct virtio_video_cmd *cmd)
{
	struct virtio_video_dec_ctx *ctx = cmd->priv;
	unsigned long flags;

	spin_lock_irqsave(&ctx->slock, flags);
	if (ctx->state == DEC_DRAINING) {
		if (cmd->result == -ECANCELED) {
			ctx->state = DEC_RUNNING;	/* a seek ended it */
		} else {
			if (cmd->result)
				dev_err_ratelimited(&ctx->vv->vdev->dev,
						    "stream %u: drain failed: %d\n",
						    ctx->stream.id, cmd->result);
			dec_last_from_spare(ctx);
			ctx->state = DEC_STOPPED;
			v4l2_event_queue_fh(&ctx->fh, &virtio_video_eos_event);
		}
	}
	spin_unlock_irqrestore(&ctx->slock, flags);
}

static void dec_fatal(struct virtio_video_dec_ctx *ctx)
{
	ctx->state = DEC_ERROR;
	vb2_queue_error(dec_vq(ctx, V4L2_BUF_TYPE_VIDEO_OUTPUT_MPLANE));
	vb2_queue_error(dec_vq(ctx, V4L2_BUF_TYPE_VIDEO_CAPTURE_MPLANE));
}

/* A dynamic parameter change: the stream's (new) frame format. */
static void dec_dpc(struct virtio_video_dec_ctx *ctx,
		    const struct virtio_video_event *ev)
{
	struct virtio_video *vv = ctx->vv;
	struct virtio_video_parse_error err;
	struct virtio_video_raw_params p;
	const struct virtio_video_raw_caps *r;
	struct virtio_video_dec_queue old;
	bool fits, changed;
	int raw = -1;
	unsigned int i;

	if (virtio_video_raw_params_parse(&p, ev->body, ev->body_len, &err)) {
		dev_err_ratelimited(&vv->vdev->dev,
				    "stream %u: bad parameter change: %s at byte %zu\n",
				    ctx->stream.id, err.what, err.offset);
		goto bad;
	}
	if (!(p.valid & VIRTIO_VIDEO_PARAM_FORMAT)) {
		dev_err_ratelimited(&vv->vdev->dev,
				    "stream %u: parameter change without a format\n",
				    ctx->stream.id);
		goto bad;
	}
	for (i = 0; i < vv->caps.num_raw; i++) {
		r = &vv->caps.raw[i];
		if (r->fourcc == p.format.fourcc &&
		    r->modifier == p.format.modifier &&
		    (r->layouts & p.format.planes_layout) &&
		    virtio_video_caps_linked(&vv->caps,
					     VIRTIO_VIDEO_STREAM_TYPE_DECODER,
					     ctx->out.set, i)) {
			raw = i;
			break;
		}
	}
	if (raw < 0 ||
	    !virtio_video_raw_to_v4l2(p.format.fourcc, p.format.planes_layout) ||
	    !virtio_video_span_has(&vv->caps.raw[raw].width, p.format.width) ||
	    !virtio_video_span_has(&vv->caps.raw[raw].height,
				   p.format.height)) {
		dev_err_ratelimited(&vv->vdev->dev,
				    "stream %u: parameter change to a format outside the capabilities (%#x %ux%u)\n",
				    ctx->stream.id, p.format.fourcc,
				    p.format.width, p.format.height);
		goto bad;
	}
	old = ctx->cap;
	if (dec_set_raw(ctx, raw, p.format.width, p.format.height)) {
		dev_err_ratelimited(&vv->vdev->dev,
				    "stream %u: frame layout %ux%u cannot be used\n",
				    ctx->stream.id, p.format.width,
				    p.format.height);
		goto bad;
	}
	if (p.valid & VIRTIO_VIDEO_PARAM_CROP)
		ctx->visible = (struct v4l2_rect){
			p.crop.left, p.crop.top, p.crop.width, p.crop.height
		};
	if (p.valid & VIRTIO_VIDEO_PARAM_RESOURCES)
		ctx->min_buffers = clamp_t(u32, p.num_resources, 1,
					   VIRTIO_VIDEO_MAX_BUFFERS);
	if (ev->flags & VIRTIO_VIDEO_EVENT_FLAG_BLOCKED)
		ctx->blocked = true;

	/*
	 * CAPTURE buffers that already fit the stream keep decoding: FFmpeg
	 * streams CAPTURE before the first change and does nothing when
	 * the size stays the same.
	 */
	fits = ctx->cap.live &&
	       ctx->cap.layout.sizeimage <= ctx->cap.buf_size &&
	       ctx->min_buffers <= dec_cap_buffers(ctx);
	changed = ctx->cap.fourcc != old.fourcc ||
		  ctx->cap.width != old.width ||
		  ctx->cap.height != old.height ||
		  ctx->cap.layout.sizeimage != old.layout.sizeimage ||
		  !fits;
	/*
	 * The end of a sequence: LAST, then -EPIPE; also in a drain, which
	 * goes on once the client has set CAPTURE up again, and ends with
	 * its own LAST.
	 */
	if (changed && ctx->unblocked_once &&
	    (ctx->state == DEC_RUNNING || ctx->state == DEC_DRAINING)) {
		u32 seq = ctx->cap.sequence;

		if (ctx->dpc_last)
			dec_return_last(ctx, ctx->dpc_last);
		else
			dec_last_from_spare(ctx);
		ctx->dpc_last = NULL;
		dec_signal_change(ctx, seq);
	} else {
		if (ctx->dpc_last) {
			list_add(&ctx->dpc_last->list, &ctx->cap.pending);
			ctx->dpc_last = NULL;
		}
		if (ctx->state == DEC_INIT || changed)
			v4l2_event_queue_fh(&ctx->fh,
					    &virtio_video_src_change_event);
	}
	if (ctx->state != DEC_DRAINING)
		ctx->state = DEC_CAPTURE_SETUP;
	if (!changed || (fits && ctx->state == DEC_CAPTURE_SETUP &&
			 !ctx->unblocked_once))
		queue_work(system_highpri_wq, &ctx->resume_work);
	return;
bad:
	dec_fatal(ctx);
}

/* Standalone events: vv->streams_lock held. */
static void dec_standalone(struct virtio_video_stream *s,
			   const struct virtio_video_event *ev)
{
	struct virtio_video_dec_ctx *ctx =
		container_of(s, struct virtio_video_dec_ctx, stream);
	unsigned long flags;

	spin_lock_irqsave(&ctx->slock, flags);
	if (ctx->state == DEC_ERROR || ctx->releasing)
		goto out;
	if (ev->type == VIRTIO_VIDEO_CMD_STREAM_CLOSE)
		dec_fatal(ctx);
	else
		dec_dpc(ctx, ev);
out:
	spin_unlock_irqrestore(&ctx->slock, flags);
}

static int dec_unblock(struct virtio_video_dec_ctx *ctx);

/* Resume after a parameter change the CAPTURE buffers fit. */
static void dec_resume_work(struct work_struct *work)
{
	struct virtio_video_dec_ctx *ctx =
		container_of(work, struct virtio_video_dec_ctx, resume_work);
	bool go;

	mutex_lock(&ctx->lock);
	spin_lock_irq(&ctx->slock);
	go = ctx->state == DEC_CAPTURE_SETUP && ctx->cap.live &&
	     ctx->cap.layout.sizeimage <= ctx->cap.buf_size &&
	     ctx->min_buffers <= dec_cap_buffers(ctx);
	spin_unlock_irq(&ctx->slock);
	if (go && (!ctx->blocked || !dec_unblock(ctx))) {
		spin_lock_irq(&ctx->slock);
		if (ctx->state == DEC_CAPTURE_SETUP)
			ctx->state = DEC_RUNNING;
		spin_unlock_irq(&ctx->slock);
		dec_flush(ctx, &ctx->cap);
		dec_flush(ctx, &ctx->out);
	}
	mutex_unlock(&ctx->lock);
}

static const struct virtio_video_stream_ops dec_stream_ops = {
	.standalone = dec_standalone,
};

/* ---- vb2 ---- */

static int dec_queue_setup(struct vb2_queue *q, unsigned int *nbuffers,
			   unsigned int *nplanes, unsigned int sizes[],
			   struct device *alloc_devs[])
{
	struct virtio_video_dec_ctx *ctx = vb2_get_drv_priv(q);
	struct virtio_video_dec_queue *dq = dec_queue(ctx, q->type);
	u32 size = is_output(q->type) ? dq->sizeimage : dq->layout.sizeimage;
	const struct virtio_video_span *res =
		is_output(q->type) ? &ctx->vv->caps.coded[dq->set].num_resources :
				     &ctx->vv->caps.raw[dq->set].num_resources;
	unsigned int have = virtio_video_num_buffers(q);
	unsigned int max = min_t(u32, res->max, VIRTIO_VIDEO_MAX_BUFFERS);
	int ret;

	/*
	 * The stream opens on the device with the first buffers: a file
	 * handle that never streams takes none of the device's max_streams.
	 */
	if (!ctx->stream_opened) {
		ret = virtio_video_stream_open(ctx->vv, &ctx->stream,
					       VIRTIO_VIDEO_STREAM_TYPE_DECODER,
					       &dec_stream_ops);
		if (ret)
			return ret;
		ctx->stream_opened = true;
	}

	if (*nplanes) {
		if (*nplanes != 1 || sizes[0] < size)
			return -EINVAL;
		dq->buf_size = have ? min_t(unsigned long, dq->buf_size,
					    sizes[0]) : sizes[0];
		return 0;
	}
	if (have >= max)
		return -ENOBUFS;
	dq->buf_size = have ? min_t(unsigned long, dq->buf_size, size) : size;
	*nbuffers = clamp_t(unsigned int, *nbuffers, 1, max - have);
	if (!have && *nbuffers < res->min)
		*nbuffers = min_t(unsigned int, res->min, max);
	*nplanes = 1;
	sizes[0] = size;
	return 0;
}

static int dec_buf_init(struct vb2_buffer *vb)
{
	struct virtio_video_buf *buf = to_vbuf(vb);

	INIT_LIST_HEAD(&buf->list);
	buf->cmd = NULL;
	buf->attached = 0;
	return 0;
}

static int dec_buf_out_validate(struct vb2_buffer *vb)
{
	to_vb2_v4l2_buffer(vb)->field = V4L2_FIELD_NONE;
	return 0;
}

static int dec_buf_prepare(struct vb2_buffer *vb)
{
	struct virtio_video_dec_ctx *ctx = vb2_get_drv_priv(vb->vb2_queue);
	struct virtio_video_dec_queue *dq = dec_queue(ctx, vb->type);
	struct virtio_video_buf *buf = to_vbuf(vb);
	u32 size = is_output(vb->type) ? dq->sizeimage : dq->layout.sizeimage;
	dma_addr_t first = 0;
	int ret;

	/*
	 * While a resolution change waits for the client (the device is
	 * blocked), buffers of the old size may still come back (GStreamer
	 * queues what it dequeued before it streams CAPTURE off); they go
	 * back at STREAMOFF unused.
	 */
	if (!is_output(vb->type) && READ_ONCE(ctx->blocked))
		size = min_t(unsigned long, size, dq->buf_size);
	if (vb2_plane_size(vb, 0) < size)
		return -EINVAL;
	if (!is_output(vb->type))
		vb2_set_plane_payload(vb, 0, 0);
	ret = dec_plane_entries(ctx->vv, vb, NULL, 0, &first);
	if (ret < 0)
		return ret;
	/* New memory behind a resource the device knows: attach it now. */
	if (dq->live && vb->index < dq->num_attached && buf->attached != first)
		return dec_attach_one(ctx, vb, is_output(vb->type));
	return 0;
}

static void dec_buf_queue(struct vb2_buffer *vb)
{
	struct virtio_video_dec_ctx *ctx = vb2_get_drv_priv(vb->vb2_queue);
	struct virtio_video_dec_queue *dq = dec_queue(ctx, vb->type);
	struct virtio_video_buf *buf = to_vbuf(vb);

	spin_lock_irq(&ctx->slock);
	list_add_tail(&buf->list, &dq->pending);
	spin_unlock_irq(&ctx->slock);
	dec_flush(ctx, dq);
}

/*
 * Give back every buffer of a queue the device no longer has, in @state:
 * ERROR, or QUEUED when start_streaming fails (vb2 takes them back as
 * they were queued).
 */
static void dec_return_all(struct virtio_video_dec_ctx *ctx,
			   struct vb2_queue *q, enum vb2_buffer_state state)
{
	struct virtio_video_dec_queue *dq = dec_queue(ctx, q->type);
	struct virtio_video_buf *buf, *tmp;
	struct virtio_video_cmd *cmd;
	unsigned int i;
	LIST_HEAD(list);

	spin_lock_irq(&ctx->slock);
	list_splice_init(&dq->pending, &list);
	if (!is_output(q->type) && ctx->dpc_last) {
		list_add_tail(&ctx->dpc_last->list, &list);
		ctx->dpc_last = NULL;
	}
	spin_unlock_irq(&ctx->slock);
	list_for_each_entry_safe(buf, tmp, &list, list) {
		list_del_init(&buf->list);
		vb2_buffer_done(&buf->m2m.vb.vb2_buf, state);
	}

	/* Buffers the device did not give back after the reset. */
	for (i = 0; i < virtio_video_num_buffers(q); i++) {
		struct vb2_buffer *vb = vb2_get_buffer(q, i);

		if (!vb)
			continue;
		buf = to_vbuf(vb);
		spin_lock_irq(&ctx->slock);
		cmd = buf->cmd;
		spin_unlock_irq(&ctx->slock);
		if (cmd && virtio_video_cmd_cancel(cmd)) {
			dev_err_ratelimited(&ctx->vv->vdev->dev,
					    "stream %u: the device kept buffer %u through a reset\n",
					    ctx->stream.id, i);
			spin_lock_irq(&ctx->slock);
			buf->cmd = NULL;
			spin_unlock_irq(&ctx->slock);
			vb2_buffer_done(vb, state);
		}
	}
}

static int dec_unblock(struct virtio_video_dec_ctx *ctx)
{
	int ret;

	ret = virtio_video_stream_simple(&ctx->stream,
					 VIRTIO_VIDEO_CMD_STREAM_UNBLOCK,
					 VIRTIO_VIDEO_QUEUE_TYPE_MAIN, 0);
	if (ret)
		return ret;
	spin_lock_irq(&ctx->slock);
	ctx->blocked = false;
	ctx->unblocked_once = true;
	if (ctx->state == DEC_CAPTURE_SETUP)
		ctx->state = DEC_RUNNING;
	spin_unlock_irq(&ctx->slock);
	return 0;
}

static int dec_start_streaming(struct vb2_queue *q, unsigned int count)
{
	struct virtio_video_dec_ctx *ctx = vb2_get_drv_priv(q);
	struct virtio_video_dec_queue *dq = dec_queue(ctx, q->type);
	struct vb2_queue *cap_q;
	bool blocked;
	int ret;

	if (READ_ONCE(ctx->state) == DEC_ERROR) {
		ret = -EIO;
		goto err;
	}
	ret = dec_attach(ctx, q);
	if (ret)
		goto err;
	dq->sequence = 0;

	spin_lock_irq(&ctx->slock);
	dq->live = true;
	if (!is_output(q->type))
		ctx->cap_dq_next = 0;
	blocked = ctx->blocked;
	if (is_output(q->type) && ctx->state == DEC_STOPPED)
		ctx->state = DEC_RUNNING;
	spin_unlock_irq(&ctx->slock);

	if (!is_output(q->type) && blocked) {
		ret = dec_unblock(ctx);
		if (ret)
			goto err_live;
	} else if (!is_output(q->type)) {
		spin_lock_irq(&ctx->slock);
		if (ctx->state == DEC_CAPTURE_SETUP)
			ctx->state = DEC_RUNNING;
		spin_unlock_irq(&ctx->slock);
	}
	if (is_output(q->type)) {
		cap_q = dec_vq(ctx, V4L2_BUF_TYPE_VIDEO_CAPTURE_MPLANE);
		vb2_clear_last_buffer_dequeued(cap_q);
	}
	dec_flush(ctx, dq);
	if (!is_output(q->type))
		dec_flush(ctx, &ctx->out);
	return 0;

err_live:
	spin_lock_irq(&ctx->slock);
	dq->live = false;
	spin_unlock_irq(&ctx->slock);
err:
	dec_return_all(ctx, q, VB2_BUF_STATE_QUEUED);
	return ret;
}

static void dec_stop_streaming(struct vb2_queue *q)
{
	struct virtio_video_dec_ctx *ctx = vb2_get_drv_priv(q);
	struct virtio_video_dec_queue *dq = dec_queue(ctx, q->type);
	u32 which = is_output(q->type) ? VIRTIO_VIDEO_QUEUE_TYPE_INPUT :
					 VIRTIO_VIDEO_QUEUE_TYPE_OUTPUT;
	int ret;

	spin_lock_irq(&ctx->slock);
	dq->live = false;
	/* The client gives up the old frames: nothing left to wait for. */
	if (!is_output(q->type) && ctx->change_pending) {
		ctx->change_pending = false;
		v4l2_event_queue_fh(&ctx->fh, &virtio_video_src_change_event);
	}
	spin_unlock_irq(&ctx->slock);
	if (READ_ONCE(ctx->state) != DEC_ERROR) {
		ret = virtio_video_stream_simple(&ctx->stream,
						 VIRTIO_VIDEO_CMD_STREAM_QUEUE_RESET,
						 VIRTIO_VIDEO_QUEUE_TYPE_MAIN,
						 which);
		if (ret && ret != -ENODEV)
			dev_err_ratelimited(&ctx->vv->vdev->dev,
					    "stream %u: queue reset failed: %d\n",
					    ctx->stream.id, ret);
	}
	dec_return_all(ctx, q, VB2_BUF_STATE_ERROR);
	if (is_output(q->type)) {
		spin_lock_irq(&ctx->slock);
		if (ctx->state == DEC_DRAINING || ctx->state == DEC_STOPPED)
			ctx->state = DEC_RUNNING;
		spin_unlock_irq(&ctx->slock);
	}
}

static const struct vb2_ops dec_vb2_ops = {
	.queue_setup = dec_queue_setup,
	.buf_init = dec_buf_init,
	.buf_out_validate = dec_buf_out_validate,
	.buf_prepare = dec_buf_prepare,
	.buf_queue = dec_buf_queue,
	.start_streaming = dec_start_streaming,
	.stop_streaming = dec_stop_streaming,
	VIRTIO_VIDEO_VB2_WAIT_OPS
};

static int dec_queue_init(void *priv, struct vb2_queue *src_vq,
			  struct vb2_queue *dst_vq)
{
	struct virtio_video_dec_ctx *ctx = priv;
	struct virtio_video *vv = ctx->vv;
	const struct vb2_mem_ops *mem_ops = vv->non_contig ?
		&vb2_dma_sg_memops : &vb2_dma_contig_memops;
	struct vb2_queue *qs[] = { src_vq, dst_vq };
	unsigned int i;
	int ret;

	for (i = 0; i < ARRAY_SIZE(qs); i++) {
		struct vb2_queue *q = qs[i];

		q->type = i ? V4L2_BUF_TYPE_VIDEO_CAPTURE_MPLANE :
			      V4L2_BUF_TYPE_VIDEO_OUTPUT_MPLANE;
		q->io_modes = VB2_MMAP | VB2_DMABUF;
		q->drv_priv = ctx;
		q->buf_struct_size = sizeof(struct virtio_video_buf);
		q->ops = &dec_vb2_ops;
		q->mem_ops = mem_ops;
		q->timestamp_flags = V4L2_BUF_FLAG_TIMESTAMP_COPY;
		q->lock = &ctx->lock;
		q->dev = vv->vdev->dev.parent;
		virtio_video_set_max_buffers(q, VIRTIO_VIDEO_MAX_BUFFERS);
		ret = vb2_queue_init(q);
		if (ret)
			return ret;
	}
	return 0;
}

/* ---- ioctls ---- */

static int dec_querycap(struct file *file, void *priv,
			struct v4l2_capability *cap)
{
	struct virtio_video_dec_ctx *ctx = file_to_ctx(file);

	strscpy(cap->driver, VIRTIO_VIDEO_DRV_NAME, sizeof(cap->driver));
	strscpy(cap->card, "virtio-video decoder", sizeof(cap->card));
	snprintf(cap->bus_info, sizeof(cap->bus_info), "platform:%s",
		 dev_name(&ctx->vv->vdev->dev));
	return 0;
}

static int dec_enum_fmt(struct file *file, void *priv, struct v4l2_fmtdesc *f)
{
	struct virtio_video_dec_ctx *ctx = file_to_ctx(file);
	const struct virtio_video_caps *caps = &ctx->vv->caps;
	int set;

	if (is_output(f->type)) {
		set = virtio_video_nth_coded(caps,
					     VIRTIO_VIDEO_STREAM_TYPE_DECODER,
					     f->index);
		if (set < 0)
			return -EINVAL;
		f->pixelformat = virtio_video_coded_to_v4l2(caps->coded[set].format);
		f->flags = V4L2_FMT_FLAG_COMPRESSED |
			   V4L2_FMT_FLAG_DYN_RESOLUTION;
		return 0;
	}
	set = virtio_video_nth_raw(caps, VIRTIO_VIDEO_STREAM_TYPE_DECODER,
				   ctx->out.set, f->index);
	if (set < 0)
		return -EINVAL;
	f->pixelformat = virtio_video_raw_to_v4l2(caps->raw[set].fourcc,
						  caps->raw[set].layouts);
	f->flags = 0;
	return 0;
}

static int dec_enum_framesizes(struct file *file, void *priv,
			       struct v4l2_frmsizeenum *fs)
{
	struct virtio_video_dec_ctx *ctx = file_to_ctx(file);
	const struct virtio_video_caps *caps = &ctx->vv->caps;
	const struct virtio_video_raw_caps *r;
	int coded, raw;

	if (fs->index)
		return -EINVAL;
	coded = virtio_video_find_coded(caps, fs->pixel_format);
	if (coded >= 0)
		raw = virtio_video_nth_raw(caps,
					   VIRTIO_VIDEO_STREAM_TYPE_DECODER,
					   coded, 0);
	else
		raw = virtio_video_find_raw(caps,
					    VIRTIO_VIDEO_STREAM_TYPE_DECODER,
					    -1, fs->pixel_format);
	if (raw < 0)
		return -EINVAL;
	r = &caps->raw[raw];
	fs->type = V4L2_FRMSIZE_TYPE_STEPWISE;
	fs->stepwise.min_width = r->width.min;
	fs->stepwise.max_width = r->width.max;
	fs->stepwise.step_width = r->width.step;
	fs->stepwise.min_height = r->height.min;
	fs->stepwise.max_height = r->height.max;
	fs->stepwise.step_height = r->height.step;
	return 0;
}

static int dec_g_fmt(struct file *file, void *priv, struct v4l2_format *f)
{
	struct virtio_video_dec_ctx *ctx = file_to_ctx(file);

	memset(&f->fmt.pix_mp, 0, sizeof(f->fmt.pix_mp));
	spin_lock_irq(&ctx->slock);
	if (is_output(f->type))
		dec_fill_coded(ctx, &f->fmt.pix_mp);
	else
		dec_fill_raw(ctx, &f->fmt.pix_mp);
	spin_unlock_irq(&ctx->slock);
	return 0;
}

static int dec_try_fmt_ioctl(struct file *file, void *priv,
			     struct v4l2_format *f)
{
	struct virtio_video_dec_ctx *ctx = file_to_ctx(file);
	int ret;

	mutex_lock(&ctx->lock);
	ret = dec_try_fmt(ctx, f);
	mutex_unlock(&ctx->lock);
	return ret;
}

static int dec_s_fmt(struct file *file, void *priv, struct v4l2_format *f)
{
	struct virtio_video_dec_ctx *ctx = file_to_ctx(file);
	struct v4l2_pix_format_mplane *mp = &f->fmt.pix_mp;
	struct vb2_queue *q = dec_vq(ctx, f->type);
	int ret, raw;

	mutex_lock(&ctx->lock);
	if (vb2_is_busy(q)) {
		ret = -EBUSY;
		goto out;
	}
	ret = dec_try_fmt(ctx, f);
	if (ret)
		goto out;
	spin_lock_irq(&ctx->slock);
	if (is_output(f->type)) {
		ctx->out.set = virtio_video_find_coded(&ctx->vv->caps,
						       mp->pixelformat);
		ctx->out.fourcc = mp->pixelformat;
		ctx->out.width = mp->width;
		ctx->out.height = mp->height;
		ctx->out.sizeimage = mp->plane_fmt[0].sizeimage;
		ctx->colorspace = mp->colorspace;
		ctx->xfer_func = mp->xfer_func;
		ctx->ycbcr_enc = mp->ycbcr_enc;
		ctx->quantization = mp->quantization;
		/* The OUTPUT format governs CAPTURE's (dev-decoder.rst). */
		if (ctx->state == DEC_INIT) {
			raw = virtio_video_nth_raw(&ctx->vv->caps,
						   VIRTIO_VIDEO_STREAM_TYPE_DECODER,
						   ctx->out.set, 0);
			dec_set_raw(ctx, raw,
				    mp->width ?: ctx->cap.width,
				    mp->height ?: ctx->cap.height);
		}
	} else {
		struct v4l2_rect visible = ctx->visible;

		/* Only the pixel format is the client's once the stream is known. */
		raw = virtio_video_find_raw(&ctx->vv->caps,
					    VIRTIO_VIDEO_STREAM_TYPE_DECODER,
					    ctx->out.set, mp->pixelformat);
		if (ctx->state == DEC_INIT) {
			ret = dec_set_raw(ctx, raw, mp->width, mp->height);
		} else {
			ret = dec_set_raw(ctx, raw, ctx->cap.width,
					  ctx->cap.height);
			ctx->visible = visible;
		}
	}
	spin_unlock_irq(&ctx->slock);
out:
	mutex_unlock(&ctx->lock);
	return ret;
}

static int dec_g_selection(struct file *file, void *priv,
			   struct v4l2_selection *s)
{
	struct virtio_video_dec_ctx *ctx = file_to_ctx(file);

	if (s->type != V4L2_BUF_TYPE_VIDEO_CAPTURE &&
	    s->type != V4L2_BUF_TYPE_VIDEO_CAPTURE_MPLANE)
		return -EINVAL;
	spin_lock_irq(&ctx->slock);
	switch (s->target) {
	case V4L2_SEL_TGT_COMPOSE:
	case V4L2_SEL_TGT_COMPOSE_DEFAULT:
		s->r = ctx->visible;
		break;
	case V4L2_SEL_TGT_COMPOSE_BOUNDS:
	case V4L2_SEL_TGT_COMPOSE_PADDED:
		s->r = (struct v4l2_rect){ 0, 0, ctx->cap.width,
					   ctx->cap.layout.height };
		break;
	default:
		spin_unlock_irq(&ctx->slock);
		return -EINVAL;
	}
	spin_unlock_irq(&ctx->slock);
	return 0;
}

static int dec_send_drain(struct virtio_video_dec_ctx *ctx)
{
	struct virtio_video_cmd *cmd;
	int ret;

	cmd = virtio_video_cmd_new(ctx->vv, &ctx->stream,
				   VIRTIO_VIDEO_CMD_STREAM_DRAIN,
				   VIRTIO_VIDEO_QUEUE_TYPE_INPUT, 0, 0);
	if (!cmd)
		return -ENOMEM;
	cmd->done_fn = dec_drain_done;
	cmd->priv = ctx;
	spin_lock_irq(&ctx->slock);
	ctx->state = DEC_DRAINING;
	spin_unlock_irq(&ctx->slock);
	ret = virtio_video_cmd_send(cmd);
	if (ret) {
		spin_lock_irq(&ctx->slock);
		ctx->state = DEC_RUNNING;
		spin_unlock_irq(&ctx->slock);
	}
	virtio_video_cmd_put(cmd);
	return ret;
}

static int dec_decoder_cmd(struct file *file, void *priv,
			   struct v4l2_decoder_cmd *dc)
{
	struct virtio_video_dec_ctx *ctx = file_to_ctx(file);
	struct vb2_queue *cap_q, *out_q;
	enum virtio_video_dec_state state;
	bool blocked;
	int ret;

	ret = v4l2_m2m_ioctl_try_decoder_cmd(file, priv, dc);
	if (ret)
		return ret;

	mutex_lock(&ctx->lock);
	out_q = dec_vq(ctx, V4L2_BUF_TYPE_VIDEO_OUTPUT_MPLANE);
	cap_q = dec_vq(ctx, V4L2_BUF_TYPE_VIDEO_CAPTURE_MPLANE);
	spin_lock_irq(&ctx->slock);
	state = ctx->state;
	blocked = ctx->blocked;
	spin_unlock_irq(&ctx->slock);
	if (state == DEC_ERROR) {
		ret = -EIO;
		goto out;
	}

	if (dc->cmd == V4L2_DEC_CMD_STOP) {
		/* Not streaming: nothing to drain, and not an error. */
		if (!vb2_is_streaming(out_q))
			goto out;
		if (state == DEC_STOPPED) {
			v4l2_event_queue_fh(&ctx->fh, &virtio_video_eos_event);
			goto out;
		}
		if (state == DEC_DRAINING)
			goto out;
		ret = dec_send_drain(ctx);
		goto out;
	}

	/* V4L2_DEC_CMD_START */
	if (state == DEC_DRAINING) {
		ret = -EBUSY;
		goto out;
	}
	if (blocked && vb2_is_streaming(cap_q)) {
		/* Resume with the buffers there are, if they are enough. */
		ret = dec_attach(ctx, cap_q);
		if (!ret && blocked)
			ret = dec_unblock(ctx);
		if (ret)
			goto out;
	}
	spin_lock_irq(&ctx->slock);
	if (ctx->state == DEC_STOPPED || ctx->state == DEC_CAPTURE_SETUP)
		ctx->state = DEC_RUNNING;
	spin_unlock_irq(&ctx->slock);
	vb2_clear_last_buffer_dequeued(cap_q);
	dec_flush(ctx, &ctx->cap);
	dec_flush(ctx, &ctx->out);
out:
	mutex_unlock(&ctx->lock);
	return ret;
}

static int dec_dqbuf(struct file *file, void *priv, struct v4l2_buffer *b)
{
	struct virtio_video_dec_ctx *ctx = file_to_ctx(file);
	int ret;

	ret = v4l2_m2m_ioctl_dqbuf(file, priv, b);
	if (ret || V4L2_TYPE_IS_OUTPUT(b->type))
		return ret;
	spin_lock_irq(&ctx->slock);
	if ((s32)(b->sequence + 1 - ctx->cap_dq_next) > 0)
		ctx->cap_dq_next = b->sequence + 1;
	if (ctx->change_pending)
		dec_signal_change(ctx, ctx->change_seq);
	spin_unlock_irq(&ctx->slock);
	return 0;
}

static int dec_subscribe_event(struct v4l2_fh *fh,
			       const struct v4l2_event_subscription *sub)
{
	switch (sub->type) {
	case V4L2_EVENT_EOS:
		return v4l2_event_subscribe(fh, sub, 2, NULL);
	case V4L2_EVENT_SOURCE_CHANGE:
		return v4l2_src_change_event_subscribe(fh, sub);
	default:
		return v4l2_ctrl_subscribe_event(fh, sub);
	}
}

static const struct v4l2_ioctl_ops dec_ioctl_ops = {
	.vidioc_querycap = dec_querycap,
	.vidioc_enum_fmt_vid_cap = dec_enum_fmt,
	.vidioc_enum_fmt_vid_out = dec_enum_fmt,
	.vidioc_enum_framesizes = dec_enum_framesizes,
	.vidioc_g_fmt_vid_cap_mplane = dec_g_fmt,
	.vidioc_g_fmt_vid_out_mplane = dec_g_fmt,
	.vidioc_try_fmt_vid_cap_mplane = dec_try_fmt_ioctl,
	.vidioc_try_fmt_vid_out_mplane = dec_try_fmt_ioctl,
	.vidioc_s_fmt_vid_cap_mplane = dec_s_fmt,
	.vidioc_s_fmt_vid_out_mplane = dec_s_fmt,
	.vidioc_g_selection = dec_g_selection,

	.vidioc_reqbufs = v4l2_m2m_ioctl_reqbufs,
	.vidioc_querybuf = v4l2_m2m_ioctl_querybuf,
	.vidioc_qbuf = v4l2_m2m_ioctl_qbuf,
	.vidioc_dqbuf = dec_dqbuf,
	.vidioc_prepare_buf = v4l2_m2m_ioctl_prepare_buf,
	.vidioc_create_bufs = v4l2_m2m_ioctl_create_bufs,
	.vidioc_expbuf = v4l2_m2m_ioctl_expbuf,
	VIRTIO_VIDEO_REMOVE_BUFS_OP
	.vidioc_streamon = v4l2_m2m_ioctl_streamon,
	.vidioc_streamoff = v4l2_m2m_ioctl_streamoff,

	.vidioc_try_decoder_cmd = v4l2_m2m_ioctl_try_decoder_cmd,
	.vidioc_decoder_cmd = dec_decoder_cmd,

	.vidioc_subscribe_event = dec_subscribe_event,
	.vidioc_unsubscribe_event = v4l2_event_unsubscribe,
};

/* ---- controls ---- */

static int dec_g_volatile_ctrl(struct v4l2_ctrl *ctrl)
{
	struct virtio_video_dec_ctx *ctx =
		container_of(ctrl->handler, struct virtio_video_dec_ctx, hdl);

	if (ctrl->id != V4L2_CID_MIN_BUFFERS_FOR_CAPTURE)
		return -EINVAL;
	spin_lock_irq(&ctx->slock);
	ctrl->val = ctx->min_buffers;
	spin_unlock_irq(&ctx->slock);
	return 0;
}

static const struct v4l2_ctrl_ops dec_ctrl_ops = {
	.g_volatile_ctrl = dec_g_volatile_ctrl,
};

static int dec_init_ctrls(struct virtio_video_dec_ctx *ctx)
{
	struct v4l2_ctrl *ctrl;

	v4l2_ctrl_handler_init(&ctx->hdl, 1);
	ctrl = v4l2_ctrl_new_std(&ctx->hdl, &dec_ctrl_ops,
				 V4L2_CID_MIN_BUFFERS_FOR_CAPTURE, 1,
				 VIRTIO_VIDEO_MAX_BUFFERS, 1, 1);
	if (ctrl)
		ctrl->flags |= V4L2_CTRL_FLAG_VOLATILE;
	if (ctx->hdl.error) {
		int ret = ctx->hdl.error;

		v4l2_ctrl_handler_free(&ctx->hdl);
		return ret;
	}
	ctx->fh.ctrl_handler = &ctx->hdl;
	return 0;
}

/* ---- file operations ---- */

static void dec_init_formats(struct virtio_video_dec_ctx *ctx)
{
	const struct virtio_video_caps *caps = &ctx->vv->caps;
	int coded, raw;

	coded = virtio_video_nth_coded(caps, VIRTIO_VIDEO_STREAM_TYPE_DECODER, 0);
	raw = virtio_video_nth_raw(caps, VIRTIO_VIDEO_STREAM_TYPE_DECODER,
				   coded, 0);
	ctx->out.set = coded;
	ctx->out.fourcc = virtio_video_coded_to_v4l2(caps->coded[coded].format);
	ctx->out.width = DEC_DEFAULT_WIDTH;
	ctx->out.height = DEC_DEFAULT_HEIGHT;
	ctx->out.sizeimage = dec_coded_size(ctx->vv, coded, DEC_DEFAULT_WIDTH,
					    DEC_DEFAULT_HEIGHT, 0);
	ctx->colorspace = V4L2_COLORSPACE_REC709;
	ctx->xfer_func = V4L2_XFER_FUNC_DEFAULT;
	ctx->ycbcr_enc = V4L2_YCBCR_ENC_DEFAULT;
	ctx->quantization = V4L2_QUANTIZATION_DEFAULT;
	dec_set_raw(ctx, raw, DEC_DEFAULT_WIDTH, DEC_DEFAULT_HEIGHT);
	ctx->min_buffers = 1;
	INIT_LIST_HEAD(&ctx->out.pending);
	INIT_LIST_HEAD(&ctx->cap.pending);
}

static int dec_open(struct file *file)
{
	struct virtio_video *vv = video_drvdata(file);
	struct virtio_video_dec_ctx *ctx;
	int ret;

	ctx = kzalloc_obj(*ctx, GFP_KERNEL);
	if (!ctx)
		return -ENOMEM;
	ctx->vv = vv;
	mutex_init(&ctx->lock);
	spin_lock_init(&ctx->slock);
	INIT_WORK(&ctx->resume_work, dec_resume_work);
	dec_init_formats(ctx);
	v4l2_fh_init(&ctx->fh, video_devdata(file));

	ret = dec_init_ctrls(ctx);
	if (ret)
		goto err_fh;
	ctx->fh.m2m_ctx = v4l2_m2m_ctx_init(vv->dec_m2m, ctx, dec_queue_init);
	if (IS_ERR(ctx->fh.m2m_ctx)) {
		ret = PTR_ERR(ctx->fh.m2m_ctx);
		goto err_ctrls;
	}
	ctx->fh.m2m_ctx->q_lock = &ctx->lock;
	virtio_video_fh_add(&ctx->fh, file);
	return 0;

err_ctrls:
	v4l2_ctrl_handler_free(&ctx->hdl);
err_fh:
	v4l2_fh_exit(&ctx->fh);
	mutex_destroy(&ctx->lock);
	kfree(ctx);
	return ret;
}

static int dec_release(struct file *file)
{
	struct virtio_video_dec_ctx *ctx = file_to_ctx(file);

	spin_lock_irq(&ctx->slock);
	ctx->releasing = true;
	spin_unlock_irq(&ctx->slock);
	cancel_work_sync(&ctx->resume_work);
	mutex_lock(&ctx->lock);
	v4l2_m2m_ctx_release(ctx->fh.m2m_ctx);
	mutex_unlock(&ctx->lock);
	if (ctx->stream_opened)
		virtio_video_stream_close(&ctx->stream);
	virtio_video_fh_del(&ctx->fh, file);
	v4l2_fh_exit(&ctx->fh);
	v4l2_ctrl_handler_free(&ctx->hdl);
	mutex_destroy(&ctx->lock);
	kfree(ctx);
	return 0;
}

/*
 * v4l2_m2m_fop_poll() reports an error when no OUTPUT buffer is queued
 * while CAPTURE does not stream yet: the normal state of a decoder that
 * waits for its first source change once the device has consumed the
 * input.  GStreamer gives up on that error; only a real one is passed on.
 */
static __poll_t dec_poll(struct file *file, poll_table *wait)
{
	struct virtio_video_dec_ctx *ctx = file_to_ctx(file);
	struct vb2_queue *out_q = dec_vq(ctx, V4L2_BUF_TYPE_VIDEO_OUTPUT_MPLANE);
	struct vb2_queue *cap_q = dec_vq(ctx, V4L2_BUF_TYPE_VIDEO_CAPTURE_MPLANE);
	__poll_t res = v4l2_m2m_fop_poll(file, wait);

	if (!vb2_is_streaming(cap_q) && vb2_is_streaming(out_q) &&
	    !out_q->error && !cap_q->error)
		res &= ~EPOLLERR;
	return res;
}

static const struct v4l2_file_operations dec_fops = {
	.owner = THIS_MODULE,
	.open = dec_open,
	.release = dec_release,
	.poll = dec_poll,
	.unlocked_ioctl = video_ioctl2,
	.mmap = v4l2_m2m_fop_mmap,
};

/* Never called: buffers go to the device without mem2mem jobs. */
static void dec_device_run(void *priv)
{
}

static const struct v4l2_m2m_ops dec_m2m_ops = {
	.device_run = dec_device_run,
};

/**
 * virtio_video_dec_register() - register the decoder's video node
 * @vv: the device, capabilities read
 *
 * Context: probe.
 * Return: 0, -ENODEV when no coded format can be decoded to a raw format
 * V4L2 knows, or another negative errno.
 */
int virtio_video_dec_register(struct virtio_video *vv)
{
	struct video_device *vdev = &vv->dec_vdev;
	int ret;

	if (virtio_video_nth_coded(&vv->caps, VIRTIO_VIDEO_STREAM_TYPE_DECODER,
				   0) < 0) {
		dev_err(&vv->vdev->dev,
			"no coded format the decoder links to a raw format V4L2 knows\n");
		return -ENODEV;
	}
	vv->dec_m2m = v4l2_m2m_init(&dec_m2m_ops);
	if (IS_ERR(vv->dec_m2m))
		return PTR_ERR(vv->dec_m2m);

	strscpy(vdev->name, "virtio-video-dec", sizeof(vdev->name));
	vdev->fops = &dec_fops;
	vdev->ioctl_ops = &dec_ioctl_ops;
	vdev->release = video_device_release_empty;
	vdev->v4l2_dev = &vv->v4l2_dev;
	vdev->vfl_dir = VFL_DIR_M2M;
	vdev->device_caps = V4L2_CAP_VIDEO_M2M_MPLANE | V4L2_CAP_STREAMING;
	video_set_drvdata(vdev, vv);

	ret = video_register_device(vdev, VFL_TYPE_VIDEO, -1);
	if (ret) {
		v4l2_m2m_release(vv->dec_m2m);
		return ret;
	}
	vv->dec_registered = true;
	return 0;
}

/**
 * virtio_video_dec_unregister() - remove the decoder's video node
 * @vv: the device
 *
 * Open file handles keep working until closed, against a dead device.
 */
void virtio_video_dec_unregister(struct virtio_video *vv)
{
	if (!vv->dec_registered)
		return;
	video_unregister_device(&vv->dec_vdev);
	vv->dec_registered = false;
}
