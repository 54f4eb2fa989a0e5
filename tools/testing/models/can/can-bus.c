// SPDX-License-Identifier: GPL-2.0
/*
 * va-can-model - the virtio-can devices and the virtual bus joining them.
 *
 * Each device is one vhu_dev with three queues (0 Tx, 1 Rx, 2 Control) and
 * a two byte config space (le16 status, bit 0 BUSOFF).  Control requests
 * are answered from the queue kick; everything else is moved by
 * can_bus_pump(), which the event loop runs after every iteration:
 *
 *   TX: popped requests wait in a per-device FIFO.  The head is completed
 *       when it is due (txdelay), not held (txhold) and, for a valid frame,
 *       every eligible receiver has room in its RX backlog (back-pressure;
 *       nothing is dropped).  Invalid frames are answered NOT_OK.
 *   RX: while the controller is STARTED, one available RX buffer is taken
 *       per frame, in this order: armed malformed-RX faults, "rx"
 *       injections, the backlog of bus frames, flood frames.
 *
 * One used-buffer notification per queue and pump.
 */
#include <endian.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "can.h"

#define RX_BUDGET	256	/* RX buffers per device and pump round */
#define PUMP_ROUNDS	8

static const char * const rej_names[REJ_NUM] = {
	[REJ_LAYOUT] = "layout",
	[REJ_TYPE] = "type",
	[REJ_FLAGS] = "flags",
	[REJ_FD] = "fd",
	[REJ_CLASSIC] = "classic",
	[REJ_RTR] = "rtr",
	[REJ_RTR_FD] = "rtr_fd",
	[REJ_LEN] = "len",
	[REJ_ID] = "id",
	[REJ_SHORT] = "short",
	[REJ_STOPPED] = "stopped",
};

static const char * const fault_names[FAULT_NUM] = {
	[FAULT_RX_SHORT] = "short",
	[FAULT_RX_LEN_OVER] = "len-over",
	[FAULT_RX_LEN_TRUNC] = "len-trunc",
	[FAULT_RX_FLAGS] = "flags",
	[FAULT_RX_TYPE] = "type",
	[FAULT_RX_FD_UNNEG] = "fd-unneg",
	[FAULT_RX_RTR_UNNEG] = "rtr-unneg",
	[FAULT_RX_ID_RANGE] = "id-range",
	[FAULT_RX_RTR_FD] = "rtr-fd",
	[FAULT_RX_DUP] = "rx-dup",
	[FAULT_RX_UNKNOWN] = "rx-unknown",
	[FAULT_TX_DUP] = "tx-dup",
	[FAULT_TX_UNKNOWN] = "tx-unknown",
	[FAULT_TX_LEN0] = "tx-len0",
	[FAULT_CTRL_SILENT] = "ctrl-silent",
	[FAULT_CTRL_FAIL] = "ctrl-fail",
	[FAULT_CTRL_RESULT] = "ctrl-result",
};

uint64_t can_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

