// SPDX-License-Identifier: GPL-2.0
/*
 * vhu - guest memory table and address translation.
 *
 * Regions come from SET_MEM_TABLE or ADD_MEM_REG.  Each is mmap()ed
 * MAP_SHARED from the fd the front-end passed.  A translation succeeds only
 * if the whole [addr, addr + len) range lies inside a single region.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "vhu.h"

void vhu_mem_init(struct vhu_mem *mem, struct vhu_log *log)
{
	memset(mem, 0, sizeof(*mem));
	mem->log = log;
}

static bool range_overflows(uint64_t addr, uint64_t len)
{
	return len && len - 1 > UINT64_MAX - addr;
}

static bool ranges_overlap(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	/* both ranges are known not to wrap */
	return a < b + blen && b < a + alen;
}

int vhu_mem_add(struct vhu_mem *mem, uint64_t gpa, uint64_t size,
		uint64_t uaddr, uint64_t mmap_offset, int fd)
{
	struct vhu_mem_region *r;
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
	uint64_t map_off, delta;
	unsigned int i;
	void *p;

	if (mem->nregions >= VHU_MAX_MEM_SLOTS) {
		vhu_err(mem->log,
			"memory table full (%u regions), cannot add region gpa 0x%" PRIx64,
			VHU_MAX_MEM_SLOTS, gpa);
		return -ENOSPC;
	}
	if (fd < 0) {
		vhu_err(mem->log, "memory region gpa 0x%" PRIx64 " has no fd", gpa);
		return -EINVAL;
	}
	if (!size || range_overflows(gpa, size) || range_overflows(uaddr, size) ||
	    range_overflows(mmap_offset, size) || size > SIZE_MAX / 2) {
		vhu_err(mem->log, "invalid memory region gpa 0x%" PRIx64 " size 0x%" PRIx64
			" uaddr 0x%" PRIx64 " offset 0x%" PRIx64,
			gpa, size, uaddr, mmap_offset);
		return -EINVAL;
	}
	for (i = 0; i < mem->nregions; i++) {
		r = &mem->regions[i];
		if (ranges_overlap(gpa, size, r->gpa, r->size)) {
			vhu_err(mem->log, "memory region gpa 0x%" PRIx64 " size 0x%" PRIx64
				" overlaps region gpa 0x%" PRIx64 " size 0x%" PRIx64,
				gpa, size, r->gpa, r->size);
			return -EINVAL;
		}
	}

	map_off = mmap_offset & ~(page - 1);
	delta = mmap_offset - map_off;
	p = mmap(NULL, size + delta, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		 (off_t)map_off);
	if (p == MAP_FAILED) {
		int e = errno;

		vhu_err(mem->log, "mmap of region gpa 0x%" PRIx64 " size 0x%" PRIx64
			" offset 0x%" PRIx64 " failed: %s",
			gpa, size, mmap_offset, strerror(e));
		return -e;
	}

	r = &mem->regions[mem->nregions++];
	r->gpa = gpa;
	r->size = size;
	r->uaddr = uaddr;
	r->mmap_offset = mmap_offset;
	r->map_base = p;
	r->map_size = size + delta;
	r->host = (char *)p + delta;
	return 0;
}

static void region_unmap(struct vhu_mem_region *r)
{
	if (r->map_base)
		munmap(r->map_base, r->map_size);
	memset(r, 0, sizeof(*r));
}

int vhu_mem_remove(struct vhu_mem *mem, uint64_t gpa, uint64_t size,
		   uint64_t uaddr)
{
	unsigned int i;

	for (i = 0; i < mem->nregions; i++) {
		struct vhu_mem_region *r = &mem->regions[i];

		if (r->gpa != gpa || r->size != size || r->uaddr != uaddr)
			continue;
		region_unmap(r);
		memmove(r, r + 1, (mem->nregions - i - 1) * sizeof(*r));
		mem->nregions--;
		memset(&mem->regions[mem->nregions], 0, sizeof(*r));
		return 0;
	}
	vhu_err(mem->log, "no memory region gpa 0x%" PRIx64 " size 0x%" PRIx64
		" uaddr 0x%" PRIx64 " to remove", gpa, size, uaddr);
	return -ENOENT;
}

void vhu_mem_clear(struct vhu_mem *mem)
{
	unsigned int i;

	for (i = 0; i < mem->nregions; i++)
		region_unmap(&mem->regions[i]);
	mem->nregions = 0;
}

static void *translate(struct vhu_mem *mem, uint64_t addr, uint64_t len,
		       bool user, const char *what)
{
	uint64_t check = len ? len : 1;
	unsigned int i;

	if (range_overflows(addr, check)) {
		vhu_err(mem->log, "%s address 0x%" PRIx64 " len 0x%" PRIx64
			" wraps around the address space", what, addr, len);
		return NULL;
	}
	for (i = 0; i < mem->nregions; i++) {
		const struct vhu_mem_region *r = &mem->regions[i];
		uint64_t base = user ? r->uaddr : r->gpa;
		uint64_t off;

		if (addr < base || addr - base >= r->size)
			continue;
		off = addr - base;
		if (check > r->size - off)
			continue;	/* starts here but ends outside */
		return (char *)r->host + off;
	}
	vhu_err(mem->log, "%s address 0x%" PRIx64 " len 0x%" PRIx64
		" is not inside one guest memory region (%u regions)",
		what, addr, len, mem->nregions);
	return NULL;
}

void *vhu_gpa_to_va(struct vhu_mem *mem, uint64_t gpa, uint64_t len)
{
	return translate(mem, gpa, len, false, "guest");
}

void *vhu_uva_to_va(struct vhu_mem *mem, uint64_t uaddr, uint64_t len)
{
	return translate(mem, uaddr, len, true, "front-end user");
}
