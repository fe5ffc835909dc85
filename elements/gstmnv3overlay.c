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

#include <math.h>
#include <string.h>
#include <cairo.h>
#include <pango/pangocairo.h>
#include <gst/video/video-overlay-composition.h>

#include "gstmnv3meta.h"
#include "gstmnv3detectionmeta.h"
#include "gstmnv3overlay.h"
#include "gstmnv3segmentationmeta.h"
#include "mnv3overlay-segment.h"

GST_DEBUG_CATEGORY_STATIC (mnv3_overlay_debug);
#define GST_CAT_DEFAULT mnv3_overlay_debug

#define DEFAULT_DRAW_LABELS TRUE
#define DEFAULT_FONT_DESC "Sans 14"
#define DEFAULT_LINE_WIDTH 2.0
#define DEFAULT_SHOW_STATS FALSE
#define DEFAULT_QOS FALSE

/* Space (pixels) between the text and the edge of its background, and
 * between stacked labels. */
#define CHIP_PAD 4
#define STACK_GAP 2
/* Sprites not used by the latest frame are dropped once the cache holds
 * more than this many (statistics text changes on every frame). */
#define SPRITE_CACHE_MAX 64

enum
{
  PROP_0,
  PROP_DRAW_LABELS,
  PROP_FONT_DESC,
  PROP_LINE_WIDTH,
  PROP_SHOW_STATS,
  PROP_QOS,
  PROP_TRAIL_LENGTH,
};
#define DEFAULT_TRAIL_LENGTH 0
/* a trail dot, pixels */
#define TRAIL_DOT 4
/* The segmentation painter's properties (mnv3overlay-segment.c) take the
 * ids from here on, clear of the ones above. */
#define PROP_SEGMENT_FIRST 100

/* A sprite: a small premultiplied native-endian ARGB image (a label with
 * its background, a region outline) rendered once and reused while its
 * content is unchanged.  The same pixels serve the direct Cairo path and,
 * wrapped in a GstBuffer, the overlay-composition path. */
typedef struct
{
  guint64 serial;               /* unique, never reused: identifies content */
  cairo_surface_t *surface;
  gint width, height;
  guint64 last_used;            /* frame counter, for eviction */
  GstBuffer *pixels;            /* wraps surface (lazily) */
  GstVideoOverlayRectangle *rect;       /* last rectangle made from it */
  gint rect_x, rect_y;
} Mnv3Sprite;

typedef struct
{
  Mnv3Sprite *sprite;
  guint64 serial;
  gint x, y;
} Mnv3Placement;

/* Labels about the same anchor point are stacked so they do not overlap. */
typedef struct
{
  gint x, y, used;
  gboolean upward;
} Mnv3Stack;

/* A solid rectangle (a box edge) drawn straight onto the planes of a YUV
 * frame: blending hundreds of small ARGB rectangles through an overlay
 * composition costs far more than writing the few pixels of each edge. */
typedef struct
{
  gint x, y, w, h;              /* frame pixels, not yet clipped */
  guint8 comp[3];               /* Y, U, V in the frame's colour space */
  guint8 alpha;                 /* 255: opaque */
} Mnv3Bar;

/* What one frame shows. */
typedef struct
{
  GArray *items;                /* Mnv3Placement, drawn in order */
  GArray *stacks;               /* Mnv3Stack */
  GArray *bars;                 /* Mnv3Bar, drawn before the items */
  gint width, height;
} Mnv3Scene;

/* Property values copied once per frame, so drawing needs no lock. */
typedef struct
{
  gboolean draw_labels;
  gdouble line_width;
  gboolean show_stats;
  guint trail_length;
  Mnv3SegProps seg;             /* segmentation: palette, background */
} Mnv3DrawSettings;

/* Where a tracked object was on the last frames (box bottom centres). */
typedef struct
{
  GArray *points;               /* gint pairs x, y; oldest first */
  guint64 last_frame;
} Mnv3Trail;

typedef enum
{
  STYLE_LABEL,
  STYLE_LABEL_STALE,
  STYLE_STATS,
} Mnv3TextStyle;

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
  PangoFontMap *fontmap;
  PangoContext *pango;
  PangoLayout *layout;
  GHashTable *sprites;          /* key string -> Mnv3Sprite */
  guint64 sprite_serial;
  guint64 frame_count;
  gboolean negotiated;
  Mnv3RenderMode mode;
  cairo_format_t cairo_format;
  gboolean bars_on_planes;      /* box edges as Mnv3Bar, not sprites */
  Mnv3Scene scene;
  GstVideoOverlayComposition *last_comp;
  GArray *last_items;           /* placements that made last_comp */
  GHashTable *trails;           /* track id -> Mnv3Trail */
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

/* ---------------------------------------------------------------- sprites */

static void
mnv3_sprite_free (gpointer data)
{
  Mnv3Sprite *sp = data;

  if (sp->rect)
    gst_video_overlay_rectangle_unref (sp->rect);
  if (sp->pixels)
    gst_buffer_unref (sp->pixels);
  cairo_surface_destroy (sp->surface);
  g_free (sp);
}

static Mnv3Sprite *
mnv3_sprite_new (GstMnv3Overlay * self, gint width, gint height,
    cairo_t ** cr_out)
{
  Mnv3Sprite *sp = g_new0 (Mnv3Sprite, 1);

  sp->serial = ++self->sprite_serial;
  sp->width = MAX (width, 1);
  sp->height = MAX (height, 1);
  sp->surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32,
      sp->width, sp->height);
  *cr_out = cairo_create (sp->surface);
  return sp;
}

/* The sprite's pixels as an overlay rectangle placed at (x, y).  The last
 * one is kept, so an unchanged label reuses the rectangle and, with it, the
 * conversions the blender caches inside it. */
