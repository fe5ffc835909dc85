/* GStreamer mnv3 — mnv3overlay: draws mnv3 results on video frames.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
/**
 * SECTION:element-mnv3overlay
 * @title: mnv3overlay
 * @short_description: draws mnv3 inference results (labels, statistics)
 *   on video with Cairo and Pango
 *
 * mnv3overlay draws every mnv3 result it finds on a buffer: for a
 * #GstMnv3ClassificationMeta the top label and its score (dimmed when the
 * result was carried forward from an earlier frame because inference was
 * skipped), an outline of the region for results about part of the frame,
 * and, with #GstMnv3Overlay:show-stats, the producing element's inference
 * rate and latency.
 *
 * Detection boxes come from a #GstMnv3DetectionMeta (mnv3detect,
 * mnv3track) or from any producer's `GstVideoRegionOfInterestMeta` with
 * DL Streamer's `detection` parameter (another detector, the
 * application).  A box has the colour of its class, or, once a tracker
 * (mnv3track) gave it an id, the colour of that id, with "#id" in its
 * label; #GstMnv3Overlay:trail-length draws where tracked objects were on
 * the last frames.  A label that has no room above its box (a box at the
 * top edge) goes inside it, above the box's other labels.
 *
 * For a #GstMnv3SegmentationMeta it blends the class map with a palette
 * (#GstMnv3Overlay:mask-opacity, #GstMnv3Overlay:mask-classes, a legend
 * with #GstMnv3Overlay:show-legend) and, with
 * #GstMnv3Overlay:background=blur or replace, blurs
 * (#GstMnv3Overlay:blur-radius) or replaces
 * (#GstMnv3Overlay:background-color) everything but
 * #GstMnv3Overlay:foreground-class ("person"): the mask (the probability
 * of one-channel models) is upsampled bilinearly to the frame for a smooth
 * edge.  This pixel work is done on the frame's own planes in every
 * format, YUV included, before any label is drawn (mnv3overlay-segment.c);
 * pixels outside the map's region count as background.
 *
 * Text is rendered once with Pango into small ARGB images that are reused
 * while the text does not change.  Packed RGB frames in Cairo's native byte
 * order (BGRx/BGRA on little-endian machines) are drawn on directly.  For any
 * other format (I420, NV12, RGB, RGBx, ...) the images form a
 * #GstVideoOverlayComposition, attached to the buffer as a meta when
 * downstream says (in the ALLOCATION query) that it renders such metas, and
 * blended into the frame otherwise; no videoconvert is needed.  When
 * blending into an 8-bit YUV frame (I420, YV12, NV12, NV21, Y444, Y42B,
 * AYUV, YUY2, UYVY), detection boxes and region outlines are not images:
 * their edges are written straight onto the planes as solid bars in the
 * class colour (converted once to Y, U, V with the frame's matrix and
 * range; every chroma sample an edge touches takes it; carried-forward
 * boxes blended at 45 %), and only the labels are blended as a
 * composition, so a hundred boxes cost about what they cost on BGRx.  An
 * attached composition meta still holds the boxes as rectangles.
 *
 * The overlay never drops frames: QoS handling is off by default.
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 v4l2src ! mnv3classify ! mnv3overlay show-stats=true ! videoconvert ! autovideosink
 * ]| classifies a camera and shows the label and the inference rate.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <cairo.h>

#include "gstmnv3overlay.h"
#include "gstmnv3segmentationmeta.h"
#include "mnv3overlay-boxes.h"
#include "mnv3overlay-paint.h"
#include "mnv3overlay-scene.h"
#include "mnv3overlay-segment.h"

GST_DEBUG_CATEGORY_STATIC (mnv3_overlay_debug);
#define GST_CAT_DEFAULT mnv3_overlay_debug

#define DEFAULT_DRAW_LABELS TRUE
#define DEFAULT_FONT_DESC "Sans 14"
#define DEFAULT_LINE_WIDTH 2.0
#define DEFAULT_SHOW_STATS FALSE
#define DEFAULT_QOS FALSE
#define DEFAULT_TRAIL_LENGTH 0
#define DEFAULT_MASK_OPACITY 0.5
#define DEFAULT_MASK_CLASSES NULL
#define DEFAULT_SHOW_LEGEND FALSE
#define DEFAULT_BACKGROUND GST_MNV3_OVERLAY_BACKGROUND_NONE
#define DEFAULT_FOREGROUND_CLASS "person"
#define DEFAULT_BLUR_RADIUS 16
#define DEFAULT_BACKGROUND_COLOR 0xff00b140u   /* "chroma green" */
#define MAX_BLUR_RADIUS 100

