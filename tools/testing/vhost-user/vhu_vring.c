// SPDX-License-Identifier: GPL-2.0
/*
 * vhu - split virtqueue processing.
 *
 * The rings live in guest memory and the guest may write anything into
 * them at any time.  Every field is read once into a local copy, validated,
 * and only then used; every buffer is translated with its length.  On any
 * guest error the queue is marked broken, the error eventfd is written and
 * the ring is not touched again until it is reconfigured or reset.
 */
#include <endian.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vhu.h"

/* Ordering between our accesses and the driver's (other CPU/process). */
#define vhu_smp_rmb()	__atomic_thread_fence(__ATOMIC_ACQUIRE)
#define vhu_smp_wmb()	__atomic_thread_fence(__ATOMIC_RELEASE)
#define vhu_smp_mb()	__atomic_thread_fence(__ATOMIC_SEQ_CST)

static inline uint16_t read16(const uint16_t *p)
{
	return le16toh(__atomic_load_n(p, __ATOMIC_RELAXED));
}

static inline void write16(uint16_t *p, uint16_t v)
{
	__atomic_store_n(p, htole16(v), __ATOMIC_RELAXED);
}

void vhu_vq_init(struct vhu_vq *vq, unsigned int index, struct vhu_mem *mem,
		 struct vhu_log *log)
{
	memset(vq, 0, sizeof(*vq));
	vq->index = index;
	vq->mem = mem;
	vq->log = log;
	vq->kick_fd = -1;
	vq->call_fd = -1;
	vq->err_fd = -1;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

void vhu_vq_reset(struct vhu_vq *vq)
{
	close_fd(&vq->kick_fd);
	close_fd(&vq->call_fd);
	close_fd(&vq->err_fd);
	vhu_vq_init(vq, vq->index, vq->mem, vq->log);
}

int vhu_vq_set_num(struct vhu_vq *vq, unsigned int num)
{
	if (!num || num > VHU_MAX_QUEUE_SIZE || (num & (num - 1))) {
		vhu_err(vq->log, "queue %u: invalid size %u (must be a power of 2, 1..%u)",
			vq->index, num, VHU_MAX_QUEUE_SIZE);
		return -EINVAL;
	}
	vq->num = num;
	vhu_vq_unmap(vq);
	vq->broken = false;
	return 0;
}

int vhu_vq_set_addr(struct vhu_vq *vq, uint64_t desc, uint64_t avail,
		    uint64_t used)
{
	if ((desc & 15) || (avail & 1) || (used & 3)) {
		vhu_err(vq->log, "queue %u: misaligned ring addresses desc 0x%" PRIx64
			" avail 0x%" PRIx64 " used 0x%" PRIx64,
			vq->index, desc, avail, used);
		return -EINVAL;
	}
	vq->desc_uaddr = desc;
	vq->avail_uaddr = avail;
	vq->used_uaddr = used;
	vq->addr_set = true;
	vq->broken = false;
	vhu_vq_unmap(vq);
	return 0;
}

void vhu_vq_unmap(struct vhu_vq *vq)
{
	vq->desc = NULL;
	vq->avail = NULL;
	vq->used = NULL;
}

int vhu_vq_map(struct vhu_vq *vq)
{
	void *d, *a, *u;

	vhu_vq_unmap(vq);
	if (!vq->num || !vq->addr_set) {
		vhu_err(vq->log, "queue %u: ring size or addresses not set", vq->index);
		return -EINVAL;
	}
	d = vhu_uva_to_va(vq->mem, vq->desc_uaddr, vhu_vring_desc_size(vq->num));
	a = vhu_uva_to_va(vq->mem, vq->avail_uaddr, vhu_vring_avail_size(vq->num));
	u = vhu_uva_to_va(vq->mem, vq->used_uaddr, vhu_vring_used_size(vq->num));
	if (!d || !a || !u) {
		vhu_err(vq->log, "queue %u: ring (desc 0x%" PRIx64 " avail 0x%" PRIx64
			" used 0x%" PRIx64 ", size %u) is not in guest memory",
			vq->index, vq->desc_uaddr, vq->avail_uaddr,
			vq->used_uaddr, vq->num);
		return -EFAULT;
	}
	vq->desc = d;
	vq->avail = a;
	vq->used = u;
	vq->used_idx = read16(&vq->used->idx);
	vq->signalled_used_valid = false;
	return 0;
}

bool vhu_vq_ready(const struct vhu_vq *vq)
{
	return vq->num && vq->desc && vq->avail && vq->used && !vq->broken;
}

bool vhu_vq_live(const struct vhu_vq *vq)
{
	return vq->started && vq->enabled && vhu_vq_ready(vq);
}

void vhu_vq_set_broken(struct vhu_vq *vq)
{
	uint64_t one = 1;

	vq->broken = true;
	vq->guest_errors++;
	if (vq->err_fd >= 0 && write(vq->err_fd, &one, sizeof(one)) < 0)
		vhu_err(vq->log, "queue %u: cannot signal error eventfd", vq->index);
}

void vhu_elem_free(struct vhu_elem *elem)
{
	if (!elem)
		return;
	free(elem->out_sg);
	free(elem->in_sg);
	free(elem);
}

static int sg_append(struct iovec **sg, unsigned int *cnt, unsigned int *cap,
		     void *base, size_t len)
{
	if (*cnt == *cap) {
		unsigned int ncap = *cap ? *cap * 2 : 4;
		struct iovec *n = realloc(*sg, ncap * sizeof(**sg));

		if (!n)
			return -ENOMEM;
		*sg = n;
		*cap = ncap;
	}
	(*sg)[*cnt].iov_base = base;
	(*sg)[*cnt].iov_len = len;
	(*cnt)++;
	return 0;
}

/* Walk and translate the chain starting at @head.  0 or -errno. */
static int map_chain(struct vhu_vq *vq, uint16_t head, struct vhu_elem *e)
{
	const struct vhu_vring_desc *table = vq->desc;
	unsigned int table_num = vq->num, i = head, count = 0;
	unsigned int out_cap = 0, in_cap = 0;
	bool in_indirect = false, seen_write = false;

	for (;;) {
		struct vhu_vring_desc d;
		uint16_t flags;
		uint64_t addr;
		uint32_t len;
		void *p;

		if (++count > vq->num) {
			vhu_err(vq->log, "queue %u: descriptor chain at head %u is longer than the queue size %u (loop?)",
				vq->index, head, vq->num);
			return -ELOOP;
		}
		/* one read of the guest's descriptor */
		memcpy(&d, &table[i], sizeof(d));
		addr = le64toh(d.addr);
		len = le32toh(d.len);
		flags = le16toh(d.flags);

		if (flags & VRING_DESC_F_INDIRECT) {
			if (in_indirect) {
				vhu_err(vq->log, "queue %u: nested indirect descriptor at head %u",
					vq->index, head);
				return -EINVAL;
			}
			if (!vq->indirect) {
				vhu_err(vq->log, "queue %u: indirect descriptor at head %u but INDIRECT_DESC not negotiated",
					vq->index, head);
				return -EINVAL;
			}
			if (flags & VRING_DESC_F_NEXT) {
				vhu_err(vq->log, "queue %u: indirect descriptor at head %u has NEXT set",
					vq->index, head);
				return -EINVAL;
			}
			if (!len || len % sizeof(struct vhu_vring_desc)) {
				vhu_err(vq->log, "queue %u: indirect table at head %u has invalid length %u",
					vq->index, head, len);
				return -EINVAL;
			}
			if (len / sizeof(struct vhu_vring_desc) > vq->num) {
				vhu_err(vq->log, "queue %u: indirect table at head %u has %zu entries, more than the queue size %u",
					vq->index, head,
					len / sizeof(struct vhu_vring_desc), vq->num);
				return -EINVAL;
			}
			p = vhu_gpa_to_va(vq->mem, addr, len);
			if (!p) {
				vhu_err(vq->log, "queue %u: indirect table 0x%" PRIx64 " len %u at head %u is outside guest memory",
					vq->index, addr, len, head);
				return -EFAULT;
			}
			table = p;
			table_num = len / sizeof(struct vhu_vring_desc);
			in_indirect = true;
			i = 0;
			continue;
		}

		if (flags & VRING_DESC_F_WRITE) {
			seen_write = true;
		} else if (seen_write) {
			vhu_err(vq->log, "queue %u: readable descriptor after a writable one in chain at head %u",
				vq->index, head);
			return -EINVAL;
		}

		if (len) {
			p = vhu_gpa_to_va(vq->mem, addr, len);
			if (!p) {
				vhu_err(vq->log, "queue %u: descriptor %u (addr 0x%" PRIx64 " len %u) in chain at head %u is outside guest memory",
					vq->index, i, addr, len, head);
				return -EFAULT;
			}
			if (flags & VRING_DESC_F_WRITE) {
				if (sg_append(&e->in_sg, &e->in_num, &in_cap, p, len))
					return -ENOMEM;
				e->in_len += len;
			} else {
				if (sg_append(&e->out_sg, &e->out_num, &out_cap, p, len))
					return -ENOMEM;
				e->out_len += len;
			}
		}

		if (!(flags & VRING_DESC_F_NEXT))
			return 0;
		i = le16toh(d.next);
		if (i >= table_num) {
			vhu_err(vq->log, "queue %u: next index %u out of range (%u entries) in chain at head %u",
				vq->index, i, table_num, head);
			return -EINVAL;
		}
	}
}

static void set_avail_event(struct vhu_vq *vq, uint16_t val)
{
	if (!vq->event_idx)
		return;
	/* avail_event follows the num used elements */
	write16((uint16_t *)((char *)vq->used + 4 + 8 * (size_t)vq->num), val);
}

static uint16_t used_event(const struct vhu_vq *vq)
{
	return read16(&vq->avail->ring[vq->num]);
}

static int guest_error(struct vhu_vq *vq, int err)
{
	vhu_vq_set_broken(vq);
	return err;
}

struct vhu_elem *vhu_vq_pop(struct vhu_vq *vq, int *err)
{
	struct vhu_elem *e;
	uint16_t avail_idx, pending, head;
	int ret;