static GstVideoOverlayRectangle *
mnv3_sprite_rectangle (Mnv3Sprite * sp, gint x, gint y)
{
  if (sp->rect && sp->rect_x == x && sp->rect_y == y)
    return gst_video_overlay_rectangle_ref (sp->rect);

  if (!sp->pixels) {
    gint stride = cairo_image_surface_get_stride (sp->surface);
    gsize size = (gsize) stride * sp->height;
    gsize offset[GST_VIDEO_MAX_PLANES] = { 0, };
    gint strides[GST_VIDEO_MAX_PLANES] = { stride, };

    cairo_surface_flush (sp->surface);
    sp->pixels = gst_buffer_new_wrapped_full (GST_MEMORY_FLAG_READONLY,
        cairo_image_surface_get_data (sp->surface), size, 0, size,
        cairo_surface_reference (sp->surface),
        (GDestroyNotify) cairo_surface_destroy);
    gst_buffer_add_video_meta_full (sp->pixels, GST_VIDEO_FRAME_FLAG_NONE,
        GST_VIDEO_OVERLAY_COMPOSITION_FORMAT_RGB, sp->width, sp->height, 1,
        offset, strides);
  }
  if (sp->rect)
    gst_video_overlay_rectangle_unref (sp->rect);
  sp->rect = gst_video_overlay_rectangle_new_raw (sp->pixels, x, y,
      sp->width, sp->height, GST_VIDEO_OVERLAY_FORMAT_FLAG_PREMULTIPLIED_ALPHA);
  sp->rect_x = x;
  sp->rect_y = y;
  return gst_video_overlay_rectangle_ref (sp->rect);
}

static Mnv3Sprite *
mnv3_overlay_cached_sprite (GstMnv3Overlay * self, const gchar * key)
{
  Mnv3Sprite *sp = g_hash_table_lookup (self->sprites, key);

  if (sp)
    sp->last_used = self->frame_count;
  return sp;
}

static void
mnv3_overlay_cache_sprite (GstMnv3Overlay * self, gchar * key,
    Mnv3Sprite * sp)
{
  sp->last_used = self->frame_count;
  g_hash_table_insert (self->sprites, key, sp);
}

/* A label: text on a translucent dark background.  Stale results (carried
 * forward from an earlier frame) are drawn dimmed with the same text, so a
 * label does not jump around when inference runs on every Nth frame: the
 * same dark chip, grey opaque text instead of white, so that it stays
 * readable on bright backgrounds. */
static Mnv3Sprite *
mnv3_overlay_text_sprite (GstMnv3Overlay * self, Mnv3TextStyle style,
    const gchar * text)
{
  gchar *key = g_strdup_printf ("t%d|%s", (int) style, text);
  Mnv3Sprite *sp = mnv3_overlay_cached_sprite (self, key);
  PangoRectangle ink, logical;
  cairo_t *cr;

  if (sp) {
    g_free (key);
    return sp;
  }

  pango_layout_set_text (self->layout, text, -1);
  pango_layout_get_pixel_extents (self->layout, &ink, &logical);
  sp = mnv3_sprite_new (self, logical.width + 2 * CHIP_PAD,
      logical.height + 2 * CHIP_PAD, &cr);

  switch (style) {
    case STYLE_LABEL:
      cairo_set_source_rgba (cr, 0.0, 0.0, 0.0, 0.6);
      break;
    case STYLE_LABEL_STALE:
      cairo_set_source_rgba (cr, 0.0, 0.0, 0.0, 0.6);
      break;
    case STYLE_STATS:
      cairo_set_source_rgba (cr, 0.0, 0.0, 0.0, 0.5);
      break;
  }
  cairo_paint (cr);

  switch (style) {
    case STYLE_LABEL:
      cairo_set_source_rgba (cr, 1.0, 1.0, 1.0, 1.0);
      break;
    case STYLE_LABEL_STALE:
      cairo_set_source_rgba (cr, 0.65, 0.65, 0.65, 1.0);
      break;
    case STYLE_STATS:
      cairo_set_source_rgba (cr, 1.0, 0.85, 0.2, 1.0);
      break;
  }
  cairo_move_to (cr, CHIP_PAD - logical.x, CHIP_PAD - logical.y);
  pango_cairo_show_layout (cr, self->layout);
  cairo_destroy (cr);
  cairo_surface_flush (sp->surface);

  mnv3_overlay_cache_sprite (self, key, sp);
  return sp;
}

/* The outline of a region, drawn inside its bounds. */
static Mnv3Sprite *
mnv3_overlay_outline_sprite (GstMnv3Overlay * self, gint width, gint height,
    gdouble line_width)
{
  gchar *key = g_strdup_printf ("o%dx%d|%g", width, height, line_width);
  Mnv3Sprite *sp = mnv3_overlay_cached_sprite (self, key);
  cairo_t *cr;

  if (sp) {
    g_free (key);
    return sp;
  }
  sp = mnv3_sprite_new (self, width, height, &cr);
  cairo_set_line_width (cr, line_width);
  cairo_rectangle (cr, line_width / 2, line_width / 2,
      sp->width - line_width, sp->height - line_width);
  cairo_set_source_rgba (cr, 0.1, 1.0, 0.3, 1.0);
  cairo_stroke (cr);
  cairo_destroy (cr);
  cairo_surface_flush (sp->surface);

  mnv3_overlay_cache_sprite (self, key, sp);
  return sp;
}

static gboolean
mnv3_sprite_is_stale (gpointer key, gpointer value, gpointer user_data)
{
  const Mnv3Sprite *sp = value;
  const guint64 *frame = user_data;

  (void) key;
  return sp->last_used != *frame;
}

static void
mnv3_overlay_evict_sprites (GstMnv3Overlay * self)
{
  if (g_hash_table_size (self->sprites) > SPRITE_CACHE_MAX)
    g_hash_table_foreach_remove (self->sprites, mnv3_sprite_is_stale,
        &self->frame_count);
}

/* ------------------------------------------------------------------ scene */

static void
mnv3_scene_reset (Mnv3Scene * scene, gint width, gint height)
{
  g_array_set_size (scene->items, 0);
  g_array_set_size (scene->stacks, 0);
  g_array_set_size (scene->bars, 0);
  scene->width = width;
  scene->height = height;
}

static gint
mnv3_clamp_position (gint pos, gint size, gint limit)
{
  if (pos + size > limit)
    pos = limit - size;
  return MAX (pos, 0);
}

