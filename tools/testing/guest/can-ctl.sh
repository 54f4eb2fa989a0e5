#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# can-ctl.sh - send one command to va-can-model's control directory and
# print the reply.  POSIX sh (busybox in the guest).
#
#   can-ctl.sh [-d DIR] [-t SECONDS] COMMAND...
#
# DIR defaults to $VA_CAN_CTL, else /mnt/work/can-ctl (the host's --ctl-dir
# seen over 9p).  The protocol, options and exit status are model-ctl.sh's
# (0 ok, 1 error, 2 no reply, 3 usage); "wait D STATE MS" extends the
# timeout (default 10 s) to MS plus 2 s.
#
# Commands (D is the 0-based device index, see va-can-model):
#   busoff D | status D VALUE | txfail D N | txresult D VALUE N
#   txdelay D MS | txhold D on|off | flood D N|inf [classic|fd|mixed] [ID]
#   rx D ID LEN [FLAGS] | malformed D KIND | state D | stats D
#   wait D started|stopped MS | quit

here=$(dirname "$0")
VA_MODEL_CTL=${VA_CAN_CTL:-/mnt/work/can-ctl} \
	VA_CTL_NAME=can-ctl.sh exec sh "$here/model-ctl.sh" "$@"
