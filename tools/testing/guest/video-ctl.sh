#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# video-ctl.sh - send one command to va-video-model's control directory
# and print the reply.  POSIX sh (busybox in the guest).
#
#   video-ctl.sh [-d DIR] [-t SECONDS] COMMAND...
#
# DIR defaults to $VA_VIDEO_CTL, else $VA_MODEL_CTL, else
# /mnt/work/video-ctl (the host's --ctl-dir seen over 9p).  The protocol,
# options and exit status are model-ctl.sh's (0 ok, 1 error, 2 no reply,
# 3 usage).
#
# Commands (prefix "dev D" for the D-th --socket; see va-video-model.c):
#   fault KIND [N]       KIND: short-event bad-cookie bad-stream unsolicited
#                        dup-answer bad-sizes bad-flags bad-params
#   fault stream-error S close stream S with a standalone error event
#   stats                "ok events=N errors=N frames=N ... decode_us=N ...
#                        sS.frames=N ..."
#   wait-idle MS         "ok" once the model has no input and no event waiting
#   quit

here=$(dirname "$0")
VA_MODEL_CTL=${VA_VIDEO_CTL:-${VA_MODEL_CTL:-/mnt/work/video-ctl}} \
	VA_CTL_NAME=video-ctl.sh exec sh "$here/model-ctl.sh" "$@"