static void
mnv3_scene_place (Mnv3Scene * scene, Mnv3Sprite * sp, gint x, gint y)
{
  Mnv3Placement p;

  p.sprite = sp;
  p.serial = sp->serial;
  p.x = mnv3_clamp_position (x, sp->width, scene->width);
  p.y = mnv3_clamp_position (y, sp->height, scene->height);
  g_array_append_val (scene->items, p);
}

static gboolean
mnv3_scene_contains (const Mnv3Scene * scene, const Mnv3Sprite * sp)
{
  for (guint i = 0; i < scene->items->len; i++)
    if (g_array_index (scene->items, Mnv3Placement, i).sprite == sp)
      return TRUE;
  return FALSE;
}

/* Places @sp below (or, @upward, above) what was already stacked at the
 * anchor point (x, y). */
static void
mnv3_scene_stack (Mnv3Scene * scene, Mnv3Sprite * sp, gint x, gint y,
    gboolean upward)
{
  Mnv3Stack *st = NULL;
  gint top;

  for (guint i = 0; i < scene->stacks->len; i++) {
    Mnv3Stack *s = &g_array_index (scene->stacks, Mnv3Stack, i);
    if (s->x == x && s->y == y && s->upward == upward) {
      st = s;
      break;
    }
  }
  /* no room above (a box at the top edge): continue inside, below the
   * anchor, in the stack labels placed downward use, so they cannot
   * overlap */
  if (upward && (st ? y - st->used : y) - sp->height < 0) {
    mnv3_scene_stack (scene, sp, x, y, FALSE);
    return;
  }
  if (!st) {
    Mnv3Stack s = { x, y, 0, upward };
    g_array_append_val (scene->stacks, s);
    st = &g_array_index (scene->stacks, Mnv3Stack, scene->stacks->len - 1);
  }
  top = upward ? y - st->used - sp->height : y + st->used;
  st->used += sp->height + STACK_GAP;
  mnv3_scene_place (scene, sp, x, top);
}

/* --------------------------------------------------------------- painters
 *
 * One painter per meta kind: it turns one meta into sprites placed on the
 * scene.  Detection boxes and segmentation masks get their own painter in
 * this table when their metas exist. */

typedef void (*Mnv3Painter) (GstMnv3Overlay * self, const GstMeta * meta,
    Mnv3Scene * scene, const Mnv3DrawSettings * settings);

static void mnv3_overlay_add_outline_bars (GstMnv3Overlay * self,
    Mnv3Scene * scene, gint x, gint y, gint w, gint h, gint lw,
    const gdouble rgb[3], guint8 alpha);

static void
mnv3_overlay_paint_classification (GstMnv3Overlay * self,
    const GstMeta * meta, Mnv3Scene * scene,
    const Mnv3DrawSettings * settings)
{
  const GstMnv3ClassificationMeta *m =
      (const GstMnv3ClassificationMeta *) meta;
  GstVideoRectangle r;

  gst_mnv3_classification_meta_get_region (m, scene->width, scene->height,
      &r);

  /* A result about part of the frame shows where that part is. */
  if (m->region_id != 0 && settings->line_width > 0.0 && self->bars_on_planes
      && r.w > 0 && r.h > 0) {
    static const gdouble green[3] = { 0.1, 1.0, 0.3 };
    gint lw = (gint) MAX (1.0, floor (settings->line_width + 0.5));

    mnv3_overlay_add_outline_bars (self, scene, r.x, r.y, r.w, r.h,
        MIN (lw, MAX (1, MIN (r.w, r.h) / 2)), green, 255);
  } else if (m->region_id != 0 && settings->line_width > 0.0)
    mnv3_scene_place (scene, mnv3_overlay_outline_sprite (self, r.w, r.h,
            settings->line_width), r.x, r.y);

  if (settings->draw_labels && m->n_results > 0) {
    const gchar *label = m->labels ? m->labels[0] : NULL;
    gchar *text = label
        ? g_strdup_printf ("%s %.1f%%", label, 100.0 * m->scores[0])
        : g_strdup_printf ("class %d %.1f%%", m->class_ids[0],
        100.0 * m->scores[0]);

    mnv3_scene_stack (scene, mnv3_overlay_text_sprite (self,
            m->fresh ? STYLE_LABEL : STYLE_LABEL_STALE, text), r.x, r.y,
        FALSE);
    g_free (text);
  }

  if (settings->show_stats && (m->fps > 0.0 || m->latency_ms > 0.0)) {
    /* no model name: file names are long and would hide the numbers */
    gchar *text = m->fps > 0.0
        ? g_strdup_printf ("inference %.1f fps, %.1f ms", m->fps,
        m->latency_ms)
        : g_strdup_printf ("inference %.1f ms", m->latency_ms);
    Mnv3Sprite *sp = mnv3_overlay_text_sprite (self, STYLE_STATS, text);

    /* every region of one element carries the same statistics */
    if (!mnv3_scene_contains (scene, sp))
      mnv3_scene_stack (scene, sp, 0, scene->height, TRUE);
    g_free (text);
  }
}

/* A distinct, stable colour per class: hues a golden angle apart. */
static void
mnv3_class_colour (gint class_id, gdouble rgb[3])
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

/* One edge of a detection box: a bar in its class colour, translucent
 * when the boxes were carried forward.  Boxes are drawn as four bars, not
 * one box-sized image, so that a large box costs only its edges to render
 * and to blend. */
static Mnv3Sprite *
mnv3_overlay_bar_sprite (GstMnv3Overlay * self, gint width, gint height,
    gint class_id, gboolean fresh)
{
  gchar *key = g_strdup_printf ("b%dx%d|%d|%d", width, height, class_id,
      fresh);
  Mnv3Sprite *sp = mnv3_overlay_cached_sprite (self, key);
  gdouble rgb[3];
  cairo_t *cr;

  if (sp) {
    g_free (key);
    return sp;
  }
  sp = mnv3_sprite_new (self, width, height, &cr);
  mnv3_class_colour (class_id, rgb);
  cairo_set_source_rgba (cr, rgb[0], rgb[1], rgb[2], fresh ? 1.0 : 0.45);
  cairo_paint (cr);
  cairo_destroy (cr);
  cairo_surface_flush (sp->surface);

  mnv3_overlay_cache_sprite (self, key, sp);
  return sp;
}