enum
{
  PROP_0,
  PROP_DRAW_LABELS,
  PROP_FONT_DESC,
  PROP_LINE_WIDTH,
  PROP_SHOW_STATS,
  PROP_QOS,
  PROP_TRAIL_LENGTH,
  /* segmentation (mnv3overlay-segment.c) */
  PROP_MASK_OPACITY,
  PROP_MASK_CLASSES,
  PROP_SHOW_LEGEND,
  PROP_BACKGROUND,
  PROP_FOREGROUND_CLASS,
  PROP_BLUR_RADIUS,
  PROP_BACKGROUND_COLOR,
};

typedef enum
{
  RENDER_DIRECT,                /* Cairo on the frame's pixels */
  RENDER_BLEND,                 /* composition blended into the frame */
  RENDER_ATTACH,                /* composition attached as a meta */
} Mnv3RenderMode;

struct _GstMnv3Overlay
{
  GstVideoFilter parent;

  /* properties, under the object lock */
  gboolean draw_labels;
  gchar *font_desc;
  gdouble line_width;
  gboolean show_stats;
  gboolean font_changed;
  guint trail_length;
  Mnv3SegProps seg;

  /* streaming state */
  Mnv3SegState *seg_state;
  Mnv3Scene scene;              /* sprites, fonts, trails: the painters' */
  gboolean negotiated;
  Mnv3RenderMode mode;
  cairo_format_t cairo_format;
};

G_DEFINE_TYPE (GstMnv3Overlay, gst_mnv3_overlay, GST_TYPE_VIDEO_FILTER);
GST_ELEMENT_REGISTER_DEFINE (mnv3overlay, "mnv3overlay", GST_RANK_NONE,
    GST_TYPE_MNV3_OVERLAY);

/* Every format gst_video_overlay_composition_blend() handles could be
 * listed; these are the ones the mnv3 inference elements accept plus the
 * common planar/packed YUV layouts, so a chain negotiates without
 * converters. */
#define OVERLAY_FORMATS "{ BGRx, BGRA, RGBx, RGBA, xRGB, ARGB, xBGR, ABGR, " \
  "RGB, BGR, I420, YV12, NV12, NV21, Y444, Y42B, AYUV, YUY2, UYVY }"

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK, GST_PAD_ALWAYS,
    GST_STATIC_CAPS (GST_VIDEO_CAPS_MAKE (OVERLAY_FORMATS)));
static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC, GST_PAD_ALWAYS,
    GST_STATIC_CAPS (GST_VIDEO_CAPS_MAKE (OVERLAY_FORMATS)));

GType
gst_mnv3_overlay_background_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    {GST_MNV3_OVERLAY_BACKGROUND_NONE, "Leave the background as it is",
        "none"},
    {GST_MNV3_OVERLAY_BACKGROUND_BLUR, "Blur everything but the "
          "foreground class", "blur"},
    {GST_MNV3_OVERLAY_BACKGROUND_REPLACE, "Replace everything but the "
          "foreground class with background-color", "replace"},
    {0, NULL, NULL},
  };

  if (g_once_init_enter (&type)) {
    GType t = g_enum_register_static ("GstMnv3OverlayBackground", values);
    g_once_init_leave (&type, t);
  }
  return type;
}

/* ---------------------------------------------------------------- drawing */

/* Palette blend and background effect of every segmentation meta, on the
 * frame's own planes (no ARGB round trip), before labels are drawn. */
