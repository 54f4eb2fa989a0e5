// SPDX-License-Identifier: GPL-2.0
/*
 * The device models' file based control interface; see ctl-dir.h.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctl-dir.h"

struct ctl_dir {
	char *dir;
	const char *prog;
	int ifd;
	ctl_exec_fn exec;
	void *opaque;
};

void ctl_dir_reply(struct ctl_dir *c, const char *seq, const char *fmt, ...)
{
	char tmp[PATH_MAX], path[PATH_MAX], line[CTL_RSP_MAX + 2];
	va_list ap;
	size_t len;
	int fd;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	len = strlen(line);
	line[len++] = '\n';
	snprintf(tmp, sizeof(tmp), "%s/.rsp-%s.tmp", c->dir, seq);
	snprintf(path, sizeof(path), "%s/rsp-%s", c->dir, seq);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	if (fd < 0) {
		fprintf(stderr, "%s: cannot create %s: %s\n", c->prog, tmp,
			strerror(errno));
		return;
	}
	if (write(fd, line, len) != (ssize_t)len || close(fd) < 0 ||
	    rename(tmp, path) < 0) {
		fprintf(stderr, "%s: cannot write reply %s: %s\n", c->prog, path,
			strerror(errno));
		unlink(tmp);
	}
}

int ctl_split(char *line, char **argv, int max)
{
	char *save = NULL, *tok;
	int argc = 0;

	for (tok = strtok_r(line, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
		if (argc == max)
			return -1;
		argv[argc++] = tok;
	}
	return argc;
}

int ctl_parse_num(const char *s, bool hex, uint64_t max, uint64_t *v)
{
	int base = hex ? 16 : 10;
	char *end;

	if (!*s || *s == '-' || *s == '+')
		return -1;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		base = 16;
	errno = 0;
	*v = strtoull(s, &end, base);
	return errno || *end || *v > max ? -1 : 0;
}

static bool valid_seq(const char *s)
{
	size_t n = strlen(s);

	if (!n || n > CTL_SEQ_MAX)
		return false;
	return strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-") == n;
}

static void handle_name(struct ctl_dir *c, const char *name)
{
	char path[PATH_MAX], buf[CTL_REQ_MAX + 1];
	const char *seq = name + 4;
	struct stat st;
	ssize_t n;
	int fd;

	if (strncmp(name, "req-", 4) || !valid_seq(seq))
		return;
	snprintf(path, sizeof(path), "%s/%s", c->dir, name);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOFOLLOW);
	if (fd < 0)
		return;		/* already served */
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return;
	}
	n = read(fd, buf, CTL_REQ_MAX);
	close(fd);
	if (unlink(path) < 0 && errno == ENOENT)
		return;		/* raced with another event for the same file */
	if (n < 0)
		n = 0;
	buf[n] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
	c->exec(c->opaque, c, seq, buf);
}

static void scan(struct ctl_dir *c)
{
	struct dirent *de;
	DIR *dir;

	dir = opendir(c->dir);
	if (!dir) {
		fprintf(stderr, "%s: cannot read %s: %s\n", c->prog, c->dir,
			strerror(errno));
		return;
	}
	while ((de = readdir(dir)))
		handle_name(c, de->d_name);
	closedir(dir);
}

void ctl_dir_event(struct ctl_dir *c)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	const struct inotify_event *ev;
	bool rescan = false;
	ssize_t n;
	char *p;

	for (;;) {
		n = read(c->ifd, buf, sizeof(buf));
		if (n <= 0)
			break;
		for (p = buf; p < buf + n; p += sizeof(*ev) + ev->len) {
			ev = (const struct inotify_event *)p;
			if (ev->mask & IN_Q_OVERFLOW)
				rescan = true;
			else if (ev->len)
				handle_name(c, ev->name);
		}
	}
	if (rescan)
		scan(c);
}

int ctl_dir_fd(const struct ctl_dir *c)
{
	return c ? c->ifd : -1;
}

int ctl_dir_open(struct ctl_dir **out, const char *dir, const char *prog,
		 ctl_exec_fn exec, void *opaque)
{
	struct ctl_dir *c;
	int e;

	*out = NULL;
	if (mkdir(dir, 0777) < 0 && errno != EEXIST) {
		e = errno;
		fprintf(stderr, "%s: cannot create %s: %s\n", prog, dir, strerror(e));
		return -e;
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->prog = prog;
	c->exec = exec;
	c->opaque = opaque;
	c->dir = strdup(dir);
	c->ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (!c->dir || c->ifd < 0 ||
	    inotify_add_watch(c->ifd, dir, IN_MOVED_TO | IN_CLOSE_WRITE) < 0) {
		e = errno ? errno : ENOMEM;
		fprintf(stderr, "%s: cannot watch %s: %s\n", prog, dir, strerror(e));
		if (c->ifd >= 0)
			close(c->ifd);
		free(c->dir);
		free(c);
		return -e;
	}
	*out = c;
	scan(c);
	return 0;
}

void ctl_dir_close(struct ctl_dir *c)
{
	if (!c)
		return;
	close(c->ifd);
	free(c->dir);
	free(c);
}
