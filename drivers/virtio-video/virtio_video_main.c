// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-video: V4L2 stateful codec driver for the virtio-video device
 * (draft v10, device ID 50).
 *
 * Probe reads the config, fills eventq, sets DRIVER_OK, then asks for the
 * capabilities and registers a video node per role the device offers
 * (the decoder; the encoder is not written yet).
 */
#include <linux/idr.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/virtio_config.h>

#include "virtio_video.h"
#include "virtio_video_compat.h"

static void virtio_video_release(struct v4l2_device *v4l2_dev)
{
	struct virtio_video *vv =
		container_of(v4l2_dev, struct virtio_video, v4l2_dev);

	if (vv->dec_m2m)
		v4l2_m2m_release(vv->dec_m2m);
	v4l2_device_unregister(&vv->v4l2_dev);
	virtio_video_caps_free(&vv->caps);
	ida_destroy(&vv->stream_ids);
	kfree(vv->streams);
	kfree(vv);
}

static int virtio_video_read_config(struct virtio_video *vv, u32 *caps_length)
{
	struct virtio_device *vdev = vv->vdev;

	virtio_cread_le(vdev, struct virtio_video_config, max_streams,
			&vv->max_streams);
	virtio_cread_le(vdev, struct virtio_video_config, caps_length,
			caps_length);
	if (!vv->max_streams || vv->max_streams > VIRTIO_VIDEO_MAX_STREAMS) {
		dev_err(&vdev->dev, "max_streams %u is not in 1..%u\n",
			vv->max_streams, VIRTIO_VIDEO_MAX_STREAMS);
		return -EINVAL;
	}
	if (*caps_length < sizeof(struct virtio_video_device_query_caps_resp) ||
	    *caps_length > sizeof(struct virtio_video_device_query_caps_resp) +
			   VIRTIO_VIDEO_CAPS_MAX_LEN) {
		dev_err(&vdev->dev, "caps_length %u is not in %zu..%zu\n",
			*caps_length,
			sizeof(struct virtio_video_device_query_caps_resp),
			sizeof(struct virtio_video_device_query_caps_resp) +
			VIRTIO_VIDEO_CAPS_MAX_LEN);
		return -EINVAL;
	}
	return 0;
}

static int virtio_video_probe(struct virtio_device *vdev)
{
	struct virtio_video *vv;
	u32 caps_length;
	int ret;

	if (!vdev->config->get) {
		dev_err(&vdev->dev, "the transport cannot read the config\n");
		return -EINVAL;
	}

	vv = kzalloc_obj(*vv, GFP_KERNEL);
	if (!vv)
		return -ENOMEM;
	vv->vdev = vdev;
	vdev->priv = vv;
	spin_lock_init(&vv->streams_lock);
	ida_init(&vv->stream_ids);
	vv->last_buffer =
		virtio_has_feature(vdev, VIRTIO_VIDEO_F_V4L2_COMPATIBLE_LAST_BUFFER);
	vv->non_contig =
		virtio_has_feature(vdev, VIRTIO_VIDEO_F_RESOURCE_NON_CONTIG);

	ret = v4l2_device_register(&vdev->dev, &vv->v4l2_dev);
	if (ret) {
		ida_destroy(&vv->stream_ids);
		kfree(vv);
		return ret;
	}
	/* From here on the V4L2 device's last reference frees vv. */
	vv->v4l2_dev.release = virtio_video_release;

	ret = virtio_video_read_config(vv, &caps_length);
	if (ret)
		goto err_put;
	vv->streams = kcalloc(vv->max_streams, sizeof(*vv->streams),
			      GFP_KERNEL);
	if (!vv->streams) {
		ret = -ENOMEM;
		goto err_put;
	}

	ret = virtio_video_vq_init(vv);
	if (ret)
		goto err_put;
	virtio_device_ready(vdev);
	virtio_video_vq_start(vv);

	ret = virtio_video_query_caps(vv, caps_length);
	if (ret)
		goto err_vq;

	ret = virtio_video_dec_register(vv);
	if (ret)
		goto err_vq;
	dev_info(&vdev->dev,
		 "virtio-video v10: decoder %s, %u coded and %u raw formats, %u streams%s%s\n",
		 video_device_node_name(&vv->dec_vdev), vv->caps.num_coded,
		 vv->caps.num_raw, vv->max_streams,
		 vv->non_contig ? ", scatter-gather" : ", contiguous buffers",
		 vv->last_buffer ? ", LAST buffers" : "");
	return 0;

err_vq:
	virtio_video_vq_stop(vv);
	virtio_video_vq_free(vv);
err_put:
	vdev->priv = NULL;
	v4l2_device_put(&vv->v4l2_dev);
	return ret;
}

static void virtio_video_remove(struct virtio_device *vdev)
{
	struct virtio_video *vv = vdev->priv;

	/*
	 * No new file handles; the open ones see the device dead: every
	 * buffer is returned with an error and every waiter wakes up.
	 */
	virtio_video_dec_unregister(vv);
	virtio_video_vq_stop(vv);
	virtio_video_reclaim_wait(vv);
	virtio_video_vq_free(vv);
	vdev->priv = NULL;
	v4l2_device_disconnect(&vv->v4l2_dev);
	v4l2_device_put(&vv->v4l2_dev);
}

static int virtio_video_validate(struct virtio_device *vdev)
{
	if (!virtio_has_feature(vdev, VIRTIO_F_VERSION_1)) {
		dev_err(&vdev->dev, "the device is not a VIRTIO 1 device\n");
		return -ENODEV;
	}
	if (!virtio_has_feature(vdev, VIRTIO_VIDEO_F_DECODER)) {
		dev_err(&vdev->dev,
			"the device offers no decoder (encoders are not supported yet)\n");
		return -ENODEV;
	}
	if (!virtio_has_feature(vdev, VIRTIO_VIDEO_F_RESOURCE_GUEST_PAGES)) {
		dev_err(&vdev->dev,
			"the device cannot use guest pages (virtio objects are not supported)\n");
		return -ENODEV;
	}
	return 0;
}

static const unsigned int virtio_video_features[] = {
	VIRTIO_VIDEO_F_DECODER,
	VIRTIO_VIDEO_F_RESOURCE_GUEST_PAGES,
	VIRTIO_VIDEO_F_RESOURCE_NON_CONTIG,
	VIRTIO_VIDEO_F_V4L2_COMPATIBLE_LAST_BUFFER,
};

static const struct virtio_device_id virtio_video_id_table[] = {
	{ VIRTIO_ID_VIDEO, VIRTIO_DEV_ANY_ID },
	VIRTIO_VIDEO_RIG_ID_ENTRY
	{ 0 },
};
MODULE_DEVICE_TABLE(virtio, virtio_video_id_table);

static struct virtio_driver virtio_video_driver = {
	.driver.name = KBUILD_MODNAME,
	.id_table = virtio_video_id_table,
	.feature_table = virtio_video_features,
	.feature_table_size = ARRAY_SIZE(virtio_video_features),
	.validate = virtio_video_validate,
	.probe = virtio_video_probe,
	.remove = virtio_video_remove,
};
module_virtio_driver(virtio_video_driver);

MODULE_DESCRIPTION("Virtio video decoder driver (V4L2, virtio-video draft v10)");
MODULE_LICENSE("GPL");
