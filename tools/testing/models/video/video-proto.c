// SPDX-License-Identifier: GPL-2.0
/*
 * va-video-model: the device side of the virtio-video v10 wire format.
 * See video-proto.h.
 */
#include <endian.h>
#include <stddef.h>
#include <string.h>

#include "video-proto.h"

#define TLV_HDR	sizeof(struct virtio_video_tlv)

void vm_tlvw_init(struct vm_tlvw *w, void *buf, size_t size)
{
	w->buf = buf;
	w->size = size;
	w->len = 0;
	w->overflow = false;
}

void *vm_tlv_put(struct vm_tlvw *w, uint32_t type, size_t len)
{
	struct virtio_video_tlv hdr;

	len = (len + 3) & ~(size_t)3;
	if (w->overflow || len > UINT32_MAX || w->size - w->len < TLV_HDR + len) {
		w->overflow = true;
		return NULL;
	}
	hdr.type = htole32(type);
	hdr.length = htole32(len);
	memcpy(w->buf + w->len, &hdr, sizeof(hdr));
	w->len += TLV_HDR;
	memset(w->buf + w->len, 0, len);
	w->len += len;
	return w->buf + w->len - len;
}

size_t vm_tlv_open(struct vm_tlvw *w, uint32_t type)
{
	size_t start = w->len;

	vm_tlv_put(w, type, 0);
	return start;
}

void vm_tlv_close(struct vm_tlvw *w, size_t start)
{
	uint32_t len;

	if (w->overflow)
		return;
	len = htole32(w->len - start - TLV_HDR);
	memcpy(w->buf + start + offsetof(struct virtio_video_tlv, length), &len,
	       sizeof(len));
}

int vm_tlv_next(const uint8_t **p, size_t *left, struct vm_tlv *t)
{
	struct virtio_video_tlv hdr;

	if (!*left)
		return 0;
	if (*left < TLV_HDR)
		return -1;
	memcpy(&hdr, *p, sizeof(hdr));
	t->type = le32toh(hdr.type);
	t->len = le32toh(hdr.length);
	if (t->len % 4 || t->len > *left - TLV_HDR)
		return -1;
	t->val = *p + TLV_HDR;
	*p += TLV_HDR + t->len;
	*left -= TLV_HDR + t->len;
	return 1;
}

static struct virtio_video_range range(uint32_t min, uint32_t max, uint32_t step)
{
	struct virtio_video_range r = {
		.min = htole32(min), .max = htole32(max), .step = htole32(step),
	};

	return r;
}

/*
 * TLV values are only 4-byte aligned and some wire structures hold 64-bit
 * fields: values are built in place on the stack and copied.
 */
static void put_val(struct vm_tlvw *w, uint32_t type, const void *val,
		    size_t len)
{
	void *dst = vm_tlv_put(w, type, len);

	if (dst)
		memcpy(dst, val, len);
}

static void put_coded_set(struct vm_tlvw *w, const struct vm_coded_desc *c)
{
	struct virtio_video_coded_format_caps f = { .format = htole32(c->format) };
	struct virtio_video_coded_resources_caps res = {
		.num_resources_range = range(c->min_resources, c->max_resources, 1),
		.resource_size_range = range(c->min_size, c->max_size, VM_PAGE_SIZE),
	};
	size_t set = vm_tlv_open(w, VIRTIO_VIDEO_TLV_CODED_SET);

	put_val(w, VIRTIO_VIDEO_TLV_CODED_FORMAT, &f, sizeof(f));
	put_val(w, VIRTIO_VIDEO_TLV_CODED_RESOURCES, &res, sizeof(res));
	vm_tlv_put(w, VIRTIO_VIDEO_TLV_RESOURCE_GUEST_PAGES, 0);
	vm_tlv_close(w, set);
}