static guint8
mnv3_overlay_clamp_u8 (gdouble v)
{
  return (guint8) CLAMP (lround (v), 0, 255);
}

/* Y, U, V of an RGB colour (0..1) with the frame's matrix and range, the
 * way the segmentation painter converts background-color. */
static void
mnv3_overlay_rgb_to_yuv (const GstVideoInfo * info, const gdouble rgb[3],
    guint8 comp[3])
{
  gdouble kr, kb, y, cb, cr;

  if (!gst_video_color_matrix_get_Kr_Kb (info->colorimetry.matrix, &kr, &kb)) {
    kr = 0.299;                 /* BT.601, GStreamer's default for SD */
    kb = 0.114;
  }
  y = kr * rgb[0] + (1.0 - kr - kb) * rgb[1] + kb * rgb[2];
  cb = (rgb[2] - y) / (2.0 * (1.0 - kb));
  cr = (rgb[0] - y) / (2.0 * (1.0 - kr));
  if (info->colorimetry.range == GST_VIDEO_COLOR_RANGE_0_255) {
    comp[0] = mnv3_overlay_clamp_u8 (255.0 * y);
    comp[1] = mnv3_overlay_clamp_u8 (128.0 + 255.0 * cb);
    comp[2] = mnv3_overlay_clamp_u8 (128.0 + 255.0 * cr);
  } else {
    comp[0] = mnv3_overlay_clamp_u8 (16.0 + 219.0 * y);
    comp[1] = mnv3_overlay_clamp_u8 (128.0 + 224.0 * cb);
    comp[2] = mnv3_overlay_clamp_u8 (128.0 + 224.0 * cr);
  }
}

static void
mnv3_scene_add_bar (Mnv3Scene * scene, gint x, gint y, gint w, gint h,
    const guint8 comp[3], guint8 alpha)
{
  Mnv3Bar bar = { x, y, w, h, {comp[0], comp[1], comp[2]}, alpha };

  g_array_append_val (scene->bars, bar);
}

/* The outline of (x, y, w, h), lw pixels wide inside it, as four bars in
 * an RGB colour (0..1) converted once to the frame's Y, U, V. */
static void
mnv3_overlay_add_outline_bars (GstMnv3Overlay * self, Mnv3Scene * scene,
    gint x, gint y, gint w, gint h, gint lw, const gdouble rgb[3],
    guint8 alpha)
{
  guint8 comp[3];

  mnv3_overlay_rgb_to_yuv (&GST_VIDEO_FILTER (self)->in_info, rgb, comp);
  mnv3_scene_add_bar (scene, x, y, w, lw, comp, alpha);
  mnv3_scene_add_bar (scene, x, y + h - lw, w, lw, comp, alpha);
  /* the sides without the corners, so a translucent box is even */
  if (h > 2 * lw) {
    mnv3_scene_add_bar (scene, x, y + lw, lw, h - 2 * lw, comp, alpha);
    mnv3_scene_add_bar (scene, x + w - lw, y + lw, lw, h - 2 * lw, comp,
        alpha);
  }
}

static void
mnv3_overlay_place_box (GstMnv3Overlay * self, Mnv3Scene * scene, gint x,
    gint y, gint w, gint h, gdouble line_width, gint class_id,
    gboolean fresh)
{
  gint lw = (gint) MAX (1.0, floor (line_width + 0.5));

  lw = MIN (lw, MAX (1, MIN (w, h) / 2));
  if (self->bars_on_planes) {
    gdouble rgb[3];

    mnv3_class_colour (class_id, rgb);
    /* same opacity as the sprites: 1.0 fresh, 0.45 carried forward */
    mnv3_overlay_add_outline_bars (self, scene, x, y, w, h, lw, rgb,
        fresh ? 255 : 115);
    return;
  }
  mnv3_scene_place (scene, mnv3_overlay_bar_sprite (self, w, lw, class_id,
          fresh), x, y);
  mnv3_scene_place (scene, mnv3_overlay_bar_sprite (self, w, lw, class_id,
          fresh), x, y + h - lw);
  mnv3_scene_place (scene, mnv3_overlay_bar_sprite (self, lw, h, class_id,
          fresh), x, y);
  mnv3_scene_place (scene, mnv3_overlay_bar_sprite (self, lw, h, class_id,
          fresh), x + w - lw, y);
}

/* One box: its outline in the colour of @colour_key and its label above
 * its top-left corner (inside when there is no room above). */
static void
mnv3_overlay_draw_box (GstMnv3Overlay * self, Mnv3Scene * scene,
    const Mnv3DrawSettings * settings, gint x, gint y, gint w, gint h,
    gint colour_key, gboolean fresh, const gchar * text)
{
  if (w < 1 || h < 1)
    return;
  if (settings->line_width > 0.0)
    mnv3_overlay_place_box (self, scene, x, y, w, h, settings->line_width,
        colour_key, fresh);
  if (settings->draw_labels && text)
    mnv3_scene_stack (scene, mnv3_overlay_text_sprite (self,
            fresh ? STYLE_LABEL : STYLE_LABEL_STALE, text), x, y, TRUE);
}

static void
mnv3_trail_free (gpointer data)
{
  Mnv3Trail *t = data;

  g_array_unref (t->points);
  g_free (t);
}