static GstFlowReturn
mnv3_overlay_segment_pixels (GstMnv3Overlay * self, GstBuffer * buf,
    const Mnv3SegProps * props)
{
  GstVideoFilter *filter = GST_VIDEO_FILTER (self);
  GstVideoFrame frame;
  gpointer state = NULL;
  GstMeta *meta;

  if (!mnv3_seg_wants_frame (props, buf))
    return GST_FLOW_OK;
  if (!gst_video_frame_map (&frame, &filter->in_info, buf, GST_MAP_READWRITE)) {
    GST_ELEMENT_ERROR (self, STREAM, FAILED, (NULL),
        ("Could not map the video frame for writing"));
    return GST_FLOW_ERROR;
  }
  while ((meta = gst_buffer_iterate_meta_filtered (buf, &state,
              GST_MNV3_SEGMENTATION_META_API_TYPE)))
    if (!mnv3_seg_apply (self->seg_state, props, &frame,
            (const GstMnv3SegmentationMeta *) meta))
      GST_WARNING_OBJECT (self, "cannot draw segmentation on %s",
          gst_video_format_to_string (GST_VIDEO_FRAME_FORMAT (&frame)));
  gst_video_frame_unmap (&frame);
  return GST_FLOW_OK;
}

static GstFlowReturn
mnv3_overlay_blend (GstMnv3Overlay * self, GstBuffer * buf)
{
  GstVideoFilter *filter = GST_VIDEO_FILTER (self);
  GstVideoFrame frame;
  gboolean ok;

  if (!gst_video_frame_map (&frame, &filter->in_info, buf, GST_MAP_READWRITE)) {
    GST_ELEMENT_ERROR (self, STREAM, FAILED, (NULL),
        ("Could not map the video frame for writing"));
    return GST_FLOW_ERROR;
  }
  mnv3_boxes_draw_bars (&self->scene, &frame);
  if (self->scene.items->len == 0)
    ok = TRUE;
  else
    ok = self->mode == RENDER_DIRECT && mnv3_scene_draw_direct (&self->scene,
        &frame, self->cairo_format);
  if (!ok && self->scene.items->len > 0) {
    GstVideoOverlayComposition *comp = mnv3_scene_composition (&self->scene);
    ok = gst_video_overlay_composition_blend (comp, &frame);
    gst_video_overlay_composition_unref (comp);
  }
  gst_video_frame_unmap (&frame);
  if (!ok)
    GST_WARNING_OBJECT (self, "could not draw on the frame");
  return GST_FLOW_OK;
}

/* Adds the scene to the buffer's composition meta (keeping what upstream
 * overlays already put there). */
static void
mnv3_overlay_attach (GstMnv3Overlay * self, GstBuffer * buf)
{
  GstVideoOverlayComposition *ours = mnv3_scene_composition (&self->scene);
  GstVideoOverlayCompositionMeta *upstream =
      gst_buffer_get_video_overlay_composition_meta (buf);

  if (upstream) {
    GstVideoOverlayComposition *merged =
        gst_video_overlay_composition_copy (upstream->overlay);
    guint n = gst_video_overlay_composition_n_rectangles (ours);

    for (guint i = 0; i < n; i++)
      gst_video_overlay_composition_add_rectangle (merged,
          gst_video_overlay_composition_get_rectangle (ours, i));
    gst_buffer_remove_meta (buf, (GstMeta *) upstream);
    gst_video_overlay_composition_unref (ours);
    ours = merged;
  }
  gst_buffer_add_video_overlay_composition_meta (buf, ours);
  gst_video_overlay_composition_unref (ours);
}

static void
mnv3_overlay_setup_text (GstMnv3Overlay * self)
{
  gchar *desc;

  GST_OBJECT_LOCK (self);
  desc = g_strdup (self->font_desc);
  self->font_changed = FALSE;
  GST_OBJECT_UNLOCK (self);

  mnv3_scene_set_font (&self->scene, desc);
  g_free (desc);
}

/* ----------------------------------------------------------- base class */