	*err = 0;
	if (!vhu_vq_ready(vq)) {
		*err = vq->broken ? -EIO : -EAGAIN;
		return NULL;
	}

	avail_idx = read16(&vq->avail->idx);
	pending = avail_idx - vq->last_avail_idx;
	if (!pending && vq->event_idx) {
		/* ask for a kick on the next buffer, then look again */
		set_avail_event(vq, vq->last_avail_idx);
		vhu_smp_mb();
		avail_idx = read16(&vq->avail->idx);
		pending = avail_idx - vq->last_avail_idx;
	}
	if (!pending)
		return NULL;
	if (pending > vq->num) {
		vhu_err(vq->log, "queue %u: avail idx %u is %u entries ahead of last_avail_idx %u, more than the queue size %u",
			vq->index, avail_idx, pending, vq->last_avail_idx, vq->num);
		*err = guest_error(vq, -EINVAL);
		return NULL;
	}
	/* read ring entries only after seeing the index */
	vhu_smp_rmb();

	head = read16(&vq->avail->ring[vq->last_avail_idx & (vq->num - 1)]);
	if (head >= vq->num) {
		vhu_err(vq->log, "queue %u: avail ring entry %u has head index %u >= queue size %u",
			vq->index, vq->last_avail_idx, head, vq->num);
		*err = guest_error(vq, -EINVAL);
		return NULL;
	}

