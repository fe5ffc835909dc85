/* GStreamer mnv3 — mnv3overlay's colours.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <math.h>

#include "mnv3overlay-colour.h"

guint8
mnv3_overlay_clamp_u8 (gdouble v)
{
  return (guint8) CLAMP (lround (v), 0, 255);
}

void
mnv3_overlay_colour_components (const GstVideoInfo * info,
    const gdouble rgb[3], guint8 comp[4])
{
  gdouble r = rgb[0], g = rgb[1], b = rgb[2];

  if (GST_VIDEO_INFO_IS_YUV (info)) {
    gdouble kr, kb, y, cb, cr;

    if (!gst_video_color_matrix_get_Kr_Kb (info->colorimetry.matrix, &kr,
            &kb)) {
      kr = 0.299;               /* BT.601, GStreamer's default for SD */
      kb = 0.114;
    }
    y = kr * r + (1.0 - kr - kb) * g + kb * b;
    cb = (b - y) / (2.0 * (1.0 - kb));
    cr = (r - y) / (2.0 * (1.0 - kr));
    if (info->colorimetry.range == GST_VIDEO_COLOR_RANGE_0_255) {
      comp[0] = mnv3_overlay_clamp_u8 (255.0 * y);
      comp[1] = mnv3_overlay_clamp_u8 (128.0 + 255.0 * cb);
      comp[2] = mnv3_overlay_clamp_u8 (128.0 + 255.0 * cr);
    } else {
      comp[0] = mnv3_overlay_clamp_u8 (16.0 + 219.0 * y);
      comp[1] = mnv3_overlay_clamp_u8 (128.0 + 224.0 * cb);
      comp[2] = mnv3_overlay_clamp_u8 (128.0 + 224.0 * cr);
    }
  } else {
    comp[0] = mnv3_overlay_clamp_u8 (255.0 * r);
    comp[1] = mnv3_overlay_clamp_u8 (255.0 * g);
    comp[2] = mnv3_overlay_clamp_u8 (255.0 * b);
  }
  comp[3] = 0xff;
}

void
mnv3_overlay_colour_unpack (guint32 rgb, gdouble out[3])
{
  out[0] = ((rgb >> 16) & 0xff) / 255.0;
  out[1] = ((rgb >> 8) & 0xff) / 255.0;
  out[2] = (rgb & 0xff) / 255.0;
}

void
mnv3_overlay_class_colour (gint class_id, gdouble rgb[3])
{
  gdouble h = fmod (class_id * 0.618033988749895, 1.0) * 6.0;
  gdouble f = h - floor (h), s = 0.85, v = 1.0;
  gdouble p = v * (1 - s), q = v * (1 - s * f), t = v * (1 - s * (1 - f));

  switch ((gint) h % 6) {
    case 0: rgb[0] = v; rgb[1] = t; rgb[2] = p; break;
    case 1: rgb[0] = q; rgb[1] = v; rgb[2] = p; break;
    case 2: rgb[0] = p; rgb[1] = v; rgb[2] = t; break;
    case 3: rgb[0] = p; rgb[1] = q; rgb[2] = v; break;
    case 4: rgb[0] = t; rgb[1] = p; rgb[2] = v; break;
    default: rgb[0] = v; rgb[1] = p; rgb[2] = q; break;
  }
}

/* A VOC-like palette: distinct, saturated colours; class 0 grey. */
static const guint32 mnv3_palette[] = {
  0x808080, 0xe6194b, 0x3cb44b, 0xffe119, 0x4363d8, 0xf58231, 0x911eb4,
  0x46f0f0, 0xf032e6, 0xbcf60c, 0xfabebe, 0x008080, 0xe6beff, 0x9a6324,
  0xfffac8, 0x800000, 0xaaffc3, 0x808000, 0xffd8b1, 0x000075, 0xa9a9a9,
};

guint32
mnv3_overlay_palette_colour (guint class_id)
{
  guint32 h;

  if (class_id < G_N_ELEMENTS (mnv3_palette))
    return mnv3_palette[class_id];
  /* beyond the table: a stable hash, kept away from black */
  h = class_id * 2654435761u;
  return (h >> 8) | 0x404040;
}
