// SPDX-License-Identifier: GPL-2.0
/*
 * va-video-model - the virtio-video v10 decoder device.
 *
 * Threads and locking.  The event loop (main thread) runs the vhost-user
 * connection: commandq kicks, eventq kicks, memory table changes, resets.
 * Each open stream has a worker thread that takes the stream's input
 * commands in order, parses and decodes them with libavcodec
 * (video-dec.c) and puts the decoded frames into the stream's output
 * pipeline.  One mutex per device, d->lock, protects all device and
 * stream state below "protected by d->lock", the eventq ring, the event
 * FIFO and the guest memory table: the main thread holds it while it
 * polls the vhost-user connection, a worker holds it except while it runs
 * libavcodec.  Only the worker touches its stream's decoder.  The worker
 * leaves the delivery of what it decoded (writing frames into guest pages)
 * to the main thread, woken through wake_fd, so that the next input is
 * decoded while the last frames are written.
 *
 * The output pipeline is an ordered list of frames, dynamic parameter
 * changes (DPC), drain LAST markers and drain answers.  deliver() moves it
 * forward as far as output resources and the BLOCKED state allow; it runs
 * whenever one of them changes.
 */
#include <endian.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include <libavutil/frame.h>

#include "video.h"

#define CMDQ		VIRTIO_VIDEO_QUEUE_COMMANDQ
#define EVENTQ		VIRTIO_VIDEO_QUEUE_EVENTQ
#define PIPE_LIMIT	8	/* decoded frames waiting before decoding pauses */
#define EV_MAX		2048	/* largest event the model builds */
#define FLAGS_KNOWN	0x0f

enum { Q_IN, Q_OUT };

struct vm_ent {
	uint64_t gpa;
	uint32_t len;
};

/* A resource of a stream queue. */
struct vm_res {
	bool attached;
	bool queued;		/* RESOURCE_QUEUE not answered yet */
	uint32_t cookie;	/* of that RESOURCE_QUEUE */
	uint64_t timestamp;
	unsigned int nents;
	struct vm_ent *ents;	/* backing, in resource order */
	uint64_t size;
};

enum vm_op_kind { OP_INPUT, OP_DRAIN, OP_SET_PARAMS, OP_GET_PARAMS };

/* A command of a stream's input queue, executed in order by the worker. */
struct vm_op {
	struct vm_op *next;
	enum vm_op_kind kind;
	uint32_t cookie;
	uint32_t resource_id;
	uint64_t timestamp;
	bool dead;		/* answered CANCELED while the worker had it */
	size_t len;
	uint8_t data[];		/* coded data or parameters, copied */
};

enum vm_item_kind { IT_FRAME, IT_DPC, IT_DRAIN_LAST, IT_DRAIN_DONE };

/* An entry of the output pipeline. */
struct vm_item {
	struct vm_item *next;
	enum vm_item_kind kind;
	AVFrame *frame;			/* IT_FRAME */
	uint64_t timestamp;
	bool key;
	uint32_t width, height;		/* IT_DPC: coded size */
	uint32_t crop_w, crop_h;	/* IT_DPC: visible size */
	uint32_t cookie;		/* IT_DRAIN_DONE */
};

struct vm_raw {
	uint32_t width, height;
	uint32_t stride_align, height_align, plane_align;
};

struct vm_stream {
	struct vm_dev *d;
	unsigned int id;
	pthread_t thread;	/* main thread: created at OPEN, joined at CLOSE */
	bool has_thread;

	/* protected by d->lock */
	bool open;
	bool quit;
	pthread_cond_t cond;	/* the worker waits here for work */

	uint32_t coded_format;
	struct vm_raw raw;
	uint32_t crop_w, crop_h;	/* CROP is (0, 0, crop_w, crop_h) */
	uint32_t num_res[2];
	struct vm_res res[2][VM_MAX_RESOURCES];

	struct vm_op *ops, **ops_tail;	/* input queue */
	struct vm_op *cur;		/* the op the worker decodes unlocked */
	unsigned int in_gen;		/* QUEUE_RESET(INPUT)s */
	bool busy;			/* the worker is at work */
	bool deliver_due;		/* the worker left deliver() to main */

	uint32_t outq[VM_MAX_RESOURCES];	/* queued output resources */
	unsigned int outq_head, outq_cnt;

	struct vm_item *pipe, **pipe_tail;
	unsigned int pipe_frames;
	bool blocked, unblocked_once, dpc_sent;
	/* the size announced by the last DPC emitted or in the pipeline */
	bool tail_known;
	uint32_t tail_w, tail_h, tail_cw, tail_ch;

	unsigned long frames, decoded, errors, events, canceled;

	/* the worker's own */
	struct vd_dec *dec;
	uint32_t dec_format;
	unsigned int dec_gen;
};

struct vm_event {
	struct vm_event *next;
	size_t len;
	uint8_t data[];
};

struct vm_dev {
	struct vhu_dev vdev;
	unsigned int idx;
	char name[32];
	const char *socket_path;
	struct vm_opts o;
	struct virtio_video_config config;
	uint8_t caps[4096];		/* resp header + TLVs */
	size_t caps_len;		/* = config.caps_length */
	int wake_fd;

	pthread_mutex_t lock;
	/* protected by lock */
	struct vm_stream *streams;
	struct vm_event *ev_head, **ev_tail;
	unsigned int ev_cnt;
	bool silent;			/* resetting: drop events */
	unsigned long fault_left[VM_FAULT_NUM];
	unsigned long st_events, st_errors, st_frames, st_faults, st_resets;
	unsigned long st_commands, st_canceled, st_decoded;
	/*
	 * Where the stream workers' time goes, for the benchmark: decoding
	 * (libavcodec), writing frames into guest pages (any thread), and
	 * waiting for input or for output resources.
	 */
	uint64_t st_decode_ns, st_fill_ns, st_wait_in_ns, st_wait_out_ns;
};

static const char * const fault_names[VM_FAULT_NUM] = {
	[VM_FAULT_SHORT_EVENT] = "short-event",
	[VM_FAULT_BAD_COOKIE] = "bad-cookie",
	[VM_FAULT_BAD_STREAM] = "bad-stream",
	[VM_FAULT_UNSOLICITED] = "unsolicited",
	[VM_FAULT_DUP_ANSWER] = "dup-answer",
	[VM_FAULT_BAD_SIZES] = "bad-sizes",
	[VM_FAULT_BAD_FLAGS] = "bad-flags",
	[VM_FAULT_BAD_PARAMS] = "bad-params",
	[VM_FAULT_STREAM_ERROR] = "stream-error",
};

static void stream_close(struct vm_stream *s, bool answer);

uint64_t vm_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

const char *vm_fault_name(enum vm_fault f)
{
	return f > VM_FAULT_NONE && f < VM_FAULT_NUM ? fault_names[f] : "none";
}

enum vm_fault vm_fault_parse(const char *name)
{
	unsigned int i;

	for (i = 1; i < VM_FAULT_NUM; i++)
		if (!strcmp(name, fault_names[i]))
			return i;
	return VM_FAULT_NONE;
}

enum vm_caps_fault vm_caps_fault_parse(const char *name)
{
	static const char * const names[] = {
		[VM_CAPS_TRUNCATED] = "truncated",
		[VM_CAPS_BAD_LINK] = "bad-link",
		[VM_CAPS_NO_FORMAT] = "no-format",
		[VM_CAPS_HUGE_LENGTH] = "huge-length",
	};
	unsigned int i;

	for (i = 1; i < ARRAY_SIZE(names); i++)
		if (!strcmp(name, names[i]))
			return i;
	return VM_CAPS_OK;
}

static uint32_t rd32(const void *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return le32toh(v);
}

static uint64_t rd64(const void *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return le64toh(v);
}

static void wr32(void *p, uint32_t v)
{
	v = htole32(v);
	memcpy(p, &v, sizeof(v));
}

static bool neg(const struct vm_dev *d, unsigned int bit)
{
	return vhu_dev_has_feature(&d->vdev, bit);
}

static struct vhu_vq *dq(struct vm_dev *d, unsigned int q)
{
	return &d->vdev.vqs[q];
}

#define dbg(d, ...)	vhu_dbg(&(d)->vdev.log, __VA_ARGS__)

/* ---- events ------------------------------------------------------------- */