static gboolean
gst_mnv3_overlay_start (GstBaseTransform * trans)
{
  GstMnv3Overlay *self = GST_MNV3_OVERLAY (trans);

  mnv3_scene_reset (&self->scene);
  mnv3_overlay_setup_text (self);
  return TRUE;
}

static gboolean
gst_mnv3_overlay_stop (GstBaseTransform * trans)
{
  GstMnv3Overlay *self = GST_MNV3_OVERLAY (trans);

  mnv3_scene_reset (&self->scene);
  self->negotiated = FALSE;
  return TRUE;
}

/* Asks downstream whether it renders GstVideoOverlayCompositionMeta. */
static gboolean
mnv3_overlay_downstream_renders_composition (GstMnv3Overlay * self,
    GstCaps * caps)
{
  GstQuery *query = gst_query_new_allocation (caps, FALSE);
  gboolean yes = FALSE;

  if (gst_pad_peer_query (GST_BASE_TRANSFORM_SRC_PAD (self), query))
    yes = gst_query_find_allocation_meta (query,
        GST_VIDEO_OVERLAY_COMPOSITION_META_API_TYPE, NULL);
  gst_query_unref (query);
  return yes;
}

static cairo_format_t
mnv3_overlay_native_cairo_format (GstVideoFormat format)
{
#if G_BYTE_ORDER == G_LITTLE_ENDIAN
  if (format == GST_VIDEO_FORMAT_BGRx)
    return CAIRO_FORMAT_RGB24;
  if (format == GST_VIDEO_FORMAT_BGRA)
    return CAIRO_FORMAT_ARGB32;
#else
  if (format == GST_VIDEO_FORMAT_xRGB)
    return CAIRO_FORMAT_RGB24;
  if (format == GST_VIDEO_FORMAT_ARGB)
    return CAIRO_FORMAT_ARGB32;
#endif
  return CAIRO_FORMAT_INVALID;
}

static gboolean
gst_mnv3_overlay_set_info (GstVideoFilter * filter, GstCaps * incaps,
    GstVideoInfo * in_info, GstCaps * outcaps, GstVideoInfo * out_info)
{
  GstMnv3Overlay *self = GST_MNV3_OVERLAY (filter);

  (void) incaps;
  (void) out_info;
  self->cairo_format =
      mnv3_overlay_native_cairo_format (GST_VIDEO_INFO_FORMAT (in_info));
  if (mnv3_overlay_downstream_renders_composition (self, outcaps))
    self->mode = RENDER_ATTACH;
  else if (self->cairo_format != CAIRO_FORMAT_INVALID)
    self->mode = RENDER_DIRECT;
  else
    self->mode = RENDER_BLEND;
  /* Attached compositions stay whole: downstream renders them, and may
   * scale them. */
  mnv3_scene_set_format (&self->scene, in_info, self->mode == RENDER_BLEND
      && mnv3_boxes_on_planes_supported (in_info));
  GST_INFO_OBJECT (self, "%s: %s", gst_video_format_to_string
      (GST_VIDEO_INFO_FORMAT (in_info)),
      self->mode == RENDER_ATTACH ? "attaching an overlay composition meta" :
      self->mode == RENDER_DIRECT ? "drawing on the frame with Cairo" :
      "blending an overlay composition");
  mnv3_seg_state_reset (self->seg_state);
  self->negotiated = TRUE;
  return TRUE;
}

