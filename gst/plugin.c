/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The mnv3 GStreamer plugin: registers every element of elements/.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/gst.h>

GST_ELEMENT_REGISTER_DECLARE (mnv3classify);
GST_ELEMENT_REGISTER_DECLARE (mnv3segment);
GST_ELEMENT_REGISTER_DECLARE (mnv3detect);
GST_ELEMENT_REGISTER_DECLARE (mnv3track);
#ifdef HAVE_MNV3OVERLAY
GST_ELEMENT_REGISTER_DECLARE (mnv3overlay);
#endif
#ifdef HAVE_MNV3METACONVERT
GST_ELEMENT_REGISTER_DECLARE (mnv3metaconvert);
#endif
#ifdef HAVE_MNV3METAPUBLISH
GST_ELEMENT_REGISTER_DECLARE (mnv3metapublish);
#endif

static gboolean
plugin_init (GstPlugin * plugin)
{
  gboolean ret = FALSE;

  ret |= GST_ELEMENT_REGISTER (mnv3classify, plugin);
  ret |= GST_ELEMENT_REGISTER (mnv3segment, plugin);
  ret |= GST_ELEMENT_REGISTER (mnv3detect, plugin);
  ret |= GST_ELEMENT_REGISTER (mnv3track, plugin);
#ifdef HAVE_MNV3OVERLAY
  ret |= GST_ELEMENT_REGISTER (mnv3overlay, plugin);
#endif
#ifdef HAVE_MNV3METACONVERT
  ret |= GST_ELEMENT_REGISTER (mnv3metaconvert, plugin);
#endif
#ifdef HAVE_MNV3METAPUBLISH
  ret |= GST_ELEMENT_REGISTER (mnv3metapublish, plugin);
#endif
  return ret;
}

GST_PLUGIN_DEFINE (GST_VERSION_MAJOR, GST_VERSION_MINOR, mnv3,
    "MobileNetV3 inference on the CPU: classification, overlay, JSON output",
    plugin_init, VERSION, GST_LICENSE, PACKAGE_NAME, GST_PACKAGE_ORIGIN)