/* Hand queued events to the driver's eventq buffers.  Locked. */
static void ev_flush(struct vm_dev *d)
{
	struct vhu_vq *vq = dq(d, EVENTQ);
	bool pushed = false;
	struct vhu_elem *e;
	int err;

	if (!vhu_vq_live(vq))
		return;
	while (d->ev_head) {
		struct vm_event *ev = d->ev_head;
		size_t n;

		e = vhu_vq_pop(vq, &err);
		if (!e)
			break;
		if (!e->in_len) {
			/* not writable: give it back, the event waits */
			vhu_vq_push(vq, e, 0);
			vhu_elem_free(e);
			pushed = true;
			continue;
		}
		n = vhu_iov_from_buf(e->in_sg, e->in_num, 0, ev->data, ev->len);
		if (n < ev->len)
			dbg(d, "event of %zu bytes truncated to a %zu byte buffer",
			    ev->len, n);
		vhu_vq_push(vq, e, n);
		vhu_elem_free(e);
		pushed = true;
		d->ev_head = ev->next;
		if (!d->ev_head)
			d->ev_tail = &d->ev_head;
		d->ev_cnt--;
		free(ev);
	}
	if (pushed)
		vhu_vq_notify(vq);
}

static void ev_queue(struct vm_dev *d, const void *data, size_t len)
{
	struct vm_event *ev;

	if (d->silent)
		return;
	ev = malloc(sizeof(*ev) + len);
	if (!ev) {
		vhu_err(&d->vdev.log, "out of memory: event lost");
		return;
	}
	ev->next = NULL;
	ev->len = len;
	memcpy(ev->data, data, len);
	*d->ev_tail = ev;
	d->ev_tail = &ev->next;
	d->ev_cnt++;
	d->st_events++;
}

static bool fault_take(struct vm_dev *d, enum vm_fault f)
{
	if (!d->fault_left[f])
		return false;
	d->fault_left[f]--;
	d->st_faults++;
	dbg(d, "fault %s fires", fault_names[f]);
	return true;
}

/*
 * Send an event (after the armed faults had their way with it).
 * @out_data: an output resource answer with a frame in a resource of
 * @res_size bytes.
 */
static void ev_emit(struct vm_dev *d, struct vm_stream *s, const void *data,
		    size_t len, bool out_data, uint64_t res_size)
{
	uint8_t ev[EV_MAX];
	uint32_t type = rd32(data), flags = rd32((const uint8_t *)data + 12);
	bool answer = !(flags & VIRTIO_VIDEO_EVENT_FLAG_STANDALONE);
	bool res_answer = answer && type == VIRTIO_VIDEO_CMD_STREAM_RESOURCE_QUEUE &&
			  len == sizeof(struct virtio_video_resource_queue_async_resp);

	if (len > sizeof(ev))
		len = sizeof(ev);
	memcpy(ev, data, len);
	if (s)
		s->events++;
	if (res_answer && fault_take(d, VM_FAULT_UNSOLICITED)) {
		struct virtio_video_resource_queue_async_resp u = { 0 };

		memcpy(&u, ev, sizeof(u.hdr));
		u.hdr.async_response_cookie = 0;
		u.hdr.event_flags = htole32(VIRTIO_VIDEO_EVENT_FLAG_STANDALONE);
		ev_queue(d, &u, sizeof(u));
	}
	if (answer && fault_take(d, VM_FAULT_SHORT_EVENT))
		ev_queue(d, ev, 8);
	if (answer && fault_take(d, VM_FAULT_BAD_COOKIE)) {
		uint8_t c[EV_MAX];

		memcpy(c, ev, len);
		wr32(c + 8, VM_BAD_COOKIE);
		ev_queue(d, c, len);
	}
	if (answer && fault_take(d, VM_FAULT_BAD_STREAM)) {
		uint8_t c[EV_MAX];

		memcpy(c, ev, len);
		wr32(c + 4, d->o.max_streams + 1);
		ev_queue(d, c, len);
	}
	if (fault_take(d, VM_FAULT_BAD_FLAGS))
		wr32(ev + 12, flags | 0xf0);
	if (out_data && fault_take(d, VM_FAULT_BAD_SIZES)) {
		uint64_t big = res_size + VM_PAGE_SIZE;

		wr32(ev + offsetof(struct virtio_video_resource_queue_async_resp, data_sizes),
		     big > UINT32_MAX ? UINT32_MAX : big);
	}
	if (type == VIRTIO_VIDEO_CMD_STREAM_SET_PARAMS &&
	    !(flags & VIRTIO_VIDEO_EVENT_FLAG_ERROR) && len >= 16 + 8 &&
	    fault_take(d, VM_FAULT_BAD_PARAMS))
		/* the container runs 4 bytes past the end of the event */
		wr32(ev + 16 + 4, len - 16 - 8 + 4);
	ev_queue(d, ev, len);
	if (res_answer && fault_take(d, VM_FAULT_DUP_ANSWER))
		ev_queue(d, ev, len);
	ev_flush(d);
}

static void ev_hdr(struct virtio_video_event_header *h, uint32_t type, uint32_t sid,
		   uint32_t cookie, uint32_t flags)
{
	h->event_type = htole32(type);
	h->stream_id = htole32(sid);
	h->async_response_cookie = htole32(cookie);
	h->event_flags = htole32(flags);
}

/* Answer a resource: timestamp echoed (input) or the frame's (output). */
static void res_answer(struct vm_dev *d, struct vm_stream *s, uint32_t cookie,
		       uint32_t ev_flags, uint32_t flags, uint64_t ts,
		       const struct vd_layout *l, uint64_t res_size)
{
	struct virtio_video_resource_queue_async_resp r = { 0 };

	ev_hdr(&r.hdr, VIRTIO_VIDEO_CMD_STREAM_RESOURCE_QUEUE, s->id, cookie, ev_flags);
	r.flags = htole32(flags);
	r.timestamp = htole64(ts);
	if (l) {
		r.offsets[0] = htole32(l->offset[0]);
		r.offsets[1] = htole32(l->offset[1]);
		r.data_sizes[0] = htole32(l->size[0]);
		r.data_sizes[1] = htole32(l->size[1]);
	}
	if (ev_flags & VIRTIO_VIDEO_EVENT_FLAG_ERROR) {
		s->errors++;
		d->st_errors++;
	}
	if (ev_flags & VIRTIO_VIDEO_EVENT_FLAG_CANCELED) {
		s->canceled++;
		d->st_canceled++;
	}
	ev_emit(d, s, &r, sizeof(r), l && !ev_flags, res_size);
}

static void answer(struct vm_dev *d, struct vm_stream *s, uint32_t type,
		   uint32_t sid, uint32_t cookie, uint32_t flags)
{
	struct virtio_video_event_header h;

	if (type == VIRTIO_VIDEO_CMD_STREAM_RESOURCE_QUEUE && s) {
		res_answer(d, s, cookie, flags, 0, 0, NULL, 0);
		return;
	}
	if (type == VIRTIO_VIDEO_CMD_STREAM_RESOURCE_QUEUE) {
		struct virtio_video_resource_queue_async_resp r = { 0 };

		ev_hdr(&r.hdr, type, sid, cookie, flags);
		d->st_errors++;
		ev_emit(d, NULL, &r, sizeof(r), false, 0);
		return;
	}
	ev_hdr(&h, type, sid, cookie, flags);
	if (flags & VIRTIO_VIDEO_EVENT_FLAG_ERROR) {
		d->st_errors++;
		if (s)
			s->errors++;
	}
	if (flags & VIRTIO_VIDEO_EVENT_FLAG_CANCELED) {
		d->st_canceled++;
		if (s)
			s->canceled++;
	}
	ev_emit(d, s, &h, sizeof(h), false, 0);
}

/* ---- parameters ---------------------------------------------------------- */

static void res_detach(struct vm_res *r)
{
	free(r->ents);
	r->ents = NULL;
	r->nents = 0;
	r->size = 0;
	r->attached = false;
}

static void put_raw_format(struct vm_tlvw *w, const struct vm_stream *s)
{
	struct virtio_video_raw_format f = {
		.planes_layout = htole32(VIRTIO_VIDEO_PLANES_LAYOUT_SINGLE_BUFFER),
		.fourcc = htole32(VM_FOURCC_NV12),
		.modifier = 0,
		.width = htole32(s->raw.width),
		.height = htole32(s->raw.height),
		.stride_align = htole32(s->raw.stride_align),
		.height_align = htole32(s->raw.height_align),
		.plane_align = htole32(s->raw.plane_align),
	};
	void *p = vm_tlv_put(w, VIRTIO_VIDEO_TLV_RAW_FORMAT, sizeof(f));

	if (p)
		memcpy(p, &f, sizeof(f));
}