/* Adds where track @id is now to its trail and draws the trail. */
static void
mnv3_overlay_draw_trail (GstMnv3Overlay * self, Mnv3Scene * scene,
    const Mnv3DrawSettings * settings, gint id, gint x, gint y)
{
  Mnv3Trail *t = g_hash_table_lookup (self->trails, GINT_TO_POINTER (id));
  guint i, keep = settings->trail_length;

  if (!t) {
    t = g_new0 (Mnv3Trail, 1);
    t->points = g_array_new (FALSE, FALSE, sizeof (gint) * 2);
    g_hash_table_insert (self->trails, GINT_TO_POINTER (id), t);
  }
  if (t->last_frame != self->frame_count) {
    gint pt[2] = { x, y };

    g_array_append_vals (t->points, pt, 1);
    t->last_frame = self->frame_count;
  }
  if (t->points->len > keep)
    g_array_remove_range (t->points, 0, t->points->len - keep);
  /* the dots before the current position */
  for (i = 0; i + 1 < t->points->len; i++) {
    const gint *pt = &g_array_index (t->points, gint, 2 * i);

    mnv3_overlay_place_box (self, scene, pt[0] - TRAIL_DOT / 2,
        pt[1] - TRAIL_DOT / 2, TRAIL_DOT, TRAIL_DOT, TRAIL_DOT, id, TRUE);
  }
}

static gboolean
mnv3_trail_is_old (gpointer key, gpointer value, gpointer user_data)
{
  const Mnv3Trail *t = value;
  const guint64 *frame = user_data;

  (void) key;
  return t->last_frame + 30 < *frame;
}

/* Detection boxes: an outline per box and its label and score.  Boxes a
 * tracker (mnv3track) saw take the colour of their id, with the id in the
 * label, and an optional trail; others the colour of their class. */
static void
mnv3_overlay_paint_detection (GstMnv3Overlay * self, const GstMeta * meta,
    Mnv3Scene * scene, const Mnv3DrawSettings * settings)
{
  const GstMnv3DetectionMeta *m = (const GstMnv3DetectionMeta *) meta;

  for (guint i = 0; i < m->n_detections; i++) {
    const GstMnv3Detection *d = &m->detections[i];
    gboolean tracked = m->tracked && d->track_id > 0;
    gfloat fx, fy, fw, fh;
    gint x, y, w, h;
    gchar *text;
    const gchar *name = d->label;
    gchar num[32];

    gst_mnv3_detection_meta_get_box (m, i, scene->width, scene->height, &fx,
        &fy, &fw, &fh);
    x = (gint) floorf (fx + 0.5f);
    y = (gint) floorf (fy + 0.5f);
    w = (gint) floorf (fx + fw + 0.5f) - x;
    h = (gint) floorf (fy + fh + 0.5f) - y;
    if (!name) {
      g_snprintf (num, sizeof num, "class %d", d->class_id);
      name = num;
    }
    text = tracked ? g_strdup_printf ("%s #%d %.0f%%", name, d->track_id,
        100.0 * d->score) : g_strdup_printf ("%s %.0f%%", name,
        100.0 * d->score);
    if (tracked && settings->trail_length > 0)
      mnv3_overlay_draw_trail (self, scene, settings, d->track_id, x + w / 2,
          y + h);
    /* a tracker's boxes (predicted ones included) follow the objects: not
     * dimmed like carried-forward detections */
    mnv3_overlay_draw_box (self, scene, settings, x, y, w, h,
        tracked ? d->track_id : d->class_id, m->fresh || m->tracked, text);
    g_free (text);
  }

  if (settings->show_stats && (m->fps > 0.0 || m->latency_ms > 0.0)) {
    gchar *text = m->fps > 0.0
        ? g_strdup_printf ("inference %.1f fps, %.1f ms", m->fps,
        m->latency_ms)
        : g_strdup_printf ("inference %.1f ms", m->latency_ms);
    Mnv3Sprite *sp = mnv3_overlay_text_sprite (self, STYLE_STATS, text);

    if (!mnv3_scene_contains (scene, sp))
      mnv3_scene_stack (scene, sp, 0, scene->height, TRUE);
    g_free (text);
  }
}

/* A GstVideoRegionOfInterestMeta with DL Streamer's `detection` parameter
 * from any producer (another detector, the application): drawn like a
 * detection box; with an `object_id` parameter (a tracker's), coloured by
 * that id. */
static void
mnv3_overlay_paint_roi (GstMnv3Overlay * self,
    const GstVideoRegionOfInterestMeta * roi, Mnv3Scene * scene,
    const Mnv3DrawSettings * settings)
{
  GstStructure *det = gst_video_region_of_interest_meta_get_param (
      (GstVideoRegionOfInterestMeta *) roi, "detection");
  /* a tracker's object id: DL Streamer's `object_id` parameter */
  GstStructure *oid = gst_video_region_of_interest_meta_get_param (
      (GstVideoRegionOfInterestMeta *) roi, "object_id");
  const gchar *label;
  gdouble conf = -1.0;
  gint label_id = 0, key, id = 0;
  gboolean trk;
  gchar *text;

  if (!det)
    return;
  trk = oid && gst_structure_get_int (oid, "id", &id) && id > 0;
  label = gst_structure_get_string (det, "label");
  if (!label)
    label = roi->roi_type ? g_quark_to_string (roi->roi_type) : "object";
  gst_structure_get_double (det, "confidence", &conf);
  if (gst_structure_get_int (det, "label_id", &label_id))
    key = label_id;
  else
    key = (gint) (g_quark_from_string (label) & 0xffff);
  if (trk)
    key = id;
  if (trk && conf >= 0.0)
    text = g_strdup_printf ("%s #%d %.0f%%", label, id, 100.0 * conf);
  else if (trk)
    text = g_strdup_printf ("%s #%d", label, id);
  else if (conf >= 0.0)
    text = g_strdup_printf ("%s %.0f%%", label, 100.0 * conf);
  else
    text = g_strdup (label);
  if (trk && settings->trail_length > 0)
    mnv3_overlay_draw_trail (self, scene, settings, id,
        (gint) (roi->x + roi->w / 2), (gint) (roi->y + roi->h));
  mnv3_overlay_draw_box (self, scene, settings, (gint) roi->x, (gint) roi->y,
      (gint) roi->w, (gint) roi->h, key, TRUE, text);
  g_free (text);
}

/* Whether an mnv3 detection meta of @buf holds the box of ROI @id (it is
 * drawn from there). */
