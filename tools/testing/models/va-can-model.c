// SPDX-License-Identifier: GPL-2.0
/*
 * va-can-model - a virtual CAN bus of vhost-user virtio-can devices
 * (virtio ID 36, VIRTIO 1.4), for end-to-end tests.
 *
 * One process serves every device on the bus; each device listens on its
 * own vhost-user socket, and devices are numbered 0, 1, ... in --socket
 * order.  A valid frame sent by one device is received by every other
 * STARTED device that negotiated its frame type.  Nothing is lost: a TX
 * request waits while a receiver's RX backlog (1024 frames) is full.
 *
 *   va-can-model [--features LIST] --socket PATH
 *                [[--features LIST] --socket PATH ...]
 *                [--ctl-dir DIR] [--log FILE] [--verbose]
 *
 * --features applies to the --socket options after it; LIST is a '+' or
 * ',' separated subset of classic, fd, rtr, late (default: all four).
 * --ctl-dir enables the file based control interface (can/can-ctl.c);
 * --log FILE gets one line per frame put on the bus:
 *   "<dev> <hex id> <hex flags> <len> <hex payload or ->".
 *
 * Devices start STOPPED; the driver's START/STOP control requests switch
 * them.  Bus-off and other faults are injected through the control
 * directory, see can-ctl.c and tools/testing/guest/can-ctl.sh.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "can/can.h"

#define TOK_SIGNAL	(CAN_MAX_DEVS + 1)
#define TOK_CTL		(CAN_MAX_DEVS + 2)
#define TOK_TIMER	(CAN_MAX_DEVS + 3)

static const char * const feature_names[] = { "classic", "fd", "rtr", "late" };

static void usage(FILE *f)
{
	fprintf(f,
		"usage: " CAN_MODEL_NAME " [--features LIST] --socket PATH [[--features LIST] --socket PATH ...]\n"
		"                    [--ctl-dir DIR] [--log FILE] [--verbose]\n"
		"  --features LIST  CAN features offered by the following sockets: '+' or ','\n"
		"                   separated subset of classic, fd, rtr, late (default all;\n"
		"                   rtr needs classic)\n"
		"  --socket PATH    one more device (0, 1, ... in order) listening on PATH\n"
		"  --ctl-dir DIR    control directory (requests req-SEQ, replies rsp-SEQ)\n"
		"  --log FILE       append one line per frame put on the bus\n"
		"  --verbose        trace to stderr\n");
}

static int parse_features(const char *list, uint64_t *out)
{
	char *copy = strdup(list), *save = NULL, *tok;
	uint64_t f = 0;
	unsigned int i;
	int ret = 0;

	if (!copy)
		return -1;
	for (tok = strtok_r(copy, "+,", &save); tok; tok = strtok_r(NULL, "+,", &save)) {
		for (i = 0; i < 4; i++)
			if (!strcmp(tok, feature_names[i]))
				break;
		if (!strcmp(tok, "all")) {
			f |= CAN_FEATURES_ALL;
		} else if (i < 4) {
			f |= VHU_BIT(i);
		} else {
			fprintf(stderr, CAN_MODEL_NAME ": unknown feature '%s' (classic, fd, rtr, late)\n",
				tok);
			ret = -1;
		}
	}
	free(copy);
	if (ret)
		return ret;
	if (!(f & (VHU_BIT(VIRTIO_CAN_F_CAN_CLASSIC) | VHU_BIT(VIRTIO_CAN_F_CAN_FD)))) {
		fprintf(stderr, CAN_MODEL_NAME ": --features '%s': need classic or fd\n", list);
		return -1;
	}
	if ((f & VHU_BIT(VIRTIO_CAN_F_RTR_FRAMES)) &&
	    !(f & VHU_BIT(VIRTIO_CAN_F_CAN_CLASSIC))) {
		fprintf(stderr, CAN_MODEL_NAME ": --features '%s': rtr requires classic\n", list);
		return -1;
	}
	*out = f;
	return 0;
}

static void feature_string(uint64_t f, char *buf, size_t size)
{
	unsigned int i;
	size_t n = 0;

	buf[0] = '\0';
	for (i = 0; i < 4 && n < size; i++)
		if (f & VHU_BIT(i))
			n += snprintf(buf + n, size - n, "%s%s", n ? "+" : "",
				      feature_names[i]);
}

static int ep_add(int ep, int fd, uint64_t tok)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = tok };

	if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0) {
		fprintf(stderr, CAN_MODEL_NAME ": epoll_ctl: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

static void arm_timer(struct can_bus *bus, int tfd)
{
	uint64_t due = can_bus_next_due(bus), w = can_ctl_next_deadline(bus);
	struct itimerspec its = { 0 };

	if (w && (!due || w < due))
		due = w;
	its.it_value.tv_sec = due / 1000000000ULL;
	its.it_value.tv_nsec = due % 1000000000ULL;
	timerfd_settime(tfd, TFD_TIMER_ABSTIME, &its, NULL);
}

static int run(struct can_bus *bus, int ep, int sfd, int tfd)
{
	struct epoll_event evs[16];
	bool more = false;
	uint64_t v;
	int n, i;

	for (;;) {
		more = can_bus_pump(bus);
		can_ctl_check_waits(bus);
		arm_timer(bus, tfd);
		if (bus->quit)
			return 0;
		n = epoll_wait(ep, evs, 16, more ? 0 : -1);
		if (n < 0 && errno != EINTR) {
			fprintf(stderr, CAN_MODEL_NAME ": epoll_wait: %s\n", strerror(errno));
			return -1;
		}
		for (i = 0; i < n; i++) {
			uint64_t tok = evs[i].data.u64;

			if (tok < bus->ndev) {
				if (vhu_dev_poll(&bus->devs[tok]->vdev, 0) < 0)
					return -1;
			} else if (tok == TOK_SIGNAL) {
				struct signalfd_siginfo si;

				if (read(sfd, &si, sizeof(si)) == sizeof(si)) {
					can_dbg(bus, "signal %u, shutting down", si.ssi_signo);
					bus->quit = true;
				}
			} else if (tok == TOK_CTL) {
				can_ctl_event(bus);
			} else if (tok == TOK_TIMER) {
				if (read(tfd, &v, sizeof(v)) < 0 && errno != EAGAIN)
					fprintf(stderr, CAN_MODEL_NAME ": timerfd: %s\n",
						strerror(errno));
			}
		}
	}
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "features", required_argument, NULL, 'f' },
		{ "socket", required_argument, NULL, 's' },
		{ "ctl-dir", required_argument, NULL, 'c' },
		{ "log", required_argument, NULL, 'l' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	const char *sockets[CAN_MAX_DEVS], *ctl_dir = NULL;
	uint64_t features = CAN_FEATURES_ALL, sock_features[CAN_MAX_DEVS];
	bool features_pending = false, verbose = false;
	struct can_bus bus = { 0 };
	unsigned int nsock = 0, i;
	int c, ret = 0, ep = -1, sfd = -1, tfd = -1;
	char fs[64];

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (parse_features(optarg, &features))
				return 2;
			features_pending = true;
			break;
		case 's':
			if (nsock == CAN_MAX_DEVS) {
				fprintf(stderr, CAN_MODEL_NAME ": at most %d sockets\n",
					CAN_MAX_DEVS);
				return 2;
			}
			sockets[nsock] = optarg;
			sock_features[nsock++] = features;
			features_pending = false;
			break;
		case 'c':
			ctl_dir = optarg;
			break;
		case 'l':
			bus.log_path = optarg;
			break;
		case 'v':
			verbose = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc || !nsock) {
		if (!nsock)
			fprintf(stderr, CAN_MODEL_NAME ": at least one --socket is required\n");
		usage(stderr);
		return 2;
	}
	if (features_pending) {
		fprintf(stderr, CAN_MODEL_NAME ": --features after the last --socket applies to nothing\n");
		return 2;
	}
	bus.verbose = verbose;

	prctl(PR_SET_PDEATHSIG, SIGTERM);

	if (bus.log_path) {
		bus.log = fopen(bus.log_path, "a");
		if (!bus.log) {
			fprintf(stderr, CAN_MODEL_NAME ": cannot open log %s: %s\n",
				bus.log_path, strerror(errno));
			return 1;
		}
	}
	sfd = vhu_signalfd();
	ep = epoll_create1(EPOLL_CLOEXEC);
	tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (sfd < 0 || ep < 0 || tfd < 0) {
		fprintf(stderr, CAN_MODEL_NAME ": setup: %s\n", strerror(errno));
		ret = -1;
	}
	if (!ret)
		ret = ep_add(ep, sfd, TOK_SIGNAL) || ep_add(ep, tfd, TOK_TIMER);
	for (i = 0; i < nsock && !ret; i++) {
		ret = can_dev_create(&bus, sockets[i], sock_features[i], verbose);
		if (!ret)
			ret = ep_add(ep, bus.devs[i]->vdev.epoll_fd, i);
		if (!ret) {
			feature_string(sock_features[i], fs, sizeof(fs));
			fprintf(stderr, CAN_MODEL_NAME ": dev%u listening on %s (%s)\n",
				i, sockets[i], fs);
		}
	}
	if (!ret && ctl_dir) {
		ret = can_ctl_open(&bus, ctl_dir);
		if (!ret)
			ret = ep_add(ep, can_ctl_fd(&bus), TOK_CTL);
	}
	if (!ret)
		ret = run(&bus, ep, sfd, tfd);

	for (i = 0; i < bus.ndev; i++)
		can_dev_summary(bus.devs[i], stderr);
	can_ctl_close(&bus);
	for (i = 0; i < bus.ndev; i++)
		can_dev_destroy(bus.devs[i]);
	if (bus.log)
		fclose(bus.log);
	if (tfd >= 0)
		close(tfd);
	if (sfd >= 0)
		close(sfd);
	if (ep >= 0)
		close(ep);
	return ret ? 1 : 0;
}
