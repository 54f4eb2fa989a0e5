/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The file based control interface of the device models (va-can-model,
 * va-video-model), shared by both.
 *
 * Tests in the guest see the control directory over 9p.  A client writes
 * a command line to DIR/req-SEQ and closes it (or writes DIR/.req-SEQ.tmp
 * and renames it to DIR/req-SEQ); the model (watching DIR with inotify for
 * IN_CLOSE_WRITE and IN_MOVED_TO, and scanning it at startup) deletes the
 * request and hands the line to the model's execute callback, which
 * answers, then or later, with ctl_dir_reply(): one line in DIR/rsp-SEQ,
 * written to DIR/.rsp-SEQ.tmp first and renamed.  Replies are "ok",
 * "ok <data>" or "error: <reason>".  SEQ is 1 to 64 characters of
 * [A-Za-z0-9_-].  The guest side client is tools/testing/guest/
 * ctl-lib.sh (wrapped by model-ctl.sh, can-ctl.sh and video-ctl.sh).
 *
 * Single threaded: call everything from the model's event loop.
 */
#ifndef VA_CTL_DIR_H
#define VA_CTL_DIR_H

#include <stdbool.h>
#include <stdint.h>

#define CTL_SEQ_MAX	64
#define CTL_REQ_MAX	512
#define CTL_RSP_MAX	1024

struct ctl_dir;

/* @line is the request without its line end; it may be modified. */
typedef void (*ctl_exec_fn)(void *opaque, struct ctl_dir *c, const char *seq,
			    char *line);

/*
 * Create (if needed) and watch @dir; requests already there are executed
 * before this returns.  @prog prefixes error messages.  0 or -errno.
 */
int ctl_dir_open(struct ctl_dir **out, const char *dir, const char *prog,
		 ctl_exec_fn exec, void *opaque);
void ctl_dir_close(struct ctl_dir *c);
/* The inotify fd to watch for EPOLLIN; call ctl_dir_event() when ready. */
int ctl_dir_fd(const struct ctl_dir *c);
void ctl_dir_event(struct ctl_dir *c);
/* Answer request @seq with one line (a newline is added). */
void ctl_dir_reply(struct ctl_dir *c, const char *seq, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * Split @line at blanks into at most @max words; returns the count, or -1
 * if there are more words than @max.
 */
int ctl_split(char *line, char **argv, int max);
/* Decimal, or hex with a 0x prefix (always hex with @hex); 0 or -1. */
int ctl_parse_num(const char *s, bool hex, uint64_t max, uint64_t *v);

#endif