static void put_u32(struct vm_tlvw *w, uint32_t type, uint32_t v)
{
	void *p = vm_tlv_put(w, type, 4);

	if (p)
		wr32(p, v);
}

static void put_crop(struct vm_tlvw *w, const struct vm_stream *s)
{
	struct virtio_video_crop c = {
		.width = htole32(s->crop_w), .height = htole32(s->crop_h),
	};
	void *p = vm_tlv_put(w, VIRTIO_VIDEO_TLV_CROP, sizeof(c));

	if (p)
		memcpy(p, &c, sizeof(c));
}

/* The 8-byte form of RESOURCE_GUEST_PAGES, one per attached resource. */
static void put_attached(struct vm_tlvw *w, const struct vm_stream *s, int q)
{
	unsigned int i;

	for (i = 0; i < s->num_res[q]; i++) {
		uint8_t *p;

		if (!s->res[q][i].attached)
			continue;
		p = vm_tlv_put(w, VIRTIO_VIDEO_TLV_RESOURCE_GUEST_PAGES, 8);
		if (p)
			wr32(p, i);
	}
}

enum { P_FORMAT = 1, P_RESOURCES = 2, P_PAGES = 4, P_CROP = 8, P_ALL = 15 };

/* Send a SET_PARAMS/GET_PARAMS answer or a DPC with queue @q's values. */
static void params_event(struct vm_stream *s, uint32_t type, uint32_t cookie,
			 uint32_t flags, int q, unsigned int what, uint32_t num_override)
{
	uint8_t ev[EV_MAX];
	struct virtio_video_event_header h;
	struct vm_tlvw w;
	size_t set;

	ev_hdr(&h, type, s->id, cookie, flags);
	memcpy(ev, &h, sizeof(h));
	vm_tlvw_init(&w, ev + sizeof(h), sizeof(ev) - sizeof(h));
	set = vm_tlv_open(&w, q == Q_IN ? VIRTIO_VIDEO_TLV_CODED_SET :
				     VIRTIO_VIDEO_TLV_RAW_SET);
	if (what & P_FORMAT) {
		if (q == Q_IN)
			put_u32(&w, VIRTIO_VIDEO_TLV_CODED_FORMAT, s->coded_format);
		else
			put_raw_format(&w, s);
	}
	if (what & P_RESOURCES)
		put_u32(&w, q == Q_IN ? VIRTIO_VIDEO_TLV_CODED_RESOURCES :
			VIRTIO_VIDEO_TLV_RAW_RESOURCES,
			num_override ? num_override : s->num_res[q]);
	if (what & P_PAGES)
		put_attached(&w, s, q);
	if ((what & P_CROP) && q == Q_OUT)
		put_crop(&w, s);
	vm_tlv_close(&w, set);
	if (w.overflow) {
		vhu_err(&s->d->vdev.log, "stream %u: parameters do not fit an event", s->id);
		answer(s->d, s, type, s->id, cookie, VIRTIO_VIDEO_EVENT_FLAG_ERROR);
		return;
	}
	ev_emit(s->d, s, ev, sizeof(h) + w.len, false, 0);
}

static uint32_t pow2_adjust(uint32_t a)
{
	uint32_t p = 1;

	while (p < a && p < 256)
		p <<= 1;
	return p;
}

static uint32_t dim_adjust(uint32_t v)
{
	v &= ~1u;
	return v < VM_MIN_DIM ? VM_MIN_DIM : v > VM_MAX_DIM ? VM_MAX_DIM : v;
}

/*
 * Take the driver's RAW_FORMAT, adjusted: NV12 single buffer, alignments
 * powers of two up to 256, and the decoded size once the stream has one.
 */
static void raw_adjust(struct vm_stream *s, const struct virtio_video_raw_format *f)
{
	s->raw.stride_align = pow2_adjust(le32toh(f->stride_align));
	s->raw.height_align = pow2_adjust(le32toh(f->height_align));
	s->raw.plane_align = pow2_adjust(le32toh(f->plane_align));
	if (s->dpc_sent)
		return;
	s->raw.width = dim_adjust(le32toh(f->width));
	s->raw.height = dim_adjust(le32toh(f->height));
	s->crop_w = s->raw.width;
	s->crop_h = s->raw.height;
}

static int fail(const char **why, const char *what)
{
	*why = what;
	return -1;
}

/* Check one resource's backing and collect it; 0 or -1 with @why. */
static int backing_get(struct vm_dev *d, int q, const struct vm_guest_pages *gp,
		       struct vm_ent **out, uint64_t *size, const char **why)
{
	bool contig = !neg(d, VIRTIO_VIDEO_F_RESOURCE_NON_CONTIG);
	struct vm_ent *ents;
	uint64_t total = 0;
	unsigned int i;

	for (i = 1; i < VIRTIO_VIDEO_MAX_PLANES; i++)
		if (gp->num_entries[i])
			return fail(why, "backing for a second plane buffer (single buffer only)");
	ents = calloc(gp->total, sizeof(*ents));
	if (!ents)
		return fail(why, "out of memory");
	for (i = 0; i < gp->total; i++) {
		vm_guest_page(gp, i, &ents[i].gpa, &ents[i].len);
		total += ents[i].len;
		if (!vhu_gpa_to_va(&d->vdev.mem, ents[i].gpa, ents[i].len)) {
			free(ents);
			return fail(why, "guest pages outside guest memory");
		}
		if (contig && i && ents[i - 1].gpa + ents[i - 1].len != ents[i].gpa) {
			free(ents);
			return fail(why, "non-contiguous backing without RESOURCE_NON_CONTIG");
		}
	}
	if (total > (q == Q_IN ? VM_CODED_MAX_SIZE : VM_RAW_MAX_SIZE) ||
	    (q == Q_IN && total < VM_CODED_MIN_SIZE)) {
		free(ents);
		return fail(why, "resource size outside the caps");
	}
	*out = ents;
	*size = total;
	return 0;
}

static void cancel_outputs(struct vm_stream *s);

/* STREAM_SET_PARAMS, on mainq at once or on inputq in order.  Locked. */
static void set_params(struct vm_stream *s, uint32_t cookie, const uint8_t *body,
		       size_t len)
{
	struct vm_dev *d = s->d;
	struct vm_ent *ents[VM_MAX_RESOURCES] = { 0 };
	uint64_t sizes[VM_MAX_RESOURCES];
	const char *why = NULL;
	struct vm_params *p;
	unsigned int i, what = 0, num;
	int q, ret = -1;

	p = malloc(sizeof(*p));
	if (!p) {
		answer(d, s, VIRTIO_VIDEO_CMD_STREAM_SET_PARAMS, s->id, cookie,
		       VIRTIO_VIDEO_EVENT_FLAG_ERROR);
		return;
	}
	if (vm_params_parse(body, len, p, &why))
		goto out;
	q = p->set_type == VIRTIO_VIDEO_TLV_CODED_SET ? Q_IN : Q_OUT;
	num = p->has_resources ? p->num_resources : s->num_res[q];
	if (q == Q_IN && p->has_format && !vd_codec_name(p->coded_format)) {
		why = "coded format not offered";
		goto out;
	}
	for (i = 0; i < p->num_pages; i++) {
		const struct vm_guest_pages *gp = &p->pages[i];

		if (gp->resource_id >= num) {
			why = "backing for a resource id >= num_resources";
			goto out;
		}
		if (!p->has_resources && q == Q_OUT && s->res[q][gp->resource_id].queued) {
			why = "backing of a queued output resource replaced";
			goto out;
		}
		if (backing_get(d, q, gp, &ents[i], &sizes[i], &why))
			goto out;
	}
	/* all checked: apply */
	if (p->has_format) {
		what |= P_FORMAT;
		if (q == Q_IN)
			s->coded_format = p->coded_format;
		else
			raw_adjust(s, &p->raw_format);
	}
	if (p->has_resources) {
		what |= P_RESOURCES | P_PAGES;
		if (q == Q_OUT)
			cancel_outputs(s);
		for (i = 0; i < VM_MAX_RESOURCES; i++)
			res_detach(&s->res[q][i]);
		s->num_res[q] = num;
	}
	for (i = 0; i < p->num_pages; i++) {
		struct vm_res *r = &s->res[q][p->pages[i].resource_id];

		res_detach(r);
		r->ents = ents[i];
		r->nents = p->pages[i].total;
		r->size = sizes[i];
		r->attached = true;
		ents[i] = NULL;
		what |= P_PAGES;
	}
	if (p->has_crop)
		what |= P_CROP;
	ret = 0;
out:
	for (i = 0; i < VM_MAX_RESOURCES; i++)
		free(ents[i]);
	if (ret) {
		dbg(d, "stream %u: SET_PARAMS refused: %s", s->id, why);
		answer(d, s, VIRTIO_VIDEO_CMD_STREAM_SET_PARAMS, s->id, cookie,
		       VIRTIO_VIDEO_EVENT_FLAG_ERROR);
	} else {
		params_event(s, VIRTIO_VIDEO_CMD_STREAM_SET_PARAMS, cookie, 0, q, what, 0);
	}
	free(p);
}