	e = calloc(1, sizeof(*e));
	if (!e) {
		*err = -ENOMEM;
		return NULL;
	}
	e->head = head;
	ret = map_chain(vq, head, e);
	if (ret) {
		vhu_elem_free(e);
		*err = ret == -ENOMEM ? ret : guest_error(vq, ret);
		return NULL;
	}

	vq->last_avail_idx++;
	set_avail_event(vq, vq->last_avail_idx);
	vq->inflight++;
	vq->popped++;
	return e;
}

int vhu_vq_push(struct vhu_vq *vq, const struct vhu_elem *elem, uint32_t len)
{
	struct vhu_vring_used_elem *u;

	if (!vhu_vq_ready(vq))
		return -EIO;
	if (len > elem->in_len) {
		vhu_err(vq->log, "queue %u: used length %u exceeds writable length %zu of head %u, clamping",
			vq->index, len, elem->in_len, elem->head);
		len = (uint32_t)elem->in_len;
	}
	u = &vq->used->ring[vq->used_idx & (vq->num - 1)];
	u->id = htole32(elem->head);
	u->len = htole32(len);
	/* the element must be visible before the index */
	vhu_smp_wmb();
	vq->used_idx++;
	write16(&vq->used->idx, vq->used_idx);
	if (vq->inflight)
		vq->inflight--;
	vq->pushed++;
	return 0;
}

bool vhu_vq_should_notify(struct vhu_vq *vq)
{
	uint16_t old, new_idx;
	bool valid;

	if (!vhu_vq_ready(vq))
		return false;
	/* our used->idx store must be visible before we read the driver's flags */
	vhu_smp_mb();
	if (!vq->event_idx)
		return !(read16(&vq->avail->flags) & VRING_AVAIL_F_NO_INTERRUPT);

	old = vq->signalled_used;
	valid = vq->signalled_used_valid;
	new_idx = vq->used_idx;
	vq->signalled_used = new_idx;
	vq->signalled_used_valid = true;
	return !valid || vhu_vring_need_event(used_event(vq), new_idx, old);
}

bool vhu_vq_notify(struct vhu_vq *vq)
{
	uint64_t one = 1;

	if (!vhu_vq_should_notify(vq))
		return false;
	if (vq->call_fd >= 0 && write(vq->call_fd, &one, sizeof(one)) < 0) {
		vhu_err(vq->log, "queue %u: writing call eventfd failed", vq->index);
		return false;
	}
	vq->notified++;
	return true;
}