static gboolean
mnv3_overlay_roi_in_detection_meta (GstBuffer * buf, gint id)
{
  gpointer state = NULL;
  GstMeta *meta;

  while ((meta = gst_buffer_iterate_meta_filtered (buf, &state,
              GST_MNV3_DETECTION_META_API_TYPE))) {
    const GstMnv3DetectionMeta *m = (const GstMnv3DetectionMeta *) meta;

    for (guint i = 0; i < m->n_detections; i++)
      if (m->detections[i].roi_id == id)
        return TRUE;
  }
  return FALSE;
}

/* Segmentation: the pixels (palette, background) are done on the frame
 * itself before the scene is drawn (mnv3_overlay_segment_pixels); the
 * scene gets the legend (top-right) and the statistics. */
static void
mnv3_overlay_paint_segmentation (GstMnv3Overlay * self, const GstMeta * meta,
    Mnv3Scene * scene, const Mnv3DrawSettings * settings)
{
  const GstMnv3SegmentationMeta *m = (const GstMnv3SegmentationMeta *) meta;
  gchar *key = mnv3_seg_legend_key (&settings->seg, m);

  if (key) {
    Mnv3Sprite *sp = mnv3_overlay_cached_sprite (self, key);

    if (!sp) {
      cairo_surface_t *s = mnv3_seg_legend_render (self->layout,
          &settings->seg, m);
      if (s) {
        sp = g_new0 (Mnv3Sprite, 1);
        sp->serial = ++self->sprite_serial;
        sp->surface = s;
        sp->width = cairo_image_surface_get_width (s);
        sp->height = cairo_image_surface_get_height (s);
        mnv3_overlay_cache_sprite (self, key, sp);
        key = NULL;
      }
    }
    if (sp)
      mnv3_scene_stack (scene, sp, scene->width - sp->width, 0, FALSE);
    g_free (key);
  }

  if (settings->show_stats && (m->fps > 0.0 || m->latency_ms > 0.0)) {
    gchar *text = m->fps > 0.0
        ? g_strdup_printf ("segmentation %.1f fps, %.1f ms", m->fps,
        m->latency_ms)
        : g_strdup_printf ("segmentation %.1f ms", m->latency_ms);
    Mnv3Sprite *sp = mnv3_overlay_text_sprite (self, STYLE_STATS, text);

    if (!mnv3_scene_contains (scene, sp))
      mnv3_scene_stack (scene, sp, 0, scene->height, TRUE);
    g_free (text);
  }
}

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

static const struct
{
  GType (*api_type) (void);
  Mnv3Painter paint;
} mnv3_painters[] = {
  {gst_mnv3_segmentation_meta_api_get_type, mnv3_overlay_paint_segmentation},
  {gst_mnv3_classification_meta_api_get_type,
      mnv3_overlay_paint_classification},
  {gst_mnv3_detection_meta_api_get_type, mnv3_overlay_paint_detection},
};

static void
mnv3_overlay_build_scene (GstMnv3Overlay * self, GstBuffer * buf,
    const Mnv3DrawSettings * settings)
{
  gpointer state = NULL;
  GstMeta *meta;

  while ((meta = gst_buffer_iterate_meta (buf, &state))) {
    if (meta->info->api == GST_VIDEO_REGION_OF_INTEREST_META_API_TYPE) {
      const GstVideoRegionOfInterestMeta *roi =
          (const GstVideoRegionOfInterestMeta *) meta;

      if (!mnv3_overlay_roi_in_detection_meta (buf, roi->id))
        mnv3_overlay_paint_roi (self, roi, &self->scene, settings);
      continue;
    }
    for (guint i = 0; i < G_N_ELEMENTS (mnv3_painters); i++) {
      if (meta->info->api == mnv3_painters[i].api_type ()) {
        mnv3_painters[i].paint (self, meta, &self->scene, settings);
        break;
      }
    }
  }
}

/* --------------------------------------------------------------- rendering */

static gboolean
mnv3_placements_equal (GArray * a, GArray * b)
{
  if (a->len != b->len)
    return FALSE;
  for (guint i = 0; i < a->len; i++) {
    const Mnv3Placement *pa = &g_array_index (a, Mnv3Placement, i);
    const Mnv3Placement *pb = &g_array_index (b, Mnv3Placement, i);
    if (pa->serial != pb->serial || pa->x != pb->x || pa->y != pb->y)
      return FALSE;
  }
  return TRUE;
}

static void
mnv3_overlay_forget_composition (GstMnv3Overlay * self)
{
  if (self->last_comp)
    gst_video_overlay_composition_unref (self->last_comp);
  self->last_comp = NULL;
  g_array_set_size (self->last_items, 0);
}

/* The scene as a composition; an unchanged scene reuses the last one. */
static GstVideoOverlayComposition *
mnv3_overlay_scene_composition (GstMnv3Overlay * self)
{
  GArray *items = self->scene.items;
  GstVideoOverlayComposition *comp = NULL;

  if (self->last_comp && mnv3_placements_equal (items, self->last_items))
    return gst_video_overlay_composition_ref (self->last_comp);

  for (guint i = 0; i < items->len; i++) {
    const Mnv3Placement *p = &g_array_index (items, Mnv3Placement, i);
    GstVideoOverlayRectangle *rect =
        mnv3_sprite_rectangle (p->sprite, p->x, p->y);

    if (!comp)
      comp = gst_video_overlay_composition_new (rect);
    else
      gst_video_overlay_composition_add_rectangle (comp, rect);
    gst_video_overlay_rectangle_unref (rect);
  }

  mnv3_overlay_forget_composition (self);
  self->last_comp = gst_video_overlay_composition_ref (comp);
  g_array_append_vals (self->last_items, items->data, items->len);
  return comp;
}