static GstFlowReturn
gst_mnv3_overlay_transform_ip (GstBaseTransform * trans, GstBuffer * buf)
{
  GstMnv3Overlay *self = GST_MNV3_OVERLAY (trans);
  GstVideoInfo *info = &GST_VIDEO_FILTER (self)->in_info;
  Mnv3DrawSettings settings;
  gboolean font_changed;
  GstFlowReturn ret = GST_FLOW_OK;

  if (!self->negotiated) {
    GST_ELEMENT_ERROR (self, CORE, NOT_IMPLEMENTED, (NULL),
        ("received a buffer before caps were negotiated"));
    return GST_FLOW_NOT_NEGOTIATED;
  }

  GST_OBJECT_LOCK (self);
  settings.draw_labels = self->draw_labels;
  settings.line_width = self->line_width;
  settings.show_stats = self->show_stats;
  settings.trail_length = self->trail_length;
  mnv3_seg_props_copy (&settings.seg, &self->seg);
  font_changed = self->font_changed;
  GST_OBJECT_UNLOCK (self);
  if (font_changed || !self->scene.sprites.layout)
    mnv3_overlay_setup_text (self);

  mnv3_scene_begin (&self->scene, GST_VIDEO_INFO_WIDTH (info),
      GST_VIDEO_INFO_HEIGHT (info));
  ret = mnv3_overlay_segment_pixels (self, buf, &settings.seg);
  mnv3_overlay_paint (&self->scene, buf, &settings);
  mnv3_seg_props_clear (&settings.seg);

  if (ret == GST_FLOW_OK && !mnv3_scene_is_empty (&self->scene)) {
    if (self->mode == RENDER_ATTACH)
      mnv3_overlay_attach (self, buf);
    else
      ret = mnv3_overlay_blend (self, buf);
  }
  mnv3_scene_end (&self->scene);
  return ret;
}

/* ------------------------------------------------------------- GObject */

static gchar *
mnv3_overlay_dup_nonempty (const GValue * value)
{
  const gchar *s = g_value_get_string (value);
  return s && *s ? g_strdup (s) : NULL;
}

