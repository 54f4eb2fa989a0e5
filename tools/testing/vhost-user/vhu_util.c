// SPDX-License-Identifier: GPL-2.0
/*
 * vhu - logging and iovec helpers.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "vhu.h"

void vhu_log_init(struct vhu_log *log, const char *name)
{
	memset(log, 0, sizeof(*log));
	log->name = name ? name : "vhu";
}

void vhu_err(struct vhu_log *log, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(log->last_error, sizeof(log->last_error), fmt, ap);
	va_end(ap);
	log->errors++;
	if (!log->quiet)
		fprintf(stderr, "%s: %s\n", log->name, log->last_error);
}

void vhu_dbg(struct vhu_log *log, const char *fmt, ...)
{
	va_list ap;

	if (!log->verbose)
		return;
	fprintf(stderr, "%s: ", log->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

size_t vhu_iov_to_buf(const struct iovec *iov, unsigned int cnt,
		      size_t offset, void *buf, size_t len)
{
	size_t done = 0;
	unsigned int i;

	for (i = 0; i < cnt && done < len; i++) {
		size_t n;

		if (offset >= iov[i].iov_len) {
			offset -= iov[i].iov_len;
			continue;
		}
		n = iov[i].iov_len - offset;
		if (n > len - done)
			n = len - done;
		memcpy((char *)buf + done, (char *)iov[i].iov_base + offset, n);
		done += n;
		offset = 0;
	}
	return done;
}

size_t vhu_iov_from_buf(const struct iovec *iov, unsigned int cnt,
			size_t offset, const void *buf, size_t len)
{
	size_t done = 0;
	unsigned int i;

	for (i = 0; i < cnt && done < len; i++) {
		size_t n;

		if (offset >= iov[i].iov_len) {
			offset -= iov[i].iov_len;
			continue;
		}
		n = iov[i].iov_len - offset;
		if (n > len - done)
			n = len - done;
		memcpy((char *)iov[i].iov_base + offset, (const char *)buf + done, n);
		done += n;
		offset = 0;
	}
	return done;
}