static gboolean
mnv3_overlay_draw_direct (GstMnv3Overlay * self, GstVideoFrame * frame)
{
  GArray *items = self->scene.items;
  cairo_surface_t *dst;
  cairo_t *cr;
  gboolean ok;

  dst = cairo_image_surface_create_for_data (GST_VIDEO_FRAME_PLANE_DATA (frame,
          0), self->cairo_format, GST_VIDEO_FRAME_WIDTH (frame),
      GST_VIDEO_FRAME_HEIGHT (frame), GST_VIDEO_FRAME_PLANE_STRIDE (frame, 0));
  if (cairo_surface_status (dst) != CAIRO_STATUS_SUCCESS) {
    cairo_surface_destroy (dst);
    return FALSE;
  }
  cr = cairo_create (dst);
  for (guint i = 0; i < items->len; i++) {
    const Mnv3Placement *p = &g_array_index (items, Mnv3Placement, i);
    cairo_set_source_surface (cr, p->sprite->surface, p->x, p->y);
    cairo_paint (cr);
  }
  ok = cairo_status (cr) == CAIRO_STATUS_SUCCESS;
  cairo_destroy (cr);
  cairo_surface_flush (dst);
  cairo_surface_destroy (dst);
  return ok;
}

/* Whether box edges can be written straight onto frames of @info: 8-bit
 * YUV whose components are addressed by a pixel stride (I420, YV12, NV12,
 * NV21, Y444, Y42B, AYUV, YUY2, UYVY).  Others fall back to sprites. */
static gboolean
mnv3_overlay_bars_supported (const GstVideoInfo * info)
{
  const GstVideoFormatInfo *fi = info->finfo;

  if (!fi || !GST_VIDEO_FORMAT_INFO_IS_YUV (fi)
      || GST_VIDEO_FORMAT_INFO_HAS_PALETTE (fi)
      || GST_VIDEO_FORMAT_INFO_IS_TILED (fi)
      || GST_VIDEO_FORMAT_INFO_N_COMPONENTS (fi) < 3)
    return FALSE;
  for (guint c = 0; c < 3; c++)
    if (GST_VIDEO_FORMAT_INFO_DEPTH (fi, c) != 8
        || GST_VIDEO_FORMAT_INFO_SHIFT (fi, c) != 0
        || GST_VIDEO_FORMAT_INFO_PSTRIDE (fi, c) < 1)
      return FALSE;
  return TRUE;
}

/* One component of a bar already clipped to the frame, [x0, x1) x [y0, y1)
 * in luma pixels.  Subsampled chroma gets every sample the bar touches. */
static void
mnv3_bar_fill_component (GstVideoFrame * frame, guint c, const Mnv3Bar * bar,
    gint x0, gint y0, gint x1, gint y1)
{
  const GstVideoFormatInfo *fi = frame->info.finfo;
  guint ws = GST_VIDEO_FORMAT_INFO_W_SUB (fi, c);
  guint hs = GST_VIDEO_FORMAT_INFO_H_SUB (fi, c);
  gint cx0 = x0 >> ws, cx1 = ((x1 - 1) >> ws) + 1;
  gint cy0 = y0 >> hs, cy1 = ((y1 - 1) >> hs) + 1;
  gint ps = GST_VIDEO_FRAME_COMP_PSTRIDE (frame, c);
  gint stride = GST_VIDEO_FRAME_COMP_STRIDE (frame, c);
  guint8 *base = GST_VIDEO_FRAME_COMP_DATA (frame, c);
  guint val = bar->comp[c], a = bar->alpha, n = (guint) (cx1 - cx0);
  /* integer blend, rounded: (val * a + p * (255 - a)) / 255 */
  guint va = val * a + 127, ia = 255 - a;

  for (gint cy = cy0; cy < cy1; cy++) {
    guint8 *row = base + (gssize) cy * stride + (gssize) cx0 * ps;

    if (a == 255 && ps == 1)
      memset (row, (int) val, n);
    else if (a == 255)
      for (guint i = 0; i < n; i++)
        row[(gsize) i * ps] = (guint8) val;
    else
      for (guint i = 0; i < n; i++) {
        guint8 *px = row + (gsize) i * ps;
        *px = (guint8) ((va + *px * ia) / 255);
      }
  }
}