static void
gst_mnv3_overlay_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstMnv3Overlay *self = GST_MNV3_OVERLAY (object);

  if (prop_id == PROP_QOS) {
    gst_base_transform_set_qos_enabled (GST_BASE_TRANSFORM (self),
        g_value_get_boolean (value));
    return;
  }
  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_DRAW_LABELS:
      self->draw_labels = g_value_get_boolean (value);
      break;
    case PROP_FONT_DESC:{
      const gchar *desc = g_value_get_string (value);
      g_free (self->font_desc);
      self->font_desc = g_strdup (desc ? desc : DEFAULT_FONT_DESC);
      self->font_changed = TRUE;
      break;
    }
    case PROP_LINE_WIDTH:
      self->line_width = g_value_get_double (value);
      break;
    case PROP_SHOW_STATS:
      self->show_stats = g_value_get_boolean (value);
      break;
    case PROP_TRAIL_LENGTH:
      self->trail_length = g_value_get_uint (value);
      break;
    case PROP_MASK_OPACITY:
      self->seg.mask_opacity = g_value_get_double (value);
      break;
    case PROP_MASK_CLASSES:
      g_free (self->seg.mask_classes);
      self->seg.mask_classes = mnv3_overlay_dup_nonempty (value);
      break;
    case PROP_SHOW_LEGEND:
      self->seg.show_legend = g_value_get_boolean (value);
      break;
    case PROP_BACKGROUND:
      self->seg.background = g_value_get_enum (value);
      break;
    case PROP_FOREGROUND_CLASS:
      g_free (self->seg.foreground_class);
      self->seg.foreground_class = mnv3_overlay_dup_nonempty (value);
      break;
    case PROP_BLUR_RADIUS:
      self->seg.blur_radius = g_value_get_uint (value);
      break;
    case PROP_BACKGROUND_COLOR:
      self->seg.background_color = g_value_get_uint (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_mnv3_overlay_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  GstMnv3Overlay *self = GST_MNV3_OVERLAY (object);

  if (prop_id == PROP_QOS) {
    g_value_set_boolean (value,
        gst_base_transform_is_qos_enabled (GST_BASE_TRANSFORM (self)));
    return;
  }
  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_DRAW_LABELS:
      g_value_set_boolean (value, self->draw_labels);
      break;
    case PROP_FONT_DESC:
      g_value_set_string (value, self->font_desc);
      break;
    case PROP_LINE_WIDTH:
      g_value_set_double (value, self->line_width);
      break;
    case PROP_SHOW_STATS:
      g_value_set_boolean (value, self->show_stats);
      break;
    case PROP_TRAIL_LENGTH:
      g_value_set_uint (value, self->trail_length);
      break;
    case PROP_MASK_OPACITY:
      g_value_set_double (value, self->seg.mask_opacity);
      break;
    case PROP_MASK_CLASSES:
      g_value_set_string (value, self->seg.mask_classes);
      break;
    case PROP_SHOW_LEGEND:
      g_value_set_boolean (value, self->seg.show_legend);
      break;
    case PROP_BACKGROUND:
      g_value_set_enum (value, self->seg.background);
      break;
    case PROP_FOREGROUND_CLASS:
      g_value_set_string (value, self->seg.foreground_class);
      break;
    case PROP_BLUR_RADIUS:
      g_value_set_uint (value, self->seg.blur_radius);
      break;
    case PROP_BACKGROUND_COLOR:
      g_value_set_uint (value, self->seg.background_color);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_mnv3_overlay_finalize (GObject * object)
{
  GstMnv3Overlay *self = GST_MNV3_OVERLAY (object);

  mnv3_scene_clear (&self->scene);
  g_free (self->font_desc);
  mnv3_seg_props_clear (&self->seg);
  mnv3_seg_state_free (self->seg_state);
  G_OBJECT_CLASS (gst_mnv3_overlay_parent_class)->finalize (object);
}

static void
gst_mnv3_overlay_class_init (GstMnv3OverlayClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseTransformClass *trans_class = GST_BASE_TRANSFORM_CLASS (klass);
  GstVideoFilterClass *filter_class = GST_VIDEO_FILTER_CLASS (klass);
  const GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
      GST_PARAM_MUTABLE_PLAYING;

  GST_DEBUG_CATEGORY_INIT (mnv3_overlay_debug, "mnv3overlay", 0,
      "mnv3 result overlay");

  gobject_class->set_property = gst_mnv3_overlay_set_property;
  gobject_class->get_property = gst_mnv3_overlay_get_property;
  gobject_class->finalize = gst_mnv3_overlay_finalize;

  g_object_class_install_property (gobject_class, PROP_DRAW_LABELS,
      g_param_spec_boolean ("draw-labels", "Draw labels",
          "Draw the top class label and its score of each result",
          DEFAULT_DRAW_LABELS, rw));
  g_object_class_install_property (gobject_class, PROP_FONT_DESC,
      g_param_spec_string ("font-desc", "Font description",
          "Pango font description of the text, e.g. \"Sans Bold 20\"",
          DEFAULT_FONT_DESC, rw));
  g_object_class_install_property (gobject_class, PROP_LINE_WIDTH,
      g_param_spec_double ("line-width", "Line width",
          "Width in pixels of region outlines (0 draws none)",
          0.0, 100.0, DEFAULT_LINE_WIDTH, rw));
  g_object_class_install_property (gobject_class, PROP_SHOW_STATS,
      g_param_spec_boolean ("show-stats", "Show statistics",
          "Draw each model's inference rate (fps) and latency (ms) in the "
          "bottom-left corner", DEFAULT_SHOW_STATS, rw));
  g_object_class_install_property (gobject_class, PROP_TRAIL_LENGTH,
      g_param_spec_uint ("trail-length", "Trail length",
          "Tracked objects (mnv3track ids): dots where the bottom centre of "
          "the box was on this many last frames (0: no trail)", 0, 300,
          DEFAULT_TRAIL_LENGTH, rw));
  /* Shadows GstBaseTransform's "qos" only to document the default this
   * element uses: a late annotated frame is still better than none. */
  g_object_class_install_property (gobject_class, PROP_QOS,
      g_param_spec_boolean ("qos", "QoS",
          "Handle QoS events by dropping late frames (off by default: "
          "every frame is passed on)", DEFAULT_QOS,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));
  g_object_class_install_property (gobject_class, PROP_MASK_OPACITY,
      g_param_spec_double ("mask-opacity", "Mask opacity",
          "Opacity of the palette colours blended over the segmentation "
          "classes (0 draws no palette)", 0.0, 1.0, DEFAULT_MASK_OPACITY,
          rw));
  g_object_class_install_property (gobject_class, PROP_MASK_CLASSES,
      g_param_spec_string ("mask-classes", "Mask classes",
          "Comma-separated labels (or class ids) of the segmentation "
          "classes to colour; empty: every class but class 0 (background). "
          "With a background effect the foreground class is never "
          "coloured", DEFAULT_MASK_CLASSES, rw));
  g_object_class_install_property (gobject_class, PROP_SHOW_LEGEND,
      g_param_spec_boolean ("show-legend", "Show legend",
          "Draw the palette's colours and class names in the top-right "
          "corner", DEFAULT_SHOW_LEGEND, rw));
  g_object_class_install_property (gobject_class, PROP_BACKGROUND,
      g_param_spec_enum ("background", "Background",
          "What to do with the pixels outside the foreground class of a "
          "segmentation result", GST_TYPE_MNV3_OVERLAY_BACKGROUND,
          DEFAULT_BACKGROUND, rw));
  g_object_class_install_property (gobject_class, PROP_FOREGROUND_CLASS,
      g_param_spec_string ("foreground-class", "Foreground class",
          "Label (or class id) of the segmentation class kept by "
          "background=blur|replace", DEFAULT_FOREGROUND_CLASS, rw));
  g_object_class_install_property (gobject_class, PROP_BLUR_RADIUS,
      g_param_spec_uint ("blur-radius", "Blur radius",
          "Radius in frame pixels of the background box blur", 1,
          MAX_BLUR_RADIUS, DEFAULT_BLUR_RADIUS, rw));
  g_object_class_install_property (gobject_class, PROP_BACKGROUND_COLOR,
      g_param_spec_uint ("background-color", "Background colour",
          "Colour of background=replace, as 0xAARRGGBB (alpha ignored; "
          "gst-inspect shows it in decimal): default 0xff00b140, chroma "
          "green; e.g. background-color=0xff0000ff for blue", 0,
          G_MAXUINT32, DEFAULT_BACKGROUND_COLOR, rw));
  gst_type_mark_as_plugin_api (GST_TYPE_MNV3_OVERLAY_BACKGROUND, 0);

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class,
      "mnv3 result overlay", "Filter/Editor/Video",
      "Draws mnv3 inference results (class labels, scores, inference "
      "statistics) on video frames with Cairo and Pango",
      "mnv3 authors");

  trans_class->start = GST_DEBUG_FUNCPTR (gst_mnv3_overlay_start);
  trans_class->stop = GST_DEBUG_FUNCPTR (gst_mnv3_overlay_stop);
  /* replaces GstVideoFilter's mapping transform_ip: a frame with nothing
   * to draw, or one that only gets a meta, is never mapped */
  trans_class->transform_ip = GST_DEBUG_FUNCPTR (gst_mnv3_overlay_transform_ip);
  filter_class->set_info = GST_DEBUG_FUNCPTR (gst_mnv3_overlay_set_info);
}