/* GET_PARAMS body: an empty CODED_SET or RAW_SET; the queue or -1. */
static int get_params_queue(const uint8_t *body, size_t len)
{
	uint32_t type;

	if (len != sizeof(struct virtio_video_tlv) || rd32(body + 4))
		return -1;
	type = rd32(body);
	if (type == VIRTIO_VIDEO_TLV_CODED_SET)
		return Q_IN;
	if (type == VIRTIO_VIDEO_TLV_RAW_SET)
		return Q_OUT;
	return -1;
}

static void get_params(struct vm_stream *s, uint32_t cookie, int q)
{
	params_event(s, VIRTIO_VIDEO_CMD_STREAM_GET_PARAMS, cookie, 0, q, P_ALL, 0);
}

/* ---- output ------------------------------------------------------------- */

static void item_free(struct vm_item *it)
{
	if (it->frame)
		av_frame_free(&it->frame);
	free(it);
}

static void pipe_add(struct vm_stream *s, struct vm_item *it)
{
	it->next = NULL;
	*s->pipe_tail = it;
	s->pipe_tail = &it->next;
	if (it->kind == IT_FRAME)
		s->pipe_frames++;
}

static struct vm_item *pipe_pop(struct vm_stream *s)
{
	struct vm_item *it = s->pipe;

	if (!it)
		return NULL;
	s->pipe = it->next;
	if (!s->pipe)
		s->pipe_tail = &s->pipe;
	if (it->kind == IT_FRAME) {
		s->pipe_frames--;
		pthread_cond_signal(&s->cond);
	}
	return it;
}

static bool outq_take(struct vm_stream *s, struct vm_res **r)
{
	uint32_t id;

	if (!s->outq_cnt)
		return false;
	id = s->outq[s->outq_head];
	s->outq_head = (s->outq_head + 1) % VM_MAX_RESOURCES;
	s->outq_cnt--;
	*r = &s->res[Q_OUT][id];
	(*r)->queued = false;
	return true;
}

/* Write @f into output resource @r.  0, or -1 (the answer is ERROR). */
static int fill(struct vm_stream *s, struct vm_res *r, const AVFrame *f,
		struct vd_layout *l)
{
	struct vd_seg *segs;
	unsigned int i;
	int ret = -1;

	vd_layout(l, s->raw.width, s->raw.height, s->raw.stride_align,
		  s->raw.height_align, s->raw.plane_align);
	if (!r->attached || l->total > r->size)
		return -1;
	segs = calloc(r->nents, sizeof(*segs));
	if (!segs)
		return -1;
	for (i = 0; i < r->nents; i++) {
		segs[i].p = vhu_gpa_to_va(&s->d->vdev.mem, r->ents[i].gpa, r->ents[i].len);
		segs[i].len = r->ents[i].len;
		if (!segs[i].p)
			goto out;
	}
	ret = vd_frame_to_nv12(f, l, segs, r->nents);
out:
	free(segs);
	return ret;
}

static bool last_buffer(const struct vm_stream *s)
{
	return neg(s->d, VIRTIO_VIDEO_F_V4L2_COMPATIBLE_LAST_BUFFER);
}

/* Move the output pipeline forward as far as possible.  Locked. */
static void deliver(struct vm_stream *s)
{
	struct vm_dev *d = s->d;
	struct vm_item *it;
	struct vm_res *r;

	while (s->open && (it = s->pipe)) {
		switch (it->kind) {
		case IT_FRAME: {
			struct vd_layout l;
			uint64_t t0;
			int err;

			if (s->blocked || !outq_take(s, &r))
				return;
			t0 = vm_now_ns();
			err = fill(s, r, it->frame, &l);
			d->st_fill_ns += vm_now_ns() - t0;
			if (err) {
				dbg(d, "stream %u: frame does not fit output resource %td",
				    s->id, r - s->res[Q_OUT]);
				res_answer(d, s, r->cookie, VIRTIO_VIDEO_EVENT_FLAG_ERROR, 0,
					   it->timestamp, NULL, 0);
			} else {
				s->frames++;
				d->st_frames++;
				res_answer(d, s, r->cookie, 0,
					   it->key ? VIRTIO_VIDEO_QUEUE_FLAG_KEY_FRAME : 0,
					   it->timestamp, &l, r->size);
			}
			break;
		}
		case IT_DPC:
			if (!s->blocked && s->unblocked_once && last_buffer(s)) {
				if (!outq_take(s, &r))
					return;
				res_answer(d, s, r->cookie, 0,
					   VIRTIO_VIDEO_QUEUE_FLAG_V4L2_DPC_LAST, 0, NULL, 0);
			}
			s->raw.width = it->width;
			s->raw.height = it->height;
			s->crop_w = it->crop_w;
			s->crop_h = it->crop_h;
			s->blocked = true;
			s->dpc_sent = true;
			dbg(d, "stream %u: DPC %ux%u (visible %ux%u)", s->id, it->width,
			    it->height, it->crop_w, it->crop_h);
			params_event(s, VIRTIO_VIDEO_CMD_STREAM_SET_PARAMS, 0,
				     VIRTIO_VIDEO_EVENT_FLAG_STANDALONE |
				     VIRTIO_VIDEO_EVENT_FLAG_BLOCKED,
				     Q_OUT, P_FORMAT | P_RESOURCES | P_CROP,
				     VM_MIN_OUTPUT_BUFFERS);
			break;
		case IT_DRAIN_LAST:
			if (s->blocked || !outq_take(s, &r))
				return;
			res_answer(d, s, r->cookie, 0, VIRTIO_VIDEO_QUEUE_FLAG_V4L2_DRAIN_LAST,
				   0, NULL, 0);
			break;
		case IT_DRAIN_DONE:
			answer(d, s, VIRTIO_VIDEO_CMD_STREAM_DRAIN, s->id, it->cookie, 0);
			break;
		}
		item_free(pipe_pop(s));
	}
}

static void cancel_outputs(struct vm_stream *s)
{
	struct vm_res *r;

	while (outq_take(s, &r))
		res_answer(s->d, s, r->cookie, VIRTIO_VIDEO_EVENT_FLAG_CANCELED, 0, 0,
			   NULL, 0);
}

/* ---- input -------------------------------------------------------------- */

/* Copy @len bytes at @off of input resource @r; 0 or -1. */
static int res_read(struct vm_dev *d, const struct vm_res *r, uint64_t off,
		    uint8_t *dst, size_t len)
{
	uint64_t base = 0;
	unsigned int i;

	for (i = 0; i < r->nents && len; i++) {
		const struct vm_ent *e = &r->ents[i];
		uint64_t in, k;
		uint8_t *src;

		if (off >= base + e->len) {
			base += e->len;
			continue;
		}
		in = off - base;
		k = e->len - in < len ? e->len - in : len;
		src = vhu_gpa_to_va(&d->vdev.mem, e->gpa + in, k);
		if (!src)
			return -1;
		memcpy(dst, src, k);
		dst += k;
		off += k;
		len -= k;
		base += e->len;
	}
	return len ? -1 : 0;
}

static void op_add(struct vm_stream *s, struct vm_op *op)
{
	op->next = NULL;
	*s->ops_tail = op;
	s->ops_tail = &op->next;
	s->busy = true;
	pthread_cond_signal(&s->cond);
}

static struct vm_op *op_new(enum vm_op_kind kind, uint32_t cookie, size_t len)
{
	struct vm_op *op = calloc(1, sizeof(*op) + len);

	if (op) {
		op->kind = kind;
		op->cookie = cookie;
		op->len = len;
	}
	return op;
}

static const uint32_t op_cmd[] = {
	[OP_INPUT] = VIRTIO_VIDEO_CMD_STREAM_RESOURCE_QUEUE,
	[OP_DRAIN] = VIRTIO_VIDEO_CMD_STREAM_DRAIN,
	[OP_SET_PARAMS] = VIRTIO_VIDEO_CMD_STREAM_SET_PARAMS,
	[OP_GET_PARAMS] = VIRTIO_VIDEO_CMD_STREAM_GET_PARAMS,
};