static void put_raw_set(struct vm_tlvw *w, const struct vm_raw_desc *r)
{
	struct virtio_video_raw_format_caps f = {
		.planes_layout_mask = htole32(VIRTIO_VIDEO_PLANES_LAYOUT_SINGLE_BUFFER),
		.fourcc = htole32(r->fourcc),
		.width_range = range(r->min_width, r->max_width, r->width_step),
		.height_range = range(r->min_height, r->max_height, r->height_step),
		/* Any power of two from 1 to 256 bytes or lines. */
		.stride_align_mask = htole32(VM_ALIGN_MASK_ALL),
		.height_align_mask = htole32(VM_ALIGN_MASK_ALL),
		.plane_align_mask = htole32(VM_ALIGN_MASK_ALL),
	};
	struct virtio_video_raw_resources_caps res = {
		.num_resources_range = range(r->min_resources, r->max_resources, 1),
	};
	size_t set = vm_tlv_open(w, VIRTIO_VIDEO_TLV_RAW_SET);

	put_val(w, VIRTIO_VIDEO_TLV_RAW_FORMAT, &f, sizeof(f));
	put_val(w, VIRTIO_VIDEO_TLV_RAW_RESOURCES, &res, sizeof(res));
	vm_tlv_put(w, VIRTIO_VIDEO_TLV_RESOURCE_GUEST_PAGES, 0);
	vm_tlv_put(w, VIRTIO_VIDEO_TLV_CROP, 0);
	vm_tlv_close(w, set);
}

size_t vm_caps_build(const struct vm_caps_desc *d, void *buf, size_t size)
{
	uint32_t type = htole32(VIRTIO_VIDEO_STREAM_TYPE_DECODER);
	struct vm_tlvw w;
	unsigned int i;
	uint8_t *link;

	if (!d->num_coded || !d->num_raw || d->num_coded > VM_MAX_SETS ||
	    d->num_raw > 64)
		return 0;
	vm_tlvw_init(&w, buf, size);
	for (i = 0; i < d->num_coded; i++)
		put_coded_set(&w, &d->coded[i]);
	for (i = 0; i < d->num_raw; i++)
		put_raw_set(&w, &d->raw[i]);
	/* stream_type, 4 bytes of padding, one 64-bit row per coded set */
	link = vm_tlv_put(&w, VIRTIO_VIDEO_TLV_LINK, 8 + 8 * (size_t)d->num_coded);
	if (link) {
		memcpy(link, &type, sizeof(type));
		for (i = 0; i < d->num_coded; i++) {
			uint64_t row = htole64(d->decoder_links[i]);

			memcpy(link + 8 + 8 * i, &row, sizeof(row));
		}
	}
	return w.overflow ? 0 : w.len;
}

static int bad(const char **why, const char *what)
{
	*why = what;
	return -1;
}

/* The fixed part of RESOURCE_GUEST_PAGES: 40 bytes, entries of 16 follow. */
#define GP_FIXED	offsetof(struct virtio_video_resource_guest_pages, entries)
#define GP_ENTRY	sizeof(struct virtio_video_resource_guest_pages_entry)

static int guest_pages_get(struct vm_guest_pages *gp, const struct vm_tlv *t,
			   const char **why)
{
	uint32_t v[2 + VIRTIO_VIDEO_MAX_PLANES];
	unsigned int i;

	if (t->len < GP_FIXED)
		return bad(why, "RESOURCE_GUEST_PAGES too short");
	memcpy(v, t->val, sizeof(v));
	gp->resource_id = le32toh(v[0]);
	gp->total = 0;
	for (i = 0; i < VIRTIO_VIDEO_MAX_PLANES; i++) {
		gp->num_entries[i] = le32toh(v[2 + i]);
		if (gp->num_entries[i] > (t->len - GP_FIXED) / GP_ENTRY)
			return bad(why, "RESOURCE_GUEST_PAGES entry count too large");
		gp->total += gp->num_entries[i];
	}
	if (!gp->total)
		return bad(why, "RESOURCE_GUEST_PAGES without entries");
	if (t->len != GP_FIXED + (size_t)gp->total * GP_ENTRY)
		return bad(why, "RESOURCE_GUEST_PAGES size does not match its entries");
	gp->entries = t->val + GP_FIXED;
	for (i = 0; i < gp->total; i++) {
		uint64_t addr;
		uint32_t len;

		vm_guest_page(gp, i, &addr, &len);
		if (addr % VM_PAGE_SIZE || !len || len % VM_PAGE_SIZE)
			return bad(why, "guest page entry not page aligned");
	}
	return 0;
}