static void
gst_mnv3_overlay_init (GstMnv3Overlay * self)
{
  self->draw_labels = DEFAULT_DRAW_LABELS;
  self->font_desc = g_strdup (DEFAULT_FONT_DESC);
  self->line_width = DEFAULT_LINE_WIDTH;
  self->show_stats = DEFAULT_SHOW_STATS;
  self->trail_length = DEFAULT_TRAIL_LENGTH;
  self->seg.mask_opacity = DEFAULT_MASK_OPACITY;
  self->seg.mask_classes = g_strdup (DEFAULT_MASK_CLASSES);
  self->seg.show_legend = DEFAULT_SHOW_LEGEND;
  self->seg.background = DEFAULT_BACKGROUND;
  self->seg.foreground_class = g_strdup (DEFAULT_FOREGROUND_CLASS);
  self->seg.blur_radius = DEFAULT_BLUR_RADIUS;
  self->seg.background_color = DEFAULT_BACKGROUND_COLOR;
  self->seg_state = mnv3_seg_state_new ();
  mnv3_scene_init (&self->scene);
  gst_base_transform_set_in_place (GST_BASE_TRANSFORM (self), TRUE);
  gst_base_transform_set_qos_enabled (GST_BASE_TRANSFORM (self), DEFAULT_QOS);
}