static void op_cancel(struct vm_stream *s, struct vm_op *op)
{
	if (op->kind == OP_INPUT) {
		s->res[Q_IN][op->resource_id].queued = false;
		res_answer(s->d, s, op->cookie, VIRTIO_VIDEO_EVENT_FLAG_CANCELED, 0,
			   op->timestamp, NULL, 0);
	} else {
		answer(s->d, s, op_cmd[op->kind], s->id, op->cookie,
		       VIRTIO_VIDEO_EVENT_FLAG_CANCELED);
	}
}

/*
 * QUEUE_RESET(INPUT): every input command CANCELED, decoded frames not yet
 * delivered dropped; the worker flushes the decoder before it takes new
 * input (in_gen).  Locked.
 */
static void reset_input(struct vm_stream *s)
{
	struct vm_op *op;
	struct vm_item *it;

	s->in_gen++;
	while ((op = s->ops)) {
		s->ops = op->next;
		op_cancel(s, op);
		free(op);
	}
	s->ops_tail = &s->ops;
	if (s->cur && !s->cur->dead) {
		op_cancel(s, s->cur);
		s->cur->dead = true;
	}
	while ((it = pipe_pop(s))) {
		if (it->kind == IT_DRAIN_DONE)
			answer(s->d, s, VIRTIO_VIDEO_CMD_STREAM_DRAIN, s->id, it->cookie,
			       VIRTIO_VIDEO_EVENT_FLAG_CANCELED);
		item_free(it);
	}
	/* what the pipeline would announce is again what was announced */
	s->tail_known = s->dpc_sent;
	s->tail_w = s->raw.width;
	s->tail_h = s->raw.height;
	s->tail_cw = s->crop_w;
	s->tail_ch = s->crop_h;
	s->busy = true;		/* until the worker has flushed */
	pthread_cond_signal(&s->cond);
}

/* ---- the stream worker ---------------------------------------------------- */

struct frame_list {
	struct vm_item *head, **tail;
};

static void collect(void *opaque, AVFrame *f, uint64_t ts, bool key)
{
	struct frame_list *fl = opaque;
	struct vm_item *it = calloc(1, sizeof(*it));

	if (!it) {
		av_frame_free(&f);
		return;
	}
	it->kind = IT_FRAME;
	it->frame = f;
	it->timestamp = ts;
	it->key = key;
	*fl->tail = it;
	fl->tail = &it->next;
}

/* Append decoded frames, each new picture size preceded by a DPC.  Locked. */
static void pipe_frames(struct vm_stream *s, struct frame_list *fl)
{
	struct vm_item *it, *next;

	for (it = fl->head; it; it = next) {
		uint32_t cw = it->frame->width, ch = it->frame->height;
		uint32_t w = (cw + 1) & ~1u, h = (ch + 1) & ~1u;

		next = it->next;
		s->decoded++;
		s->d->st_decoded++;
		if (!s->tail_known || w != s->tail_w || h != s->tail_h ||
		    cw != s->tail_cw || ch != s->tail_ch) {
			struct vm_item *dpc = calloc(1, sizeof(*dpc));

			if (dpc) {
				dpc->kind = IT_DPC;
				dpc->width = w;
				dpc->height = h;
				dpc->crop_w = cw;
				dpc->crop_h = ch;
				pipe_add(s, dpc);
			}
			s->tail_known = true;
			s->tail_w = w;
			s->tail_h = h;
			s->tail_cw = cw;
			s->tail_ch = ch;
		}
		pipe_add(s, it);
	}
	fl->head = NULL;
	fl->tail = &fl->head;
}

static void frames_free(struct frame_list *fl)
{
	struct vm_item *it, *next;

	for (it = fl->head; it; it = next) {
		next = it->next;
		item_free(it);
	}
	fl->head = NULL;
	fl->tail = &fl->head;
}