static void
mnv3_overlay_draw_bars (GstMnv3Overlay * self, GstVideoFrame * frame)
{
  GArray *bars = self->scene.bars;
  gint fw = GST_VIDEO_FRAME_WIDTH (frame), fh = GST_VIDEO_FRAME_HEIGHT (frame);

  for (guint i = 0; i < bars->len; i++) {
    const Mnv3Bar *b = &g_array_index (bars, Mnv3Bar, i);
    gint x0 = MAX (b->x, 0), y0 = MAX (b->y, 0);
    gint x1 = MIN (b->x + b->w, fw), y1 = MIN (b->y + b->h, fh);

    if (x0 >= x1 || y0 >= y1)
      continue;
    for (guint c = 0; c < 3; c++)
      mnv3_bar_fill_component (frame, c, b, x0, y0, x1, y1);
  }
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
  mnv3_overlay_draw_bars (self, &frame);
  if (self->scene.items->len == 0)
    ok = TRUE;
  else
    ok = self->mode == RENDER_DIRECT && mnv3_overlay_draw_direct (self,
        &frame);
  if (!ok && self->scene.items->len > 0) {
    GstVideoOverlayComposition *comp = mnv3_overlay_scene_composition (self);
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
  GstVideoOverlayComposition *ours = mnv3_overlay_scene_composition (self);
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

/* ------------------------------------------------------------------ fonts */

static void
mnv3_overlay_release_text (GstMnv3Overlay * self)
{
  mnv3_overlay_forget_composition (self);
  g_hash_table_remove_all (self->sprites);
  g_clear_object (&self->layout);
  g_clear_object (&self->pango);
  g_clear_object (&self->fontmap);
}

/* Each element has its own font map: Pango's default one is per thread and
 * streaming threads come and go. */
static void
mnv3_overlay_setup_text (GstMnv3Overlay * self)
{
  PangoFontDescription *desc;

  GST_OBJECT_LOCK (self);
  desc = pango_font_description_from_string (self->font_desc);
  self->font_changed = FALSE;
  GST_OBJECT_UNLOCK (self);

  mnv3_overlay_release_text (self);
  self->fontmap = pango_cairo_font_map_new ();
  self->pango = pango_font_map_create_context (self->fontmap);
  self->layout = pango_layout_new (self->pango);
  pango_layout_set_font_description (self->layout, desc);
  pango_font_description_free (desc);
}

/* ----------------------------------------------------------- base class */

static gboolean
gst_mnv3_overlay_start (GstBaseTransform * trans)
{
  GstMnv3Overlay *self = GST_MNV3_OVERLAY (trans);

  mnv3_overlay_setup_text (self);
  self->frame_count = 0;
  g_hash_table_remove_all (self->trails);
  return TRUE;
}

static gboolean
gst_mnv3_overlay_stop (GstBaseTransform * trans)
{
  GstMnv3Overlay *self = GST_MNV3_OVERLAY (trans);

  mnv3_overlay_release_text (self);
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
  self->bars_on_planes = self->mode == RENDER_BLEND
      && mnv3_overlay_bars_supported (in_info);
  GST_INFO_OBJECT (self, "%s: %s", gst_video_format_to_string
      (GST_VIDEO_INFO_FORMAT (in_info)),
      self->mode == RENDER_ATTACH ? "attaching an overlay composition meta" :
      self->mode == RENDER_DIRECT ? "drawing on the frame with Cairo" :
      "blending an overlay composition");
  /* positions clamped to the old size are wrong for the new one */
  mnv3_overlay_forget_composition (self);
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
  if (font_changed || !self->layout)
    mnv3_overlay_setup_text (self);

  self->frame_count++;
  mnv3_scene_reset (&self->scene, GST_VIDEO_INFO_WIDTH (info),
      GST_VIDEO_INFO_HEIGHT (info));
  ret = mnv3_overlay_segment_pixels (self, buf, &settings.seg);
  mnv3_overlay_build_scene (self, buf, &settings);
  mnv3_seg_props_clear (&settings.seg);

  if (ret == GST_FLOW_OK && (self->scene.items->len > 0
          || self->scene.bars->len > 0)) {
    if (self->mode == RENDER_ATTACH)
      mnv3_overlay_attach (self, buf);
    else
      ret = mnv3_overlay_blend (self, buf);
  }
  mnv3_overlay_evict_sprites (self);
  g_hash_table_foreach_remove (self->trails, mnv3_trail_is_old,
      &self->frame_count);
  return ret;
}

/* ------------------------------------------------------------- GObject */

static void
gst_mnv3_overlay_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstMnv3Overlay *self = GST_MNV3_OVERLAY (object);

  switch (prop_id) {
    case PROP_DRAW_LABELS:
      GST_OBJECT_LOCK (self);
      self->draw_labels = g_value_get_boolean (value);
      GST_OBJECT_UNLOCK (self);
      break;
    case PROP_FONT_DESC:{
      const gchar *desc = g_value_get_string (value);
      GST_OBJECT_LOCK (self);
      g_free (self->font_desc);
      self->font_desc = g_strdup (desc ? desc : DEFAULT_FONT_DESC);
      self->font_changed = TRUE;
      GST_OBJECT_UNLOCK (self);
      break;
    }
    case PROP_LINE_WIDTH:
      GST_OBJECT_LOCK (self);
      self->line_width = g_value_get_double (value);
      GST_OBJECT_UNLOCK (self);
      break;
    case PROP_SHOW_STATS:
      GST_OBJECT_LOCK (self);
      self->show_stats = g_value_get_boolean (value);
      GST_OBJECT_UNLOCK (self);
      break;
    case PROP_TRAIL_LENGTH:
      GST_OBJECT_LOCK (self);
      self->trail_length = g_value_get_uint (value);
      GST_OBJECT_UNLOCK (self);
      break;
    case PROP_QOS:
      gst_base_transform_set_qos_enabled (GST_BASE_TRANSFORM (self),
          g_value_get_boolean (value));
      break;
    default:{
      gboolean ours = FALSE;

      GST_OBJECT_LOCK (self);
      if (prop_id >= PROP_SEGMENT_FIRST)
        ours = mnv3_seg_set_property (&self->seg,
            prop_id - PROP_SEGMENT_FIRST, value);
      GST_OBJECT_UNLOCK (self);
      if (!ours)
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
    }
  }
}

static void
gst_mnv3_overlay_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  GstMnv3Overlay *self = GST_MNV3_OVERLAY (object);

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
    case PROP_QOS:
      GST_OBJECT_UNLOCK (self);
      g_value_set_boolean (value,
          gst_base_transform_is_qos_enabled (GST_BASE_TRANSFORM (self)));
      return;
    default:
      if (prop_id < PROP_SEGMENT_FIRST || !mnv3_seg_get_property (&self->seg,
              prop_id - PROP_SEGMENT_FIRST, value))
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_mnv3_overlay_finalize (GObject * object)
{
  GstMnv3Overlay *self = GST_MNV3_OVERLAY (object);

  mnv3_overlay_release_text (self);
  g_hash_table_unref (self->sprites);
  g_hash_table_unref (self->trails);
  g_array_unref (self->scene.items);
  g_array_unref (self->scene.stacks);
  g_array_unref (self->scene.bars);
  g_array_unref (self->last_items);
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
  /* mask-opacity, mask-classes, show-legend, background, foreground-class,
   * blur-radius, background-color */
  mnv3_seg_install_properties (gobject_class, PROP_SEGMENT_FIRST, rw);
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
  self->trails = g_hash_table_new_full (NULL, NULL, NULL, mnv3_trail_free);
  mnv3_seg_props_init (&self->seg);
  self->seg_state = mnv3_seg_state_new ();
  self->sprites = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
      mnv3_sprite_free);
  self->scene.items = g_array_new (FALSE, FALSE, sizeof (Mnv3Placement));
  self->scene.stacks = g_array_new (FALSE, FALSE, sizeof (Mnv3Stack));
  self->scene.bars = g_array_new (FALSE, FALSE, sizeof (Mnv3Bar));
  self->last_items = g_array_new (FALSE, FALSE, sizeof (Mnv3Placement));
  gst_base_transform_set_in_place (GST_BASE_TRANSFORM (self), TRUE);
  gst_base_transform_set_qos_enabled (GST_BASE_TRANSFORM (self), DEFAULT_QOS);
}