void vm_guest_page(const struct vm_guest_pages *gp, unsigned int i,
		   uint64_t *addr, uint32_t *len)
{
	struct virtio_video_resource_guest_pages_entry e;

	memcpy(&e, gp->entries + i * GP_ENTRY, sizeof(e));
	*addr = le64toh(e.addr);
	*len = le32toh(e.length);
}

int vm_params_parse(const void *data, size_t len, struct vm_params *p,
		    const char **why)
{
	const uint8_t *q = data, *in;
	size_t left = len, inleft;
	struct vm_tlv t, set;
	unsigned int i;
	int r;

	memset(p, 0, sizeof(*p));
	if (vm_tlv_next(&q, &left, &set) != 1)
		return bad(why, "no parameter container");
	if (left)
		return bad(why, "data after the parameter container");
	if (set.type != VIRTIO_VIDEO_TLV_CODED_SET && set.type != VIRTIO_VIDEO_TLV_RAW_SET)
		return bad(why, "parameters not in a CODED_SET or RAW_SET");
	p->set_type = set.type;
	in = set.val;
	inleft = set.len;
	while ((r = vm_tlv_next(&in, &inleft, &t)) == 1) {
		bool coded = set.type == VIRTIO_VIDEO_TLV_CODED_SET;
		bool coded_tlv = t.type == VIRTIO_VIDEO_TLV_CODED_FORMAT ||
				 t.type == VIRTIO_VIDEO_TLV_CODED_RESOURCES;

		switch (t.type) {
		case VIRTIO_VIDEO_TLV_CODED_FORMAT:
		case VIRTIO_VIDEO_TLV_RAW_FORMAT:
			if (coded != coded_tlv)
				return bad(why, "format of the other kind of set");
			if (p->has_format)
				return bad(why, "format given twice");
			if (coded) {
				uint32_t f;

				if (t.len != sizeof(struct virtio_video_coded_format))
					return bad(why, "bad CODED_FORMAT size");
				memcpy(&f, t.val, sizeof(f));
				p->coded_format = le32toh(f);
			} else {
				if (t.len != sizeof(p->raw_format))
					return bad(why, "bad RAW_FORMAT size");
				memcpy(&p->raw_format, t.val, sizeof(p->raw_format));
			}
			p->has_format = true;
			break;
		case VIRTIO_VIDEO_TLV_CODED_RESOURCES:
		case VIRTIO_VIDEO_TLV_RAW_RESOURCES:
			if (coded != coded_tlv)
				return bad(why, "resources of the other kind of set");
			if (p->has_resources)
				return bad(why, "resources given twice");
			if (t.len != sizeof(struct virtio_video_resources))
				return bad(why, "bad RESOURCES size");
			memcpy(&p->num_resources, t.val, sizeof(p->num_resources));
			p->num_resources = le32toh(p->num_resources);
			if (p->num_resources > VM_MAX_RESOURCES)
				return bad(why, "more resources than the caps allow");
			p->has_resources = true;
			break;
		case VIRTIO_VIDEO_TLV_CROP:
			if (coded)
				return bad(why, "CROP in a coded set");
			if (p->has_crop)
				return bad(why, "CROP given twice");
			if (t.len != sizeof(p->crop))
				return bad(why, "bad CROP size");
			memcpy(&p->crop, t.val, sizeof(p->crop));
			p->has_crop = true;
			break;
		case VIRTIO_VIDEO_TLV_RESOURCE_GUEST_PAGES:
			if (p->num_pages == VM_MAX_RESOURCES)
				return bad(why, "backing for too many resources");
			if (guest_pages_get(&p->pages[p->num_pages], &t, why))
				return -1;
			for (i = 0; i < p->num_pages; i++)
				if (p->pages[i].resource_id == p->pages[p->num_pages].resource_id)
					return bad(why, "backing given twice for one resource");
			p->num_pages++;
			break;
		default:
			return bad(why, "parameter the model does not take");
		}
	}
	if (r < 0)
		return bad(why, "bad TLV framing in the parameters");
	return 0;
}