static void wake_main(struct vm_dev *d)
{
	uint64_t one = 1;

	if (write(d->wake_fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		vhu_err(&d->vdev.log, "wake eventfd: %s", strerror(errno));
}

/* Decode one input or drain op; called and returns locked. */
static void work(struct vm_stream *s, struct vm_op *op)
{
	struct vm_dev *d = s->d;
	struct frame_list fl = { NULL, &fl.head };
	struct vd_dec *dec;
	unsigned int gen;
	uint64_t t0;

	if (!s->dec || s->dec_format != s->coded_format) {
		uint32_t fmt = s->coded_format;

		dec = s->dec;
		s->dec = NULL;
		pthread_mutex_unlock(&d->lock);
		vd_dec_close(dec);
		if (vd_dec_open(&dec, fmt, d->o.threads))
			dec = NULL;
		pthread_mutex_lock(&d->lock);
		if (!dec)
			vhu_err(&d->vdev.log, "stream %u: cannot open the %s decoder",
				s->id, vd_codec_name(fmt));
		s->dec = dec;
		s->dec_format = fmt;
		s->dec_gen = s->in_gen;
	}
	dec = s->dec;
	s->cur = op;
	gen = s->in_gen;
	pthread_mutex_unlock(&d->lock);
	t0 = vm_now_ns();
	if (dec && op->kind == OP_INPUT)
		vd_dec_feed(dec, op->data, op->len, op->timestamp, collect, &fl);
	else if (dec)
		vd_dec_drain(dec, collect, &fl);
	t0 = vm_now_ns() - t0;
	pthread_mutex_lock(&d->lock);
	d->st_decode_ns += t0;
	s->cur = NULL;
	if (op->dead || gen != s->in_gen || s->quit) {
		frames_free(&fl);
		return;
	}
	pipe_frames(s, &fl);
	if (op->kind == OP_INPUT) {
		s->res[Q_IN][op->resource_id].queued = false;
		res_answer(d, s, op->cookie, dec ? 0 : VIRTIO_VIDEO_EVENT_FLAG_ERROR, 0,
			   op->timestamp, NULL, 0);
	} else {
		struct vm_item *it;

		/* a stream without an output format has no buffer for LAST */
		if (last_buffer(s) && s->tail_known) {
			it = calloc(1, sizeof(*it));
			if (it) {
				it->kind = IT_DRAIN_LAST;
				pipe_add(s, it);
			}
		}
		it = calloc(1, sizeof(*it));
		if (it) {
			it->kind = IT_DRAIN_DONE;
			it->cookie = op->cookie;
			pipe_add(s, it);
		} else {
			answer(d, s, VIRTIO_VIDEO_CMD_STREAM_DRAIN, s->id, op->cookie,
			       VIRTIO_VIDEO_EVENT_FLAG_ERROR);
		}
	}
	s->deliver_due = true;
	wake_main(d);
}

static void *worker(void *arg)
{
	struct vm_stream *s = arg;
	struct vm_dev *d = s->d;
	struct vd_dec *dec;
	struct vm_op *op;

	pthread_mutex_lock(&d->lock);
	while (!s->quit) {
		if (s->dec_gen != s->in_gen) {
			unsigned int gen = s->in_gen;

			dec = s->dec;
			pthread_mutex_unlock(&d->lock);
			if (dec)
				vd_dec_reset(dec);
			pthread_mutex_lock(&d->lock);
			s->dec_gen = gen;
			continue;
		}
		op = s->ops;
		if (op && (op->kind == OP_INPUT || op->kind == OP_DRAIN) &&
		    s->pipe_frames >= PIPE_LIMIT)
			op = NULL;	/* wait for the driver's output buffers */
		if (!op) {
			/* input waiting means the output side holds it back */
			uint64_t *waited = s->ops ? &d->st_wait_out_ns : &d->st_wait_in_ns;
			uint64_t t0 = vm_now_ns();

			if (s->busy) {
				s->busy = false;
				wake_main(d);
			}
			pthread_cond_wait(&s->cond, &d->lock);
			*waited += vm_now_ns() - t0;
			continue;
		}
		s->busy = true;
		s->ops = op->next;
		if (!s->ops)
			s->ops_tail = &s->ops;
		switch (op->kind) {
		case OP_SET_PARAMS:
			set_params(s, op->cookie, op->data, op->len);
			break;
		case OP_GET_PARAMS:
			get_params(s, op->cookie, get_params_queue(op->data, op->len));
			break;
		default:
			work(s, op);
			break;
		}
		free(op);
	}
	dec = s->dec;
	s->dec = NULL;
	pthread_mutex_unlock(&d->lock);
	vd_dec_close(dec);
	return NULL;
}

/* ---- streams ------------------------------------------------------------ */

static void stream_defaults(struct vm_stream *s)
{
	s->quit = false;
	s->coded_format = VIRTIO_VIDEO_CODED_FORMAT_H264;
	s->raw = (struct vm_raw){ 320, 240, 1, 1, 1 };
	s->crop_w = 320;
	s->crop_h = 240;
	s->num_res[Q_IN] = 0;
	s->num_res[Q_OUT] = 0;
	s->ops = NULL;
	s->ops_tail = &s->ops;
	s->cur = NULL;
	s->in_gen = 0;
	s->dec_gen = 0;
	s->busy = false;
	s->deliver_due = false;
	s->outq_head = 0;
	s->outq_cnt = 0;
	s->pipe = NULL;
	s->pipe_tail = &s->pipe;
	s->pipe_frames = 0;
	s->blocked = false;
	s->unblocked_once = false;
	s->dpc_sent = false;
	s->tail_known = false;
	s->frames = 0;
	s->decoded = 0;
	s->errors = 0;
	s->events = 0;
	s->canceled = 0;
}

static int stream_open(struct vm_stream *s)
{
	int ret;

	stream_defaults(s);
	s->open = true;
	ret = pthread_create(&s->thread, NULL, worker, s);
	if (ret) {
		vhu_err(&s->d->vdev.log, "stream %u: no worker thread: %s", s->id,
			strerror(ret));
		s->open = false;
		return -1;
	}
	s->has_thread = true;
	return 0;
}

/*
 * Cancel everything (answered CANCELED unless @answer is false), stop the
 * worker, free the stream.  Called and returns locked; the lock is
 * dropped while the worker ends.
 */
static void stream_close(struct vm_stream *s, bool answer_all)
{
	struct vm_dev *d = s->d;
	bool silent = d->silent;
	unsigned int q, i;

	if (!s->open)
		return;
	if (!answer_all)
		d->silent = true;
	reset_input(s);
	cancel_outputs(s);
	d->silent = silent;
	s->quit = true;
	pthread_cond_signal(&s->cond);
	if (s->has_thread) {
		pthread_mutex_unlock(&d->lock);
		pthread_join(s->thread, NULL);
		pthread_mutex_lock(&d->lock);
		s->has_thread = false;
	}
	/* the worker freed the op it had; reset_input() the others */
	for (q = 0; q < 2; q++)
		for (i = 0; i < VM_MAX_RESOURCES; i++) {
			res_detach(&s->res[q][i]);
			s->res[q][i].queued = false;
		}
	s->open = false;
	s->busy = false;
}

/* ---- commands ----------------------------------------------------------- */

static void query_caps(struct vm_dev *d, struct vhu_elem *e, size_t out_len)
{
	struct virtio_video_device_query_caps_resp r = { 0 };
	uint32_t used = 0;

	if (out_len != sizeof(struct virtio_video_device_query_caps)) {
		dbg(d, "QUERY_CAPS of %zu bytes", out_len);
		r.result = htole32(VIRTIO_VIDEO_RESULT_ERROR);
	} else if (e->in_len < d->caps_len) {
		dbg(d, "QUERY_CAPS buffer of %zu bytes, caps_length is %zu", e->in_len,
		    d->caps_len);
		r.result = htole32(VIRTIO_VIDEO_RESULT_ERROR);
	} else {
		used = vhu_iov_from_buf(e->in_sg, e->in_num, 0, d->caps, d->caps_len);
	}
	if (!used && e->in_len >= sizeof(r)) {
		d->st_errors++;
		used = vhu_iov_from_buf(e->in_sg, e->in_num, 0, &r, sizeof(r));
	}
	vhu_vq_push(dq(d, CMDQ), e, used);
}

static bool main_cmd(uint32_t type)
{
	return type == VIRTIO_VIDEO_CMD_STREAM_OPEN || type == VIRTIO_VIDEO_CMD_STREAM_CLOSE ||
	       type == VIRTIO_VIDEO_CMD_STREAM_UNBLOCK ||
	       type == VIRTIO_VIDEO_CMD_STREAM_QUEUE_RESET;
}

/* Expected size of a command, 0 if variable. */
static size_t cmd_size(uint32_t type)
{
	switch (type) {
	case VIRTIO_VIDEO_CMD_STREAM_OPEN:
		return sizeof(struct virtio_video_stream_open);
	case VIRTIO_VIDEO_CMD_STREAM_QUEUE_RESET:
		return sizeof(struct virtio_video_stream_queue_reset);
	case VIRTIO_VIDEO_CMD_STREAM_RESOURCE_QUEUE:
		return sizeof(struct virtio_video_resource_queue);
	case VIRTIO_VIDEO_CMD_STREAM_GET_PARAMS:
		return sizeof(struct virtio_video_stream_cmd_header) +
		       sizeof(struct virtio_video_tlv);
	case VIRTIO_VIDEO_CMD_STREAM_SET_PARAMS:
		return 0;
	default:
		return sizeof(struct virtio_video_stream_cmd_header);
	}
}

static void resource_queue(struct vm_stream *s, uint32_t qt, uint32_t cookie,
			   const uint8_t *b, const char **why)
{
	const struct virtio_video_resource_queue *rq = (const void *)b;
	uint32_t id = le32toh(rq->resource_id);
	int q = qt == VIRTIO_VIDEO_QUEUE_TYPE_INPUT ? Q_IN : Q_OUT;
	struct vm_res *r;

	if (id >= s->num_res[q] || !s->res[q][id].attached) {
		*why = "resource not attached";
		return;
	}
	r = &s->res[q][id];
	if (r->queued) {
		*why = "resource already queued";
		return;
	}
	if (q == Q_IN) {
		uint64_t off = le32toh(rq->offsets[0]), len = le32toh(rq->data_sizes[0]);
		struct vm_op *op;

		if (off + len > r->size) {
			*why = "data beyond the resource";
			return;
		}
		op = op_new(OP_INPUT, cookie, len);
		if (!op) {
			*why = "out of memory";
			return;
		}
		op->resource_id = id;
		op->timestamp = rd64(&rq->timestamp);
		if (res_read(s->d, r, off, op->data, len)) {
			free(op);
			*why = "resource backing not in guest memory";
			return;
		}
		r->queued = true;
		r->cookie = cookie;
		op_add(s, op);
		return;
	}
	r->queued = true;
	r->cookie = cookie;
	s->outq[(s->outq_head + s->outq_cnt) % VM_MAX_RESOURCES] = id;
	s->outq_cnt++;
	deliver(s);
}

/* A stream command; every outcome is an event.  Locked. */
static void stream_cmd(struct vm_dev *d, const uint8_t *b, size_t len, bool oversize)
{
	struct virtio_video_stream_cmd_header h = { 0 };
	uint32_t type, sid, qt, cookie;
	struct vm_stream *s = NULL;
	const char *why = NULL;
	struct vm_op *op;
	int q;

	memcpy(&h, b, len < sizeof(h) ? len : sizeof(h));
	type = le32toh(h.type);
	sid = le32toh(h.stream_id);
	qt = le32toh(h.queue_type);
	cookie = le32toh(h.async_response_cookie);
	d->st_commands++;
	if (sid < d->o.max_streams)
		s = &d->streams[sid];
	if (len < sizeof(h) || oversize)
		why = "command too short or too long";
	else if (type < VIRTIO_VIDEO_CMD_STREAM_OPEN ||
		 type > VIRTIO_VIDEO_CMD_STREAM_RESOURCE_QUEUE)
		why = "unknown command";
	else if (!s)
		why = "stream id >= max_streams";
	else if (cmd_size(type) && len != cmd_size(type))
		why = "wrong command size";
	else if (main_cmd(type) && qt != VIRTIO_VIDEO_QUEUE_TYPE_MAIN)
		why = "command belongs on mainq";
	else if (type == VIRTIO_VIDEO_CMD_STREAM_DRAIN && qt != VIRTIO_VIDEO_QUEUE_TYPE_INPUT)
		why = "DRAIN belongs on inputq";
	else if ((type == VIRTIO_VIDEO_CMD_STREAM_SET_PARAMS ||
		  type == VIRTIO_VIDEO_CMD_STREAM_GET_PARAMS) &&
		 qt != VIRTIO_VIDEO_QUEUE_TYPE_MAIN && qt != VIRTIO_VIDEO_QUEUE_TYPE_INPUT)
		why = "parameters belong on mainq or inputq";
	else if (type == VIRTIO_VIDEO_CMD_STREAM_RESOURCE_QUEUE &&
		 qt != VIRTIO_VIDEO_QUEUE_TYPE_INPUT && qt != VIRTIO_VIDEO_QUEUE_TYPE_OUTPUT)
		why = "RESOURCE_QUEUE belongs on inputq or outputq";
	else if (type == VIRTIO_VIDEO_CMD_STREAM_OPEN && s->open)
		why = "stream already open";
	else if (type != VIRTIO_VIDEO_CMD_STREAM_OPEN && !s->open)
		why = "stream not open";
	if (why)
		goto bad;

	b += sizeof(h);
	len -= sizeof(h);
	switch (type) {
	case VIRTIO_VIDEO_CMD_STREAM_OPEN:
		if (rd32(b) != VIRTIO_VIDEO_STREAM_TYPE_DECODER) {
			why = "not a decoder stream (the model only decodes)";
			break;
		}
		if (stream_open(s)) {
			why = "cannot start the stream";
			break;
		}
		answer(d, s, type, sid, cookie, 0);
		break;
	case VIRTIO_VIDEO_CMD_STREAM_CLOSE:
		stream_close(s, true);
		answer(d, s, type, sid, cookie, 0);
		break;
	case VIRTIO_VIDEO_CMD_STREAM_SET_PARAMS:
		if (qt == VIRTIO_VIDEO_QUEUE_TYPE_MAIN) {
			set_params(s, cookie, b, len);
			break;
		}
		op = op_new(OP_SET_PARAMS, cookie, len);
		if (!op) {
			why = "out of memory";
			break;
		}
		memcpy(op->data, b, len);
		op_add(s, op);
		break;
	case VIRTIO_VIDEO_CMD_STREAM_GET_PARAMS:
		q = get_params_queue(b, len);
		if (q < 0) {
			why = "GET_PARAMS without an empty CODED_SET or RAW_SET";
			break;
		}
		if (qt == VIRTIO_VIDEO_QUEUE_TYPE_MAIN) {
			get_params(s, cookie, q);
			break;
		}
		op = op_new(OP_GET_PARAMS, cookie, len);
		if (!op) {
			why = "out of memory";
			break;
		}
		memcpy(op->data, b, len);
		op_add(s, op);
		break;
	case VIRTIO_VIDEO_CMD_STREAM_UNBLOCK:
		if (!s->blocked) {
			why = "UNBLOCK while not blocked";
			break;
		}
		s->blocked = false;
		s->unblocked_once = true;
		answer(d, s, type, sid, cookie, 0);
		deliver(s);
		break;
	case VIRTIO_VIDEO_CMD_STREAM_DRAIN:
		op = op_new(OP_DRAIN, cookie, 0);
		if (!op) {
			why = "out of memory";
			break;
		}
		op_add(s, op);
		break;
	case VIRTIO_VIDEO_CMD_STREAM_QUEUE_RESET:
		switch (rd32(b)) {
		case VIRTIO_VIDEO_QUEUE_TYPE_INPUT:
			reset_input(s);
			break;
		case VIRTIO_VIDEO_QUEUE_TYPE_OUTPUT:
			cancel_outputs(s);
			break;
		default:
			why = "QUEUE_RESET of neither INPUT nor OUTPUT";
			break;
		}
		if (!why)
			answer(d, s, type, sid, cookie, 0);
		break;
	case VIRTIO_VIDEO_CMD_STREAM_RESOURCE_QUEUE:
		resource_queue(s, qt, cookie, b - sizeof(h), &why);
		break;
	}
	if (!why)
		return;
bad:
	dbg(d, "command 0x%x stream %u queue %u cookie %u: %s", type, sid, qt, cookie, why);
	answer(d, s && s->open ? s : NULL, type, sid, cookie, VIRTIO_VIDEO_EVENT_FLAG_ERROR);
}

static void cmdq_kick(struct vm_dev *d)
{
	struct vhu_vq *vq = dq(d, CMDQ);
	struct vhu_elem *e;
	uint8_t hdr[sizeof(struct virtio_video_stream_cmd_header)];
	int err;

	while ((e = vhu_vq_pop(vq, &err))) {
		size_t len = e->out_len;
		bool oversize = len > VM_MAX_CMD_SIZE;
		uint8_t *b = NULL;

		if (oversize)
			len = sizeof(hdr);
		b = len > sizeof(hdr) ? malloc(len) : hdr;
		if (!b) {
			b = hdr;
			len = sizeof(hdr);
			oversize = true;
		}
		len = vhu_iov_to_buf(e->out_sg, e->out_num, 0, b, len);
		if (len >= 4 && rd32(b) == VIRTIO_VIDEO_CMD_DEVICE_QUERY_CAPS) {
			query_caps(d, e, len);
			vhu_elem_free(e);
		} else {
			/* stream commands are answered on eventq */
			vhu_vq_push(vq, e, 0);
			vhu_elem_free(e);
			stream_cmd(d, b, len, oversize);
		}
		if (b != hdr)
			free(b);
	}
	vhu_vq_notify(vq);
}

/* ---- vhu callbacks and set-up ------------------------------------------- */

static void vm_kick(struct vhu_dev *vdev, unsigned int qidx)
{
	struct vm_dev *d = vhu_dev_priv(vdev);

	if (qidx == CMDQ)
		cmdq_kick(d);
	else
		ev_flush(d);
}

/* Device reset or stop: every stream closed without events. */
static void forget(struct vm_dev *d)
{
	struct vm_event *ev;
	unsigned int i;

	d->silent = true;
	for (i = 0; i < d->o.max_streams; i++)
		stream_close(&d->streams[i], false);
	while ((ev = d->ev_head)) {
		d->ev_head = ev->next;
		free(ev);
	}
	d->ev_tail = &d->ev_head;
	d->ev_cnt = 0;
	memset(d->fault_left, 0, sizeof(d->fault_left));
	d->silent = false;
}

static void vm_reset(struct vhu_dev *vdev)
{
	struct vm_dev *d = vhu_dev_priv(vdev);

	forget(d);
	d->st_resets++;
	dbg(d, "reset");
}

static void vm_started(struct vhu_dev *vdev)
{
	ev_flush(vhu_dev_priv(vdev));
}

static void vm_stopped(struct vhu_dev *vdev)
{
	struct vm_dev *d = vhu_dev_priv(vdev);

	forget(d);
	dbg(d, "stopped by the front-end");
}

static const struct vhu_dev_ops vm_ops = {
	.queue_kick = vm_kick,
	.reset = vm_reset,
	.started = vm_started,
	.stopped = vm_stopped,
};

#define VM_CODED_SET(f) \
	{ VIRTIO_VIDEO_CODED_FORMAT_##f, 1, VM_MAX_RESOURCES, \
	  VM_CODED_MIN_SIZE, VM_CODED_MAX_SIZE }

static const struct vm_coded_desc coded_sets[] = {
	VM_CODED_SET(H264),
	VM_CODED_SET(HEVC),
	VM_CODED_SET(VP8),
	VM_CODED_SET(VP9),
};

static const struct vm_raw_desc raw_sets[] = {
	{ VM_FOURCC_NV12, VM_MIN_DIM, VM_MAX_DIM, 2, VM_MIN_DIM, VM_MAX_DIM, 2, 1,
	  VM_MAX_RESOURCES },
};

static const uint64_t decoder_links[] = { 1, 1, 1, 1 };

/* The offset of the last top-level TLV of @tlvs (the LINK). */
static size_t last_tlv(const uint8_t *tlvs, size_t len)
{
	const uint8_t *p = tlvs;
	size_t left = len, last = 0;
	struct vm_tlv t;

	while (vm_tlv_next(&p, &left, &t) == 1)
		last = t.val - sizeof(struct virtio_video_tlv) - tlvs;
	return last;
}

/* QUERY_CAPS response and caps_length, with the --caps-fault applied. */
static int caps_setup(struct vm_dev *d)
{
	const struct vm_caps_desc desc = {
		coded_sets, 4, raw_sets, 1, decoder_links,
	};
	const size_t hdr = sizeof(struct virtio_video_device_query_caps_resp);
	uint8_t *tlvs = d->caps + hdr;
	size_t len = vm_caps_build(&desc, tlvs, sizeof(d->caps) - hdr - 16), at;

	if (!len)
		return -1;
	wr32(d->caps, VIRTIO_VIDEO_RESULT_OK);
	at = last_tlv(tlvs, len);
	switch (d->o.caps_fault) {
	case VM_CAPS_OK:
		break;
	case VM_CAPS_TRUNCATED:
		/* caps_length ends 4 bytes into the LINK's value */
		len -= 4;
		break;
	case VM_CAPS_BAD_LINK:
		/* one 64-bit word more than the coded sets need */
		wr32(tlvs + at + 4, rd32(tlvs + at + 4) + 8);
		memset(tlvs + len, 0, 8);
		len += 8;
		break;
	case VM_CAPS_NO_FORMAT: {
		/* the first CODED_SET loses its CODED_FORMAT (12 bytes) */
		size_t cf = sizeof(struct virtio_video_tlv), n = 12;

		memmove(tlvs + cf, tlvs + cf + n, len - cf - n);
		wr32(tlvs + 4, rd32(tlvs + 4) - n);
		len -= n;
		break;
	}
	case VM_CAPS_HUGE_LENGTH:
		wr32(tlvs + at + 4, 0x7ffffff0);
		break;
	}
	d->caps_len = hdr + len;
	return 0;
}

struct vhu_dev *vm_dev_vhu(struct vm_dev *d)
{
	return &d->vdev;
}

int vm_dev_wake_fd(struct vm_dev *d)
{
	return d->wake_fd;
}

void vm_dev_deliver(struct vm_dev *d)
{
	unsigned int i;

	pthread_mutex_lock(&d->lock);
	for (i = 0; i < d->o.max_streams; i++) {
		struct vm_stream *s = &d->streams[i];

		if (s->open && s->deliver_due) {
			s->deliver_due = false;
			deliver(s);
		}
	}
	pthread_mutex_unlock(&d->lock);
}

int vm_dev_poll(struct vm_dev *d)
{
	int ret;

	pthread_mutex_lock(&d->lock);
	ret = vhu_dev_poll(&d->vdev, 0);
	pthread_mutex_unlock(&d->lock);
	return ret;
}

bool vm_dev_idle(struct vm_dev *d)
{
	bool idle = true;
	unsigned int i;

	pthread_mutex_lock(&d->lock);
	if (d->ev_head)
		idle = false;
	for (i = 0; i < d->o.max_streams && idle; i++) {
		struct vm_stream *s = &d->streams[i];

		if (s->open && (s->busy || s->ops || s->cur || s->deliver_due))
			idle = false;
	}
	pthread_mutex_unlock(&d->lock);
	return idle;
}

int vm_dev_fault(struct vm_dev *d, enum vm_fault f, unsigned long n, const char **why)
{
	int ret = 0;

	pthread_mutex_lock(&d->lock);
	if (f == VM_FAULT_STREAM_ERROR) {
		struct vm_stream *s = n < d->o.max_streams ? &d->streams[n] : NULL;

		if (!s || !s->open) {
			*why = "no such open stream";
			ret = -1;
		} else {
			stream_close(s, true);
			d->st_faults++;
			answer(d, s, VIRTIO_VIDEO_CMD_STREAM_CLOSE, s->id, 0,
			       VIRTIO_VIDEO_EVENT_FLAG_ERROR | VIRTIO_VIDEO_EVENT_FLAG_STANDALONE);
		}
	} else if (f > VM_FAULT_NONE && f < VM_FAULT_NUM) {
		d->fault_left[f] += n;
	} else {
		*why = "unknown fault";
		ret = -1;
	}
	pthread_mutex_unlock(&d->lock);
	return ret;
}

size_t vm_dev_stats(struct vm_dev *d, char *buf, size_t size)
{
	unsigned int i, open = 0;
	size_t n;

	pthread_mutex_lock(&d->lock);
	for (i = 0; i < d->o.max_streams; i++)
		open += d->streams[i].open;
	n = snprintf(buf, size,
		     "events=%lu errors=%lu frames=%lu decoded=%lu canceled=%lu "
		     "commands=%lu faults=%lu resets=%lu events_waiting=%u "
		     "streams_open=%u features=0x%" PRIx64 " decode_us=%" PRIu64
		     " fill_us=%" PRIu64 " wait_input_us=%" PRIu64 " wait_output_us=%" PRIu64,
		     d->st_events, d->st_errors, d->st_frames, d->st_decoded, d->st_canceled,
		     d->st_commands, d->st_faults, d->st_resets, d->ev_cnt, open,
		     d->vdev.features & 0x3f, d->st_decode_ns / 1000, d->st_fill_ns / 1000,
		     d->st_wait_in_ns / 1000, d->st_wait_out_ns / 1000);
	for (i = 0; i < d->o.max_streams && n < size; i++) {
		struct vm_stream *s = &d->streams[i];

		if (!s->open)
			continue;
		n += snprintf(buf + n, size - n,
			      " s%u.frames=%lu s%u.decoded=%lu s%u.errors=%lu s%u.events=%lu s%u.blocked=%d s%u.width=%u s%u.height=%u",
			      i, s->frames, i, s->decoded, i, s->errors, i, s->events, i,
			      s->blocked, i, s->raw.width, i, s->raw.height);
	}
	pthread_mutex_unlock(&d->lock);
	return n < size ? n : size - 1;
}

void vm_dev_summary(struct vm_dev *d, FILE *f)
{
	fprintf(f, VM_NAME ": dev%u (%s): %lu connections, %lu commands, %lu events, %lu errors, %lu frames, %lu faults\n",
		d->idx, d->socket_path, d->vdev.connections, d->st_commands, d->st_events,
		d->st_errors, d->st_frames, d->st_faults);
}

int vm_dev_create(struct vm_dev **out, unsigned int idx, const char *socket_path,
		  const struct vm_opts *opts)
{
	struct vhu_dev_desc desc = {
		.virtio_id = VIRTIO_ID_VIDEO,
		.num_queues = VM_NUM_QUEUES,
		.config_size = sizeof(struct virtio_video_config),
		.ops = &vm_ops,
	};
	struct vm_dev *d;
	unsigned int i;
	int ret;

	*out = NULL;
	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	d->idx = idx;
	d->socket_path = socket_path;
	d->o = *opts;
	d->ev_tail = &d->ev_head;
	d->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	pthread_mutex_init(&d->lock, NULL);
	d->streams = calloc(d->o.max_streams, sizeof(*d->streams));
	if (!d->streams || d->wake_fd < 0 || caps_setup(d)) {
		vm_dev_destroy(d);
		return -ENOMEM;
	}
	for (i = 0; i < d->o.max_streams; i++) {
		d->streams[i].d = d;
		d->streams[i].id = i;
		pthread_cond_init(&d->streams[i].cond, NULL);
		stream_defaults(&d->streams[i]);
	}
	d->config.max_streams = htole32(d->o.max_streams);
	d->config.caps_length = htole32(d->caps_len);
	desc.features = VHU_BIT(VIRTIO_VIDEO_F_DECODER) |
			VHU_BIT(VIRTIO_VIDEO_F_RESOURCE_GUEST_PAGES);
	if (!d->o.contig)
		desc.features |= VHU_BIT(VIRTIO_VIDEO_F_RESOURCE_NON_CONTIG);
	if (!d->o.no_last_buffer)
		desc.features |= VHU_BIT(VIRTIO_VIDEO_F_V4L2_COMPATIBLE_LAST_BUFFER);
	snprintf(d->name, sizeof(d->name), VM_NAME "[%u]", idx);
	desc.name = d->name;
	desc.config = &d->config;
	desc.priv = d;
	ret = vhu_dev_init(&d->vdev, &desc);
	if (!ret) {
		d->vdev.log.verbose = opts->verbose;
		ret = vhu_dev_listen(&d->vdev, socket_path);
	}
	if (ret) {
		vm_dev_destroy(d);
		return ret;
	}
	*out = d;
	return 0;
}

void vm_dev_destroy(struct vm_dev *d)
{
	unsigned int i;

	if (!d)
		return;
	pthread_mutex_lock(&d->lock);
	if (d->vdev.desc.ops)
		vhu_dev_cleanup(&d->vdev);	/* disconnects: streams closed */
	if (d->streams)
		forget(d);
	pthread_mutex_unlock(&d->lock);
	if (d->streams)
		for (i = 0; i < d->o.max_streams; i++)
			pthread_cond_destroy(&d->streams[i].cond);
	free(d->streams);
	if (d->wake_fd >= 0)
		close(d->wake_fd);
	pthread_mutex_destroy(&d->lock);
	free(d);
}