void can_dbg(struct can_bus *bus, const char *fmt, ...)
{
	va_list ap;

	if (!bus->verbose)
		return;
	fputs(CAN_MODEL_NAME ": ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void put_le16(uint8_t *p, uint16_t v)
{
	p[0] = v & 0xff;
	p[1] = v >> 8;
}

static void put_le32(uint8_t *p, uint32_t v)
{
	put_le16(p, v & 0xffff);
	put_le16(p + 2, v >> 16);
}

static uint16_t get_le16(const uint8_t *p)
{
	return p[0] | p[1] << 8;
}

static uint32_t get_le32(const uint8_t *p)
{
	return get_le16(p) | (uint32_t)get_le16(p + 2) << 16;
}

static bool neg(const struct can_dev *d, unsigned int bit)
{
	return vhu_dev_has_feature(&d->vdev, bit);
}

uint64_t can_dev_negotiated(const struct can_dev *d)
{
	return d->vdev.features & CAN_FEATURES_ALL;
}

static struct vhu_vq *dq(struct can_dev *d, unsigned int q)
{
	return &d->vdev.vqs[q];
}

/* ---- used ring helpers ------------------------------------------------- */

static void push(struct can_dev *d, unsigned int q, const struct vhu_elem *e,
		 uint32_t len)
{
	if (!vhu_vq_push(dq(d, q), e, len))
		d->need_notify[q] = true;
}

/*
 * Put a used element with any @id on queue @q (fault injection: duplicate
 * or unknown ids).  The element was not popped, so keep the in-flight count.
 */
static void push_raw(struct can_dev *d, unsigned int q, uint32_t id, uint32_t len)
{
	struct vhu_vq *vq = dq(d, q);
	struct vhu_elem fake = { .head = (uint16_t)id, .in_len = len };
	unsigned int inflight = vq->inflight;

	push(d, q, &fake, len);
	vq->inflight = inflight;
}

/* Write the one byte result; returns the used length (0 without room). */
static uint32_t put_result(const struct vhu_elem *e, uint8_t res)
{
	return vhu_iov_from_buf(e->in_sg, e->in_num, 0, &res, 1) == 1 ? 1 : 0;
}

static void hdr_fill(uint8_t *b, uint16_t type, uint16_t len, uint32_t flags,
		     uint32_t can_id)
{
	memset(b, 0, CAN_HDR_LEN);
	put_le16(b, type);
	put_le16(b + 2, len);
	put_le32(b + 8, flags);
	put_le32(b + 12, can_id);
}

/* ---- faults ------------------------------------------------------------ */

const char *can_fault_name(enum can_fault f)
{
	return f > FAULT_NONE && f < FAULT_NUM ? fault_names[f] : "none";
}

enum can_fault can_fault_parse(const char *name)
{
	unsigned int i;

	for (i = FAULT_NONE + 1; i < FAULT_NUM; i++)
		if (!strcmp(name, fault_names[i]))
			return i;
	return FAULT_NONE;
}

enum can_fault_class can_fault_class(enum can_fault f)
{
	if (f >= FAULT_CTRL_SILENT)
		return FC_CTRL;
	if (f >= FAULT_TX_DUP)
		return FC_TX;
	return FC_RX;
}

int can_fault_arm(struct can_dev *d, enum can_fault f, const char **why)
{
	struct can_fault_fifo *q = &d->faults[can_fault_class(f)];

	if (f == FAULT_RX_FD_UNNEG && neg(d, VIRTIO_CAN_F_CAN_FD)) {
		*why = "device negotiated CAN_FD, fd-unneg would be a valid frame";
		return -EINVAL;
	}
	if (f == FAULT_RX_RTR_UNNEG && neg(d, VIRTIO_CAN_F_RTR_FRAMES)) {
		*why = "device negotiated RTR_FRAMES, rtr-unneg would be a valid frame";
		return -EINVAL;
	}
	if (q->cnt == CAN_MAX_FAULTS) {
		*why = "too many armed faults of this class";
		return -ENOSPC;
	}
	q->kind[(q->head + q->cnt) % CAN_MAX_FAULTS] = f;
	q->cnt++;
	can_dbg(d->bus, "dev%u: fault %s armed", d->idx, fault_names[f]);
	return 0;
}

static enum can_fault fault_peek(struct can_dev *d, enum can_fault_class c)
{
	struct can_fault_fifo *q = &d->faults[c];

	return q->cnt ? q->kind[q->head] : FAULT_NONE;
}

static enum can_fault fault_take(struct can_dev *d, enum can_fault_class c)
{
	struct can_fault_fifo *q = &d->faults[c];
	enum can_fault f = fault_peek(d, c);

	if (f) {
		q->head = (q->head + 1) % CAN_MAX_FAULTS;
		q->cnt--;
		d->st.faults++;
		can_dbg(d->bus, "dev%u: fault %s fires", d->idx, fault_names[f]);
	}
	return f;
}

/* ---- config space / controller state ----------------------------------- */

void can_set_status(struct can_dev *d, uint16_t status, bool announce)
{
	d->status = status;
	put_le16(d->config, status);
	if (announce && !vhu_dev_config_changed(&d->vdev))
		d->st.configs_changed++;
}

/* ---- TX ---------------------------------------------------------------- */

static struct vhu_elem *tx_dequeue(struct can_dev *d)
{
	struct can_txreq *r = d->tx_head;
	struct vhu_elem *e;

	if (!r)
		return NULL;
	d->tx_head = r->next;
	if (!d->tx_head)
		d->tx_tail = &d->tx_head;
	d->tx_pending--;
	e = r->elem;
	free(r);
	return e;
}

static void tx_complete(struct can_dev *d, struct vhu_elem *e, uint8_t res)
{
	enum can_fault f = fault_take(d, FC_TX);
	struct vhu_vq *vq = dq(d, CAN_TXQ);
	uint32_t len = 0;

	if (res == VIRTIO_CAN_RESULT_OK)
		d->st.tx_ok++;
	else
		d->st.tx_not_ok++;
	if (f == FAULT_TX_UNKNOWN)
		push_raw(d, CAN_TXQ, vq->num + 3, 1);
	if (f != FAULT_TX_LEN0)
		len = put_result(e, res);
	push(d, CAN_TXQ, e, len);
	if (f == FAULT_TX_DUP)
		push_raw(d, CAN_TXQ, e->head, len);
	vhu_elem_free(e);
}

static void tx_enqueue(struct can_dev *d, struct vhu_elem *e)
{
	struct can_txreq *r = calloc(1, sizeof(*r));

	if (!r) {
		fprintf(stderr, CAN_MODEL_NAME ": dev%u: out of memory, TX request NOT_OK\n",
			d->idx);
		tx_complete(d, e, VIRTIO_CAN_RESULT_NOT_OK);
		return;
	}
	r->elem = e;
	r->arrival_ns = can_now_ns();
	*d->tx_tail = r;
	d->tx_tail = &r->next;
	d->tx_pending++;
}

/* Return every pending TX request NOT_OK (STOP, bus-off). */
static void tx_flush(struct can_dev *d)
{
	struct vhu_elem *e;

	while ((e = tx_dequeue(d))) {
		d->st.tx_flushed++;
		tx_complete(d, e, VIRTIO_CAN_RESULT_NOT_OK);
	}
}

/* -1 for a valid frame (copied to @f), else the reason to reject it. */
static int tx_check(struct can_dev *d, const struct vhu_elem *e,
		    struct can_frame_rec *f)
{
	uint8_t hdr[CAN_HDR_LEN];
	bool fd, rtr, ext;
	size_t plen;

	memset(f, 0, sizeof(*f));
	if (!e->in_len)
		return REJ_LAYOUT;
	if (e->out_len < CAN_HDR_LEN)
		return REJ_SHORT;
	vhu_iov_to_buf(e->out_sg, e->out_num, 0, hdr, sizeof(hdr));
	f->len = get_le16(hdr + 2);
	f->flags = get_le32(hdr + 8);
	f->can_id = get_le32(hdr + 12);
	fd = f->flags & VIRTIO_CAN_FLAGS_FD;
	rtr = f->flags & VIRTIO_CAN_FLAGS_RTR;
	ext = f->flags & VIRTIO_CAN_FLAGS_EXTENDED;

	if (get_le16(hdr) != VIRTIO_CAN_TX)
		return REJ_TYPE;
	if (f->flags & ~VIRTIO_CAN_FLAGS_KNOWN)
		return REJ_FLAGS;
	if (fd && !neg(d, VIRTIO_CAN_F_CAN_FD))
		return REJ_FD;
	if (!fd && !neg(d, VIRTIO_CAN_F_CAN_CLASSIC))
		return REJ_CLASSIC;
	if (rtr && !neg(d, VIRTIO_CAN_F_RTR_FRAMES))
		return REJ_RTR;
	if (rtr && fd)
		return REJ_RTR_FD;
	if (f->len > (fd ? CANFD_MAX_DLEN : CAN_MAX_DLEN))
		return REJ_LEN;
	if (f->can_id > (ext ? CAN_EFF_MASK : CAN_SFF_MASK))
		return REJ_ID;
	/* an RTR frame carries no payload, its length is the DLC */
	plen = rtr ? 0 : f->len;
	if (e->out_len < CAN_HDR_LEN + plen)
		return REJ_SHORT;
	vhu_iov_to_buf(e->out_sg, e->out_num, CAN_HDR_LEN, f->data, plen);
	if (!d->started)
		return REJ_STOPPED;
	return -1;
}

static bool rx_eligible(const struct can_dev *r, uint32_t flags)
{
	if (!r->started)
		return false;
	if (flags & VIRTIO_CAN_FLAGS_FD)
		return neg(r, VIRTIO_CAN_F_CAN_FD);
	if (!neg(r, VIRTIO_CAN_F_CAN_CLASSIC))
		return false;
	return !(flags & VIRTIO_CAN_FLAGS_RTR) || neg(r, VIRTIO_CAN_F_RTR_FRAMES);
}

static void log_frame(struct can_bus *bus, const struct can_dev *d,
		      const struct can_frame_rec *f)
{
	char hex[2 * CANFD_MAX_DLEN + 1] = "-";
	unsigned int i, n = f->flags & VIRTIO_CAN_FLAGS_RTR ? 0 : f->len;

	if (!bus->log)
		return;
	for (i = 0; i < n; i++)
		snprintf(hex + 2 * i, 3, "%02x", f->data[i]);
	fprintf(bus->log, "%u %" PRIx32 " %" PRIx32 " %u %s\n", d->idx,
		f->can_id, f->flags, f->len, hex);
}

/* Put @f on the bus; false if a receiver's backlog is full (retry later). */
static bool bus_send(struct can_dev *d, const struct can_frame_rec *f)
{
	struct can_bus *bus = d->bus;
	unsigned int i;

	for (i = 0; i < bus->ndev; i++) {
		struct can_dev *r = bus->devs[i];

		if (r != d && rx_eligible(r, f->flags) && r->bl_cnt == CAN_BACKLOG)
			return false;
	}
	for (i = 0; i < bus->ndev; i++) {
		struct can_dev *r = bus->devs[i];

		if (r == d || !rx_eligible(r, f->flags))
			continue;
		r->backlog[(r->bl_head + r->bl_cnt) % CAN_BACKLOG] = *f;
		r->bl_cnt++;
	}
	d->st.bus_frames++;
	log_frame(bus, d, f);
	return true;
}

static bool tx_process(struct can_dev *d)
{
	struct vhu_vq *vq = dq(d, CAN_TXQ);
	struct can_frame_rec f;
	struct vhu_elem *e;
	bool progress = false;
	int err, rej;

	if (!vhu_vq_live(vq))
		return false;
	while ((e = vhu_vq_pop(vq, &err))) {
		tx_enqueue(d, e);
		progress = true;
	}
	while (d->tx_head && !d->txhold) {
		struct can_txreq *r = d->tx_head;

		if (d->txdelay_ms &&
		    can_now_ns() < r->arrival_ns + d->txdelay_ms * 1000000ULL)
			break;
		if (d->txresult_left) {
			d->txresult_left--;
			tx_complete(d, tx_dequeue(d), d->txresult_val);
			progress = true;
			continue;
		}
		rej = tx_check(d, r->elem, &f);
		if (rej >= 0) {
			d->st.tx_rejected++;
			d->st.rej[rej]++;
			can_dbg(d->bus, "dev%u: TX head %u rejected (%s)", d->idx,
				r->elem->head, rej_names[rej]);
			tx_complete(d, tx_dequeue(d), VIRTIO_CAN_RESULT_NOT_OK);
			progress = true;
			continue;
		}
		if (d->txfail_left) {
			d->txfail_left--;
			tx_complete(d, tx_dequeue(d), VIRTIO_CAN_RESULT_NOT_OK);
			progress = true;
			continue;
		}
		if (!bus_send(d, &f))
			break;
		tx_complete(d, tx_dequeue(d), VIRTIO_CAN_RESULT_OK);
		progress = true;
	}
	return progress;
}

/* ---- RX ---------------------------------------------------------------- */

static bool flood_active(const struct can_dev *d)
{
	return d->flood_inf || d->flood_left;
}

static void flood_next(struct can_dev *d, struct can_frame_rec *f)
{
	uint32_t k = d->flood_k++;
	unsigned int i;
	bool fd;

	if (d->flood_kind == FLOOD_FD || !neg(d, VIRTIO_CAN_F_CAN_CLASSIC))
		fd = true;
	else if (d->flood_kind == FLOOD_MIXED)
		fd = (k & 1) && neg(d, VIRTIO_CAN_F_CAN_FD);
	else
		fd = false;
	memset(f, 0, sizeof(*f));
	f->can_id = d->flood_id;
	f->flags = d->flood_id > CAN_SFF_MASK ? VIRTIO_CAN_FLAGS_EXTENDED : 0;
	if (fd)
		f->flags |= VIRTIO_CAN_FLAGS_FD;
	f->len = fd ? CANFD_MAX_DLEN : CAN_MAX_DLEN;
	for (i = 4; i < f->len; i++)
		f->data[i] = (k + i) & 0xff;
	put_le32(f->data, k);
	if (!d->flood_inf)
		d->flood_left--;
}

static void rx_bad_buffer(struct can_dev *d, struct vhu_elem *e)
{
	d->st.rx_bad_buffer++;
	can_dbg(d->bus, "dev%u: RX head %u: buffer of %zu bytes unusable, frame dropped",
		d->idx, e->head, e->in_len);
	push(d, CAN_RXQ, e, 0);
}

static void rx_put(struct can_dev *d, struct vhu_elem *e,
		   const struct can_frame_rec *f)
{
	uint8_t buf[CAN_HDR_LEN + CANFD_MAX_DLEN];
	size_t plen;

	if (e->out_num || e->in_len < CAN_HDR_LEN) {
		rx_bad_buffer(d, e);
		return;
	}
	if (f->raw) {
		/* injected as is: as much payload as fits */
		plen = f->len < CANFD_MAX_DLEN ? f->len : CANFD_MAX_DLEN;
		if (plen > e->in_len - CAN_HDR_LEN)
			plen = e->in_len - CAN_HDR_LEN;
	} else {
		plen = f->flags & VIRTIO_CAN_FLAGS_RTR ? 0 : f->len;
		if (e->in_len < CAN_HDR_LEN + plen) {
			rx_bad_buffer(d, e);
			return;
		}
	}
	hdr_fill(buf, VIRTIO_CAN_RX, f->len, f->flags, f->can_id);
	memcpy(buf + CAN_HDR_LEN, f->data, plen);
	vhu_iov_from_buf(e->in_sg, e->in_num, 0, buf, CAN_HDR_LEN + plen);
	push(d, CAN_RXQ, e, CAN_HDR_LEN + plen);
	if (f->raw)
		d->st.rx_injected++;
	else
		d->st.rx_delivered++;
}

/* A malformed RX frame (see the "malformed" control command). */
static void rx_fault(struct can_dev *d, struct vhu_elem *e, enum can_fault f)
{
	uint8_t buf[CAN_HDR_LEN + CANFD_MAX_DLEN];
	uint32_t flags = 0, can_id = CAN_FAULT_ID;
	uint16_t type = VIRTIO_CAN_RX, len = CAN_MAX_DLEN;
	size_t used = CAN_HDR_LEN + CAN_MAX_DLEN;
	unsigned int i;

	/* the valid base frame: classic, or FD on an FD-only device */
	if (!neg(d, VIRTIO_CAN_F_CAN_CLASSIC))
		flags = VIRTIO_CAN_FLAGS_FD;
	for (i = 0; i < CANFD_MAX_DLEN; i++)
		buf[CAN_HDR_LEN + i] = i;
	switch (f) {
	case FAULT_RX_SHORT:
		used = 10;
		break;
	case FAULT_RX_LEN_OVER:
		if (neg(d, VIRTIO_CAN_F_CAN_FD)) {
			flags = VIRTIO_CAN_FLAGS_FD;
			len = CANFD_MAX_DLEN + 1;
		} else {
			len = CAN_MAX_DLEN + 1;
		}
		used = CAN_HDR_LEN + CANFD_MAX_DLEN;
		break;
	case FAULT_RX_LEN_TRUNC:
		used = CAN_HDR_LEN + 4;
		break;
	case FAULT_RX_FLAGS:
		flags |= 0x0001;
		break;
	case FAULT_RX_TYPE:
		type = 0x0102;
		break;
	case FAULT_RX_FD_UNNEG:
		flags = VIRTIO_CAN_FLAGS_FD;
		break;
	case FAULT_RX_RTR_UNNEG:
		flags = VIRTIO_CAN_FLAGS_RTR;
		len = 0;
		used = CAN_HDR_LEN;
		break;
	case FAULT_RX_ID_RANGE:
		can_id = CAN_SFF_MASK + 1;
		break;
	case FAULT_RX_RTR_FD:
		flags = VIRTIO_CAN_FLAGS_RTR | VIRTIO_CAN_FLAGS_FD;
		len = 0;
		used = CAN_HDR_LEN;
		break;
	default:	/* FAULT_RX_DUP: a valid frame */
		break;
	}
	hdr_fill(buf, type, len, flags, can_id);
	if (e->out_num)
		used = 0;
	if (used > e->in_len)
		used = e->in_len;
	vhu_iov_from_buf(e->in_sg, e->in_num, 0, buf, used);
	push(d, CAN_RXQ, e, used);
	if (f == FAULT_RX_DUP) {
		push_raw(d, CAN_RXQ, e->head, used);
		d->st.rx_delivered++;
	}
}

static bool rx_process(struct can_dev *d)
{
	struct vhu_vq *vq = dq(d, CAN_RXQ);
	unsigned int n = 0;

	if (!d->started || !vhu_vq_live(vq))
		return false;
	while (n < RX_BUDGET) {
		enum can_fault f = fault_peek(d, FC_RX);
		struct can_frame_rec fr;
		struct vhu_elem *e;
		int err;

		if (f == FAULT_RX_UNKNOWN) {
			fault_take(d, FC_RX);
			push_raw(d, CAN_RXQ, vq->num + 3, CAN_HDR_LEN + CAN_MAX_DLEN);
			n++;
			continue;
		}
		if (!f && !d->inj_cnt && !d->bl_cnt && !flood_active(d))
			break;
		e = vhu_vq_pop(vq, &err);
		if (!e)
			break;
		n++;
		if (f) {
			rx_fault(d, e, fault_take(d, FC_RX));
		} else if (d->inj_cnt) {
			fr = d->inject[d->inj_head];
			d->inj_head = (d->inj_head + 1) % CAN_MAX_INJECT;
			d->inj_cnt--;
			rx_put(d, e, &fr);
		} else if (d->bl_cnt) {
			fr = d->backlog[d->bl_head];
			d->bl_head = (d->bl_head + 1) % CAN_BACKLOG;
			d->bl_cnt--;
			rx_put(d, e, &fr);
		} else {
			flood_next(d, &fr);
			rx_put(d, e, &fr);
		}
		vhu_elem_free(e);
	}
	return n > 0;
}

int can_flood(struct can_dev *d, uint64_t n, bool inf, enum can_flood_kind kind,
	      uint32_t id, const char **why)
{
	bool classic = neg(d, VIRTIO_CAN_F_CAN_CLASSIC);
	bool fd = neg(d, VIRTIO_CAN_F_CAN_FD);

	if (!n && !inf) {
		d->flood_left = 0;
		d->flood_inf = false;
		return 0;
	}
	if (id > CAN_EFF_MASK)
		*why = "id out of range (max 0x1fffffff)";
	else if (!fd && !classic)
		*why = "device negotiated no frame type (driver not loaded?)";
	else if (kind == FLOOD_FD && !fd)
		*why = "device did not negotiate CAN_FD";
	else if (kind == FLOOD_CLASSIC && !classic)
		*why = "device did not negotiate CAN_CLASSIC";
	else
		*why = NULL;
	if (*why)
		return -EINVAL;
	d->flood_left = inf ? 0 : n;
	d->flood_inf = inf;
	d->flood_kind = kind;
	d->flood_id = id;
	d->flood_k = 0;
	return 0;
}

int can_inject(struct can_dev *d, uint32_t id, uint16_t len, uint32_t flags)
{
	struct can_frame_rec *f;
	unsigned int i;

	if (d->inj_cnt == CAN_MAX_INJECT)
		return -ENOSPC;
	f = &d->inject[(d->inj_head + d->inj_cnt) % CAN_MAX_INJECT];
	memset(f, 0, sizeof(*f));
	f->can_id = id;
	f->len = len;
	f->flags = flags;
	f->raw = true;
	for (i = 0; i < CANFD_MAX_DLEN; i++)
		f->data[i] = i;
	d->inj_cnt++;
	return 0;
}

/* ---- control queue ----------------------------------------------------- */

static void controller_stop(struct can_dev *d)
{
	struct vhu_vq *vq = dq(d, CAN_TXQ);
	struct vhu_elem *e;
	int err;

	d->started = false;
	d->txhold = false;
	/* Requests still in the available ring are pending too. */
	if (vhu_vq_live(vq))
		while ((e = vhu_vq_pop(vq, &err)))
			tx_enqueue(d, e);
	tx_flush(d);
	/* stale frames are not kept for the next START */
	d->st.rx_dropped += d->bl_cnt;
	d->bl_cnt = 0;
	d->bl_head = 0;
}

void can_busoff(struct can_dev *d)
{
	can_set_status(d, d->status | VIRTIO_CAN_S_CTRL_BUSOFF, false);
	controller_stop(d);
	can_set_status(d, d->status, true);
}

void can_txhold(struct can_dev *d, bool on)
{
	d->txhold = on;
}

static void ctrl_process(struct can_dev *d)
{
	struct vhu_vq *vq = dq(d, CAN_CTRLQ);
	struct vhu_elem *e;
	int err;

	while ((e = vhu_vq_pop(vq, &err))) {
		enum can_fault f = fault_take(d, FC_CTRL);
		uint8_t res = VIRTIO_CAN_RESULT_NOT_OK, out[2];
		uint16_t type;

		if (f == FAULT_CTRL_SILENT && d->ctrl_nheld < CAN_MAX_FAULTS) {
			d->ctrl_held[d->ctrl_nheld++] = e;
			continue;
		}
		if (e->out_len < sizeof(out) || !e->in_len) {
			d->st.ctrl_bad++;
			can_dbg(d->bus, "dev%u: control head %u: bad layout (out %zu, in %zu)",
				d->idx, e->head, e->out_len, e->in_len);
			push(d, CAN_CTRLQ, e, put_result(e, res));
			vhu_elem_free(e);
			continue;
		}
		vhu_iov_to_buf(e->out_sg, e->out_num, 0, out, sizeof(out));
		type = get_le16(out);
		if (f == FAULT_CTRL_RESULT) {
			res = 0x55;
		} else if (f) {
			res = VIRTIO_CAN_RESULT_NOT_OK;
		} else if (type == VIRTIO_CAN_SET_CTRL_MODE_START) {
			d->st.ctrl_start++;
			can_set_status(d, d->status & ~VIRTIO_CAN_S_CTRL_BUSOFF, false);
			d->started = true;
			res = VIRTIO_CAN_RESULT_OK;
		} else if (type == VIRTIO_CAN_SET_CTRL_MODE_STOP) {
			d->st.ctrl_stop++;
			controller_stop(d);
			res = VIRTIO_CAN_RESULT_OK;
		} else {
			d->st.ctrl_bad++;
		}
		can_dbg(d->bus, "dev%u: control 0x%04x -> %u", d->idx, type, res);
		push(d, CAN_CTRLQ, e, put_result(e, res));
		vhu_elem_free(e);
	}
}

/* ---- vhu callbacks ----------------------------------------------------- */

static void can_kick(struct vhu_dev *vdev, unsigned int qidx)
{
	struct can_dev *d = vhu_dev_priv(vdev);

	/* TX and RX are served by can_bus_pump() after every loop iteration */
	if (qidx == CAN_CTRLQ)
		ctrl_process(d);
}

/*
 * Device reset, or the front-end stopped the device (its rings are being
 * torn down): STOPPED, status 0, every pending request and injected frame
 * forgotten (elements freed, not pushed), faults cleared.  txdelay stays.
 */
static void forget(struct can_dev *d)
{
	struct vhu_elem *e;
	unsigned int i;

	d->started = false;
	while ((e = tx_dequeue(d)))
		vhu_elem_free(e);
	for (i = 0; i < d->ctrl_nheld; i++)
		vhu_elem_free(d->ctrl_held[i]);
	d->ctrl_nheld = 0;
	d->bl_head = 0;
	d->bl_cnt = 0;
	d->inj_head = 0;
	d->inj_cnt = 0;
	d->flood_left = 0;
	d->flood_inf = false;
	memset(d->faults, 0, sizeof(d->faults));
	d->txfail_left = 0;
	d->txresult_left = 0;
	d->txhold = false;
	memset(d->need_notify, 0, sizeof(d->need_notify));
	can_set_status(d, 0, false);
}

static void can_reset(struct vhu_dev *vdev)
{
	struct can_dev *d = vhu_dev_priv(vdev);

	forget(d);
	d->st.resets++;
	can_dbg(d->bus, "dev%u: reset", d->idx);
}

static void can_stopped(struct vhu_dev *vdev)
{
	struct can_dev *d = vhu_dev_priv(vdev);

	forget(d);
	can_dbg(d->bus, "dev%u: stopped by the front-end", d->idx);
}

static const struct vhu_dev_ops can_ops = {
	.queue_kick = can_kick,
	.reset = can_reset,
	.stopped = can_stopped,
};

/* ---- bus --------------------------------------------------------------- */

bool can_bus_pump(struct can_bus *bus)
{
	bool progress = true;
	unsigned int round, i, q;

	for (round = 0; progress && round < PUMP_ROUNDS; round++) {
		progress = false;
		for (i = 0; i < bus->ndev; i++)
			if (tx_process(bus->devs[i]))
				progress = true;
		for (i = 0; i < bus->ndev; i++)
			if (rx_process(bus->devs[i]))
				progress = true;
	}
	for (i = 0; i < bus->ndev; i++) {
		struct can_dev *d = bus->devs[i];

		for (q = 0; q < CAN_NUM_QUEUES; q++) {
			if (d->need_notify[q])
				vhu_vq_notify(dq(d, q));
			d->need_notify[q] = false;
		}
	}
	if (bus->log)
		fflush(bus->log);
	return progress;
}

uint64_t can_bus_next_due(struct can_bus *bus)
{
	uint64_t now = can_now_ns(), best = 0;
	unsigned int i;

	for (i = 0; i < bus->ndev; i++) {
		struct can_dev *d = bus->devs[i];
		uint64_t due;

		if (!d->tx_head || d->txhold || !d->txdelay_ms)
			continue;
		due = d->tx_head->arrival_ns + d->txdelay_ms * 1000000ULL;
		/*
		 * A head that is already due either became due after the last
		 * pump, or waits for back-pressure: look again in 1 ms.
		 */
		if (due <= now)
			due = now + 1000000ULL;
		if (!best || due < best)
			best = due;
	}
	return best;
}

size_t can_format_stats(struct can_dev *d, char *buf, size_t size)
{
	const struct can_stats *s = &d->st;
	char flood[24];
	size_t n;
	int i;

	if (d->flood_inf)
		snprintf(flood, sizeof(flood), "inf");
	else
		snprintf(flood, sizeof(flood), "%" PRIu64, d->flood_left);
	n = snprintf(buf, size,
		     "tx_ok=%lu tx_not_ok=%lu tx_rejected=%lu rx_delivered=%lu rx_bad_buffer=%lu ctrl_start=%lu ctrl_stop=%lu ctrl_bad=%lu flood_left=%s backlog=%u bus_frames=%lu configs_changed=%lu tx_flushed=%lu tx_pending=%u rx_dropped=%lu rx_injected=%lu faults=%lu resets=%lu",
		     s->tx_ok, s->tx_not_ok, s->tx_rejected, s->rx_delivered,
		     s->rx_bad_buffer, s->ctrl_start, s->ctrl_stop, s->ctrl_bad,
		     flood, d->bl_cnt, s->bus_frames, s->configs_changed,
		     s->tx_flushed, d->tx_pending, s->rx_dropped, s->rx_injected,
		     s->faults, s->resets);
	for (i = 0; i < REJ_NUM && n < size; i++)
		n += snprintf(buf + n, size - n, " rej_%s=%lu", rej_names[i], s->rej[i]);
	return n;
}

void can_dev_summary(struct can_dev *d, FILE *f)
{
	const struct can_stats *s = &d->st;

	fprintf(f, CAN_MODEL_NAME ": dev%u (%s): %lu connections, tx_ok %lu, tx_not_ok %lu (rejected %lu, flushed %lu), bus_frames %lu, rx_delivered %lu, rx_bad_buffer %lu, rx_dropped %lu, ctrl %lu/%lu/%lu start/stop/bad, configs_changed %lu\n",
		d->idx, d->socket_path, d->vdev.connections, s->tx_ok, s->tx_not_ok,
		s->tx_rejected, s->tx_flushed, s->bus_frames, s->rx_delivered,
		s->rx_bad_buffer, s->rx_dropped, s->ctrl_start, s->ctrl_stop,
		s->ctrl_bad, s->configs_changed);
}

int can_dev_create(struct can_bus *bus, const char *socket_path,
		   uint64_t features, bool verbose)
{
	struct vhu_dev_desc desc = {
		.virtio_id = VIRTIO_ID_CAN,
		.num_queues = CAN_NUM_QUEUES,
		.features = features,
		.config_size = 2,
		.ops = &can_ops,
	};
	struct can_dev *d;
	int ret;

	if (bus->ndev == CAN_MAX_DEVS) {
		fprintf(stderr, CAN_MODEL_NAME ": at most %d devices\n", CAN_MAX_DEVS);
		return -ENOSPC;
	}
	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	d->backlog = calloc(CAN_BACKLOG, sizeof(*d->backlog));
	if (!d->backlog) {
		free(d);
		return -ENOMEM;
	}
	d->bus = bus;
	d->idx = bus->ndev;
	d->socket_path = socket_path;
	d->offered = features;
	d->tx_tail = &d->tx_head;
	snprintf(d->name, sizeof(d->name), CAN_MODEL_NAME "[%u]", d->idx);
	desc.name = d->name;
	desc.config = d->config;
	desc.priv = d;
	bus->devs[bus->ndev++] = d;

	ret = vhu_dev_init(&d->vdev, &desc);
	if (!ret) {
		d->vdev.log.verbose = verbose;
		ret = vhu_dev_listen(&d->vdev, socket_path);
	}
	return ret;
}

void can_dev_destroy(struct can_dev *d)
{
	vhu_dev_cleanup(&d->vdev);	/* disconnects: can_reset() frees requests */
	forget(d);
	free(d->backlog);
	free(d);
}
