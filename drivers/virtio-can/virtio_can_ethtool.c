// SPDX-License-Identifier: GPL-2.0
/*
 * Virtio CAN driver: ethtool operations.
 *
 *  ethtool -i canX               driver, virtio device
 *  ethtool -g canX               RX buffers and TX slots
 *  ethtool -S canX               the driver's counters (enum virtio_can_stat)
 *  ethtool --show-priv-flags canX  negotiated optional features (read-only)
 *  ethtool -T canX               software time stamping
 */
#include <linux/ethtool.h>
#include <linux/netdevice.h>
#include <linux/string.h>

#include "virtio_can_priv.h"

static const char virtio_can_stat_names[VIRTIO_CAN_STAT_COUNT][ETH_GSTRING_LEN] = {
	[VIRTIO_CAN_STAT_TX_NOT_OK] = "tx_not_ok",
	[VIRTIO_CAN_STAT_TX_BAD_RESULT] = "tx_bad_result",
	[VIRTIO_CAN_STAT_TX_BAD_LEN] = "tx_bad_len",
	[VIRTIO_CAN_STAT_TX_UNSUPPORTED] = "tx_unsupported",
	[VIRTIO_CAN_STAT_TX_ORPHANED] = "tx_orphaned",
	[VIRTIO_CAN_STAT_TX_LATE] = "tx_late",
	[VIRTIO_CAN_STAT_RX_BAD + VIRTIO_CAN_RX_SHORT - 1] = "rx_short",
	[VIRTIO_CAN_STAT_RX_BAD + VIRTIO_CAN_RX_OVERSIZE - 1] = "rx_oversize",
	[VIRTIO_CAN_STAT_RX_BAD + VIRTIO_CAN_RX_BAD_TYPE - 1] = "rx_bad_type",
	[VIRTIO_CAN_STAT_RX_BAD + VIRTIO_CAN_RX_BAD_FLAGS - 1] = "rx_bad_flags",
	[VIRTIO_CAN_STAT_RX_BAD + VIRTIO_CAN_RX_BAD_LENGTH - 1] = "rx_bad_length",
	[VIRTIO_CAN_STAT_RX_BAD + VIRTIO_CAN_RX_TRUNCATED - 1] = "rx_truncated",
	[VIRTIO_CAN_STAT_RX_BAD + VIRTIO_CAN_RX_NOT_NEGOTIATED - 1] = "rx_not_negotiated",
	[VIRTIO_CAN_STAT_RX_BAD + VIRTIO_CAN_RX_BAD_ID - 1] = "rx_bad_id",
	[VIRTIO_CAN_STAT_RX_FD_DISABLED] = "rx_fd_disabled",
	[VIRTIO_CAN_STAT_RX_NOMEM] = "rx_nomem",
	[VIRTIO_CAN_STAT_RX_STALE] = "rx_stale",
	[VIRTIO_CAN_STAT_BUS_OFF] = "bus_off",
	[VIRTIO_CAN_STAT_STATUS_UNKNOWN] = "status_unknown",
	[VIRTIO_CAN_STAT_CTRL_NOT_OK] = "ctrl_not_ok",
	[VIRTIO_CAN_STAT_CTRL_TIMEOUT] = "ctrl_timeout",
	[VIRTIO_CAN_STAT_CTRL_LATE] = "ctrl_late",
};

/* Private flags: the negotiated optional features, in this order. */
static const char virtio_can_priv_flag_names[][ETH_GSTRING_LEN] = {
	"fd-frames",
	"rtr-frames",
	"late-tx-ack",
};

static const unsigned int virtio_can_priv_flag_bits[] = {
	VIRTIO_CAN_F_CAN_FD,
	VIRTIO_CAN_F_RTR_FRAMES,
	VIRTIO_CAN_F_LATE_TX_ACK,
};

static void virtio_can_get_drvinfo(struct net_device *dev,
				   struct ethtool_drvinfo *info)
{
	struct virtio_can_priv *priv = netdev_priv(dev);

	strscpy(info->driver, VIRTIO_CAN_DRV_NAME, sizeof(info->driver));
	strscpy(info->bus_info, dev_name(&priv->vdev->dev),
		sizeof(info->bus_info));
}

static void virtio_can_get_ringparam(struct net_device *dev,
				     struct ethtool_ringparam *ring,
				     struct kernel_ethtool_ringparam *kernel_ring,
				     struct netlink_ext_ack *extack)
{
	struct virtio_can_priv *priv = netdev_priv(dev);

	ring->rx_max_pending = priv->rx_num;
	ring->rx_pending = priv->rx_num;
	ring->tx_max_pending = priv->tx_num;
	ring->tx_pending = priv->tx_num;
}

static int virtio_can_get_sset_count(struct net_device *dev, int sset)
{
	switch (sset) {
	case ETH_SS_STATS:
		return VIRTIO_CAN_STAT_COUNT;
	case ETH_SS_PRIV_FLAGS:
		return ARRAY_SIZE(virtio_can_priv_flag_names);
	default:
		return -EOPNOTSUPP;
	}
}

static void virtio_can_get_strings(struct net_device *dev, u32 sset, u8 *data)
{
	switch (sset) {
	case ETH_SS_STATS:
		memcpy(data, virtio_can_stat_names, sizeof(virtio_can_stat_names));
		break;
	case ETH_SS_PRIV_FLAGS:
		memcpy(data, virtio_can_priv_flag_names,
		       sizeof(virtio_can_priv_flag_names));
		break;
	}
}

static void virtio_can_get_ethtool_stats(struct net_device *dev,
					 struct ethtool_stats *stats, u64 *data)
{
	struct virtio_can_priv *priv = netdev_priv(dev);
	unsigned int i;

	for (i = 0; i < VIRTIO_CAN_STAT_COUNT; i++)
		data[i] = atomic_long_read(&priv->stats[i]);
}

static u32 virtio_can_get_priv_flags(struct net_device *dev)
{
	struct virtio_can_priv *priv = netdev_priv(dev);
	unsigned int i;
	u32 flags = 0;

	for (i = 0; i < ARRAY_SIZE(virtio_can_priv_flag_bits); i++)
		if (priv->caps & BIT(virtio_can_priv_flag_bits[i]))
			flags |= BIT(i);
	return flags;
}

const struct ethtool_ops virtio_can_ethtool_ops = {
	.get_drvinfo = virtio_can_get_drvinfo,
	.get_link = ethtool_op_get_link,
	.get_ringparam = virtio_can_get_ringparam,
	.get_sset_count = virtio_can_get_sset_count,
	.get_strings = virtio_can_get_strings,
	.get_ethtool_stats = virtio_can_get_ethtool_stats,
	.get_priv_flags = virtio_can_get_priv_flags,
	.get_ts_info = ethtool_op_get_ts_info,
};
