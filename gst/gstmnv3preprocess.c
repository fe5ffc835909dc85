/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstmnv3preprocess.h"

gboolean
gst_mnv3_pixel_format_from_video (GstVideoFormat format,
    mnv3_pixel_format * out)
{
  static const struct {
    GstVideoFormat gst;
    mnv3_pixel_format mnv3;
  } map[] = {
    {GST_VIDEO_FORMAT_RGB, MNV3_PIXEL_RGB},
    {GST_VIDEO_FORMAT_BGR, MNV3_PIXEL_BGR},
    {GST_VIDEO_FORMAT_RGBx, MNV3_PIXEL_RGBX},
    {GST_VIDEO_FORMAT_BGRx, MNV3_PIXEL_BGRX},
    {GST_VIDEO_FORMAT_xRGB, MNV3_PIXEL_XRGB},
    {GST_VIDEO_FORMAT_xBGR, MNV3_PIXEL_XBGR},
    {GST_VIDEO_FORMAT_RGBA, MNV3_PIXEL_RGBA},
    {GST_VIDEO_FORMAT_BGRA, MNV3_PIXEL_BGRA},
    {GST_VIDEO_FORMAT_ARGB, MNV3_PIXEL_ARGB},
    {GST_VIDEO_FORMAT_ABGR, MNV3_PIXEL_ABGR},
    {GST_VIDEO_FORMAT_I420, MNV3_PIXEL_I420},
    {GST_VIDEO_FORMAT_NV12, MNV3_PIXEL_NV12},
  };
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (map); i++) {
    if (map[i].gst == format) {
      *out = map[i].mnv3;
      return TRUE;
    }
  }
  return FALSE;
}

mnv3_preprocess *
gst_mnv3_preprocess_new (const GstVideoInfo * info, mnv3_fit fit,
    const GstVideoRectangle * source, int dst_width, int dst_height,
    const float mean[3], const float std[3], GstVideoRectangle * region,
    GstVideoRectangle * placed, gchar ** reason)
{
  mnv3_preprocess_params p = { 0 };
  mnv3_preprocess *pp;
  int c;

  if (!gst_mnv3_pixel_format_from_video (GST_VIDEO_INFO_FORMAT (info),
          &p.format)) {
    *reason = g_strdup_printf ("unsupported video format %s",
        gst_video_format_to_string (GST_VIDEO_INFO_FORMAT (info)));
    return NULL;
  }
  /* HD video uses BT.709; everything else (and unknown) BT.601, as
   * GStreamer itself defaults by frame size */
  p.matrix = GST_VIDEO_INFO_COLORIMETRY (info).matrix ==
      GST_VIDEO_COLOR_MATRIX_BT709 ? MNV3_MATRIX_BT709 : MNV3_MATRIX_BT601;
  p.src_width = GST_VIDEO_INFO_WIDTH (info);
  p.src_height = GST_VIDEO_INFO_HEIGHT (info);
  p.dst_width = dst_width;
  p.dst_height = dst_height;
  if (source) {
    int x0 = CLAMP (source->x, 0, p.src_width - 1);
    int y0 = CLAMP (source->y, 0, p.src_height - 1);
    int x1 = CLAMP (source->x + source->w, x0 + 1, p.src_width);
    int y1 = CLAMP (source->y + source->h, y0 + 1, p.src_height);
    p.src = (mnv3_rect) { x0, y0, x1 - x0, y1 - y0 };
    p.dst = (mnv3_rect) { 0, 0, dst_width, dst_height };
  } else {
    mnv3_preprocess_fit (fit, p.src_width, p.src_height, dst_width,
        dst_height, &p.src, &p.dst);
  }
  for (c = 0; c < 3; c++) {
    p.mean[c] = mean[c];
    p.std[c] = std[c] != 0.0f ? std[c] : 1.0f;
    /* letterbox bars look like black pixels to the network */
    p.pad_value[c] = (0.0f - p.mean[c]) / p.std[c];
  }

  pp = mnv3_preprocess_create (MNV3_ISA_AUTO, &p);
  if (!pp) {
    *reason = g_strdup_printf ("cannot pre-process %dx%d %s into %dx%d: %s",
        p.src_width, p.src_height,
        gst_video_format_to_string (GST_VIDEO_INFO_FORMAT (info)),
        dst_width, dst_height, mnv3_last_error ());
    return NULL;
  }
  if (region) {
    region->x = p.src.x;
    region->y = p.src.y;
    region->w = p.src.width;
    region->h = p.src.height;
  }
  if (placed) {
    placed->x = p.dst.x;
    placed->y = p.dst.y;
    placed->w = p.dst.width;
    placed->h = p.dst.height;
  }
  return pp;
}

void
gst_mnv3_frame_from_video (const GstVideoFrame * vframe, mnv3_frame * frame)
{
  guint i, n = GST_VIDEO_FRAME_N_PLANES (vframe);

  for (i = 0; i < 3; i++) {
    frame->planes[i] = i < n ? GST_VIDEO_FRAME_PLANE_DATA (vframe, i) : NULL;
    frame->strides[i] = i < n ? GST_VIDEO_FRAME_PLANE_STRIDE (vframe, i) : 0;
  }
}
