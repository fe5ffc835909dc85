/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * mnv3overlay's segmentation painter: palette blend of the class map,
 * background blur/replace behind a chosen class, legend.  See
 * mnv3overlay-segment.h for the contract.
 *
 * Every supported format is seen as a list of planes of "groups": the
 * smallest run of bytes that repeats along a row (a BGRx pixel, an RGB
 * pixel, a luma sample, an NV12 U/V pair, a YUY2 macro-pixel).  Each group
 * sits at a known position of the frame, so one code path samples the mask
 * for it, blurs the plane (each byte of a group is its own channel) and
 * blends it; nothing is converted to ARGB and back.
 *
 * The mask is taken to the frame bilinearly (smooth edge: it ramps over
 * about one map pixel), one plane row at a time: the two map rows are mixed
 * once into a row of the map's width, then each group mixes two entries of
 * that row with column weights cached per caps and region.  Everything is
 * fixed point: a foreground alpha of exactly 255 leaves the pixel's bytes
 * untouched and 0 gives exactly the background.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mnv3overlay-colour.h"
#include "mnv3overlay-segment.h"

GST_DEBUG_CATEGORY_STATIC (mnv3_seg_debug);
#define GST_CAT_DEFAULT mnv3_seg_debug

#define MAX_PLANES 4
#define MAX_GROUP 4

/* ----------------------------------------------------------- properties */

void
mnv3_seg_props_clear (Mnv3SegProps * p)
{
  g_clear_pointer (&p->mask_classes, g_free);
  g_clear_pointer (&p->foreground_class, g_free);
}

void
mnv3_seg_props_copy (Mnv3SegProps * dst, const Mnv3SegProps * src)
{
  *dst = *src;
  dst->mask_classes = g_strdup (src->mask_classes);
  dst->foreground_class = g_strdup (src->foreground_class);
}

/* -------------------------------------------------------------- classes */

/* Index of the class named (label, case-insensitive) or numbered by s, -1
 * when the meta has no such class. */
static gint
mnv3_seg_class_index (const GstMnv3SegmentationMeta * m, const gchar * s)
{
  gchar *end = NULL;
  guint64 v;

  if (!s || !*s)
    return -1;
  for (guint i = 0; i < m->n_labels; i++)
    if (m->labels[i] && g_ascii_strcasecmp (m->labels[i], s) == 0)
      return (gint) i;
  v = g_ascii_strtoull (s, &end, 10);
  if (end && end != s && *end == '\0' && v < 256)
    return (gint) v;
  return -1;
}

/* drawn[k]: the palette colours class k.  Returns how many classes are. */
static guint
mnv3_seg_drawn_classes (const Mnv3SegProps * p,
    const GstMnv3SegmentationMeta * m, gboolean drawn[256])
{
  guint n = 0;

  memset (drawn, 0, 256 * sizeof (gboolean));
  if (p->mask_opacity <= 0.0)
    return 0;
  if (!p->mask_classes) {
    for (guint k = 1; k < 256; k++)
      drawn[k] = TRUE;
  } else {
    gchar **names = g_strsplit (p->mask_classes, ",", -1);
    for (guint i = 0; names[i]; i++) {
      gint k = mnv3_seg_class_index (m, g_strstrip (names[i]));
      if (k >= 0)
        drawn[k] = TRUE;
    }
    g_strfreev (names);
  }
  if (p->background != GST_MNV3_OVERLAY_BACKGROUND_NONE) {
    gint fg = mnv3_seg_class_index (m, p->foreground_class);
    if (fg >= 0)
      drawn[fg] = FALSE;
  }
  for (guint k = 0; k < 256; k++)
    n += drawn[k] ? 1 : 0;
  return n;
}

/* ---------------------------------------------------------------- state */

/* Column tables of one plane: for the groups gx in [in0, in1) (those whose
 * centre lies in the region) the two map columns and the weight of the
 * second (0..256) for the bilinear mask, and the nearest map column (as
 * gst_mnv3_segmentation_meta_class_at picks it) for the palette. */
typedef struct
{
  gint key[6];
  gint in0, in1;
  guint16 *i0, *i1, *w, *near;
} Mnv3SegColumns;

struct _Mnv3SegState
{
  Mnv3SegColumns cols[MAX_PLANES];
  guint8 *alpha_map;            /* foreground alpha at map resolution */
  gsize alpha_map_size;
  guint32 *mix_row;             /* two map rows mixed, map width */
  gsize mix_row_size;
  guint8 *alpha_row;            /* one plane row of alpha */
  gsize alpha_row_size;
  guint8 *hblur;                /* horizontally blurred plane */
  gsize hblur_size;
  guint32 *sums;                /* vertical running sums */
  gsize sums_size;
  guint8 *bg_row;               /* the background of one plane row */
  gsize bg_row_size;
  gchar *warned_fg;             /* last unknown foreground-class reported */
};

Mnv3SegState *
mnv3_seg_state_new (void)
{
  GST_DEBUG_CATEGORY_INIT (mnv3_seg_debug, "mnv3overlay-segment", 0,
      "mnv3overlay segmentation painter");
  return g_new0 (Mnv3SegState, 1);
}

static void
mnv3_seg_columns_clear (Mnv3SegColumns * c)
{
  g_free (c->i0);
  g_free (c->i1);
  g_free (c->w);
  g_free (c->near);
  memset (c, 0, sizeof *c);
}

void
mnv3_seg_state_reset (Mnv3SegState * st)
{
  for (guint p = 0; p < MAX_PLANES; p++)
    mnv3_seg_columns_clear (&st->cols[p]);
}

void
mnv3_seg_state_free (Mnv3SegState * st)
{
  if (!st)
    return;
  mnv3_seg_state_reset (st);
  g_free (st->alpha_map);
  g_free (st->mix_row);
  g_free (st->alpha_row);
  g_free (st->hblur);
  g_free (st->sums);
  g_free (st->bg_row);
  g_free (st->warned_fg);
  g_free (st);
}

/* Grows a scratch buffer to at least size bytes (contents not kept). */
static gpointer
mnv3_seg_scratch (gpointer * buf, gsize * have, gsize size)
{
  if (*have < size) {
    g_free (*buf);
    *buf = g_malloc (size);
    *have = size;
  }
  return *buf;
}

/* ------------------------------------------------------------- geometry */

/* One plane of the frame, seen as rows of groups. */
typedef struct
{
  guint8 *data;
  gint stride;
  gint width, height;           /* in groups */
  gint bpp;                     /* bytes per group */
  guint8 bg[MAX_GROUP];         /* background=replace bytes of a group */
  gint frame_w, frame_h;
} Mnv3SegPlane;

/* Position along one axis: the map coordinate for the centre of group g of
 * n groups spread over a frame of size frame, region [r0, r0 + rn).
 * Returns FALSE outside the region. */
static gboolean
mnv3_seg_axis (gint g, gint n, gint frame, gint r0, gint rn, gint map,
    gint * i0, gint * i1, gint * w)
{
  gdouble f = (g + 0.5) * frame / n;
  gdouble u;
  gint i;

  if (f < r0 || f >= r0 + rn)
    return FALSE;
  u = (f - r0) * map / rn - 0.5;
  if (u <= 0.0) {
    *i0 = *i1 = 0;
    *w = 0;
    return TRUE;
  }
  i = (gint) u;
  if (i >= map - 1) {
    *i0 = *i1 = map - 1;
    *w = 0;
    return TRUE;
  }
  *i0 = i;
  *i1 = i + 1;
  *w = (gint) lround ((u - i) * 256.0);
  return TRUE;
}

/* The nearest map index for group g, as class_at picks it for the frame
 * pixel at the group's top-left. */
static gint
mnv3_seg_nearest (gint g, gint n, gint frame, gint r0, gint rn, gint map)
{
  gint x = (gint) ((gint64) g * frame / n);
  gint m = (gint) (((gint64) (x - r0) * 2 + 1) * map / (2 * rn));
  return CLAMP (m, 0, map - 1);
}

static const Mnv3SegColumns *
mnv3_seg_columns (Mnv3SegState * st, guint plane, const Mnv3SegPlane * pl,
    const GstVideoRectangle * r, gint map_w)
{
  Mnv3SegColumns *c = &st->cols[plane];
  gint key[6] = { pl->width, pl->frame_w, r->x, r->w, map_w, 1 };

  if (c->key[5] && memcmp (c->key, key, sizeof key) == 0)
    return c;
  mnv3_seg_columns_clear (c);
  memcpy (c->key, key, sizeof key);
  c->i0 = g_new0 (guint16, pl->width);
  c->i1 = g_new0 (guint16, pl->width);
  c->w = g_new0 (guint16, pl->width);
  c->near = g_new0 (guint16, pl->width);
  c->in0 = pl->width;
  c->in1 = 0;
  for (gint g = 0; g < pl->width; g++) {
    gint i0, i1, w;
    if (!mnv3_seg_axis (g, pl->width, pl->frame_w, r->x, r->w, map_w, &i0,
            &i1, &w))
      continue;
    c->in0 = MIN (c->in0, g);
    c->in1 = MAX (c->in1, g + 1);
    c->i0[g] = i0;
    c->i1[g] = i1;
    c->w[g] = w;
    c->near[g] = mnv3_seg_nearest (g, pl->width, pl->frame_w, r->x, r->w,
        map_w);
  }
  return c;
}

/* ------------------------------------------------------------ formats */

/* The frame as planes of groups; group bytes of colour rgb in grp[p].
 * FALSE for layouts this painter does not handle (not 8-bit, palettes). */
static gboolean
mnv3_seg_planes (GstVideoFrame * frame, Mnv3SegPlane planes[MAX_PLANES],
    guint * n_planes)
{
  const GstVideoFormatInfo *fi = frame->info.finfo;
  guint np = GST_VIDEO_FRAME_N_PLANES (frame);

  if (np > MAX_PLANES || GST_VIDEO_FORMAT_INFO_HAS_PALETTE (fi)
      || GST_VIDEO_FORMAT_INFO_IS_TILED (fi))
    return FALSE;
  for (guint c = 0; c < GST_VIDEO_FORMAT_INFO_N_COMPONENTS (fi); c++)
    if (GST_VIDEO_FORMAT_INFO_DEPTH (fi, c) != 8
        || GST_VIDEO_FORMAT_INFO_SHIFT (fi, c) != 0)
      return FALSE;

  for (guint p = 0; p < np; p++) {
    Mnv3SegPlane *pl = &planes[p];
    gint widest = -1, bpp = 0;

    /* the component with the largest pixel stride spans a whole group */
    for (guint c = 0; c < GST_VIDEO_FORMAT_INFO_N_COMPONENTS (fi); c++)
      if (GST_VIDEO_FORMAT_INFO_PLANE (fi, c) == p
          && GST_VIDEO_FORMAT_INFO_PSTRIDE (fi, c) > bpp) {
        bpp = GST_VIDEO_FORMAT_INFO_PSTRIDE (fi, c);
        widest = c;
      }
    if (widest < 0 || bpp > MAX_GROUP)
      return FALSE;
    pl->data = GST_VIDEO_FRAME_PLANE_DATA (frame, p);
    pl->stride = GST_VIDEO_FRAME_PLANE_STRIDE (frame, p);
    pl->width = GST_VIDEO_FRAME_COMP_WIDTH (frame, widest);
    pl->height = GST_VIDEO_FRAME_COMP_HEIGHT (frame, widest);
    pl->bpp = bpp;
    pl->frame_w = GST_VIDEO_FRAME_WIDTH (frame);
    pl->frame_h = GST_VIDEO_FRAME_HEIGHT (frame);
    memset (pl->bg, 0xff, sizeof pl->bg);
  }
  *n_planes = np;
  return TRUE;
}

/* Puts colour rgb (0xRRGGBB) into each plane's group bytes out[p]. */
static void
mnv3_seg_group_color (GstVideoFrame * frame, const Mnv3SegPlane * planes,
    guint n_planes, guint32 rgb, guint8 out[MAX_PLANES][MAX_GROUP])
{
  const GstVideoFormatInfo *fi = frame->info.finfo;
  gdouble c01[3];
  guint8 comp[4];

  mnv3_overlay_colour_unpack (rgb, c01);
  mnv3_overlay_colour_components (&frame->info, c01, comp);
  for (guint p = 0; p < n_planes; p++)
    memset (out[p], 0xff, MAX_GROUP);
  for (guint c = 0; c < GST_VIDEO_FORMAT_INFO_N_COMPONENTS (fi) && c < 4;
      c++) {
    guint p = GST_VIDEO_FORMAT_INFO_PLANE (fi, c);
    gint ps = GST_VIDEO_FORMAT_INFO_PSTRIDE (fi, c);
    gint off = GST_VIDEO_FORMAT_INFO_POFFSET (fi, c);

    /* YUY2's two lumas a group: every pixel-stride step gets the value */
    for (gint o = off; p < n_planes && ps > 0 && o < planes[p].bpp; o += ps)
      out[p][o] = comp[c];
  }
}

/* ---------------------------------------------------------------- blur */

static inline guint8
mnv3_seg_box_out (guint32 sum, guint32 inv)
{
  guint32 v = (sum * inv + (1u << 15)) >> 16;
  return v > 255 ? 255 : (guint8) v;
}

/* Horizontal box blur of one row (edge pixels repeated), bpp channels. */
static inline __attribute__((always_inline)) void
mnv3_seg_hblur_row (const guint8 * src, guint8 * dst, gint n, gint r,
    const gint bpp)
{
  guint32 inv = (65536u + r) / (2 * r + 1);
  guint32 sum[MAX_GROUP];
  gint x, lo, hi;

  for (gint c = 0; c < bpp; c++) {
    sum[c] = src[c] * (guint32) (r + 1);
    for (gint k = 1; k <= r; k++)
      sum[c] += src[MIN (k, n - 1) * bpp + c];
  }
  /* all channels of a group together; the clamped edges apart, so the
   * middle runs without bounds checks */
  lo = MIN (r, n);
  hi = MAX (lo, n - r - 1);
  for (x = 0; x < lo; x++)
    for (gint c = 0; c < bpp; c++) {
      dst[x * bpp + c] = mnv3_seg_box_out (sum[c], inv);
      sum[c] += src[MIN (x + r + 1, n - 1) * bpp + c];
      sum[c] -= src[c];
    }
  for (; x < hi; x++)
    for (gint c = 0; c < bpp; c++) {
      dst[x * bpp + c] = mnv3_seg_box_out (sum[c], inv);
      sum[c] += src[(x + r + 1) * bpp + c];
      sum[c] -= src[(x - r) * bpp + c];
    }
  for (; x < n; x++)
    for (gint c = 0; c < bpp; c++) {
      dst[x * bpp + c] = mnv3_seg_box_out (sum[c], inv);
      sum[c] += src[MIN (x + r + 1, n - 1) * bpp + c];
      sum[c] -= src[MAX (x - r, 0) * bpp + c];
    }
}

static void
mnv3_seg_hblur_plane (const Mnv3SegPlane * pl, guint8 * dst, gint r)
{
  gsize row = (gsize) pl->width * pl->bpp;

  for (gint y = 0; y < pl->height; y++) {
    const guint8 *s = pl->data + (gsize) y * pl->stride;
    guint8 *d = dst + y * row;
    switch (pl->bpp) {
      case 1:
        mnv3_seg_hblur_row (s, d, pl->width, r, 1);
        break;
      case 2:
        mnv3_seg_hblur_row (s, d, pl->width, r, 2);
        break;
      case 3:
        mnv3_seg_hblur_row (s, d, pl->width, r, 3);
        break;
      default:
        mnv3_seg_hblur_row (s, d, pl->width, r, 4);
        break;
    }
  }
}

/* ------------------------------------------------------------- blending */

/* (a * fg + (255 - a) * bg) / 255, rounded, exact at a = 0 and 255. */
static inline guint8
mnv3_seg_mix (guint fg, guint bg, guint a)
{
  guint v = fg * a + bg * (255 - a) + 128;
  return (guint8) ((v + (v >> 8)) >> 8);
}

/* One plane row: alpha[] per group, background bytes bg (a whole row, or
 * one group repeated when bg_step is 0). */
static void
mnv3_seg_blend_row (guint8 * row, const guint8 * alpha, const guint8 * bg,
    gint bg_step, gint n, gint bpp)
{
  for (gint g = 0; g < n; g++) {
    guint a = alpha[g];
    guint8 *px = row + g * bpp;
    const guint8 *b = bg + g * bg_step;

    if (a == 255)
      continue;
    if (a == 0) {
      memcpy (px, b, bpp);
      continue;
    }
    for (gint k = 0; k < bpp; k++)
      px[k] = mnv3_seg_mix (px[k], b[k], a);
  }
}

/* The foreground alpha of the map: the probability for one-channel models
 * (of class 1, or its complement for class 0), else 255 on the class. */
static const guint8 *
mnv3_seg_alpha_map (Mnv3SegState * st, const GstMnv3SegmentationMeta * m,
    gint fg)
{
  gsize n = (gsize) m->width * m->height;
  guint8 *a = mnv3_seg_scratch ((gpointer *) & st->alpha_map,
      &st->alpha_map_size, n);

  if (m->probability && (fg == 0 || fg == 1)) {
    for (gsize i = 0; i < n; i++) {
      gfloat p = m->probability[i];
      p = fg == 1 ? p : 1.0f - p;
      a[i] = p <= 0.0f ? 0 : p >= 1.0f ? 255 : (guint8) (p * 255.0f + 0.5f);
    }
  } else {
    for (gsize i = 0; i < n; i++)
      a[i] = m->class_map[i] == fg ? 255 : 0;
  }
  return a;
}

/* The alpha of plane row y: 0 outside the region. */
static void
mnv3_seg_alpha_row (Mnv3SegState * st, const Mnv3SegPlane * pl,
    const Mnv3SegColumns * c, const GstVideoRectangle * r,
    const GstMnv3SegmentationMeta * m, const guint8 * amap, gint y,
    guint8 * out)
{
  gint j0, j1, wy;
  guint32 *mix;

  memset (out, 0, pl->width);
  if (!mnv3_seg_axis (y, pl->height, pl->frame_h, r->y, r->h, m->height,
          &j0, &j1, &wy))
    return;
  mix = st->mix_row;
  {
    const guint8 *a0 = amap + (gsize) j0 * m->width;
    const guint8 *a1 = amap + (gsize) j1 * m->width;
    for (gint i = 0; i < m->width; i++)
      mix[i] = a0[i] * (guint32) (256 - wy) + a1[i] * (guint32) wy;
  }
  for (gint g = c->in0; g < c->in1; g++) {
    guint32 w = c->w[g];
    out[g] = (guint8) ((mix[c->i0[g]] * (256 - w) + mix[c->i1[g]] * w) >> 16);
  }
}

static void
mnv3_seg_background_plane (Mnv3SegState * st, const Mnv3SegProps * p,
    const Mnv3SegPlane * pl, const Mnv3SegColumns * c,
    const GstVideoRectangle * r, const GstMnv3SegmentationMeta * m,
    const guint8 * amap)
{
  gsize row = (gsize) pl->width * pl->bpp;
  guint8 *alpha = st->alpha_row;
  gint rx, ry;
  guint32 *sums, inv;
  guint8 *out;

  if (p->background == GST_MNV3_OVERLAY_BACKGROUND_REPLACE) {
    for (gint y = 0; y < pl->height; y++) {
      mnv3_seg_alpha_row (st, pl, c, r, m, amap, y, alpha);
      mnv3_seg_blend_row (pl->data + (gsize) y * pl->stride, alpha, pl->bg,
          0, pl->width, pl->bpp);
    }
    return;
  }

  /* blur: the radius in this plane's samples (chroma is subsampled) */
  rx = MAX (1, (gint) lround ((gdouble) p->blur_radius * pl->width /
          pl->frame_w));
  ry = MAX (1, (gint) lround ((gdouble) p->blur_radius * pl->height /
          pl->frame_h));
  mnv3_seg_hblur_plane (pl, st->hblur, rx);

  /* vertical pass with running column sums, blended row by row */
  sums = st->sums;
  out = st->bg_row;
  inv = (65536u + ry) / (2 * ry + 1);
  for (gsize i = 0; i < row; i++)
    sums[i] = st->hblur[i] * (guint32) (ry + 1);
  for (gint k = 1; k <= ry; k++) {
    const guint8 *s = st->hblur + MIN (k, pl->height - 1) * row;
    for (gsize i = 0; i < row; i++)
      sums[i] += s[i];
  }
  for (gint y = 0; y < pl->height; y++) {
    const guint8 *add = st->hblur + MIN (y + ry + 1, pl->height - 1) * row;
    const guint8 *sub = st->hblur + MAX (y - ry, 0) * row;

    for (gsize i = 0; i < row; i++) {
      out[i] = mnv3_seg_box_out (sums[i], inv);
      sums[i] += add[i];
      sums[i] -= sub[i];
    }
    mnv3_seg_alpha_row (st, pl, c, r, m, amap, y, alpha);
    mnv3_seg_blend_row (pl->data + (gsize) y * pl->stride, alpha, out,
        pl->bpp, pl->width, pl->bpp);
  }
}

/* Palette: colour classes drawn[] at opacity o256 / 256 (nearest map
 * pixel: class borders stay crisp, as class_at reports them). */
static void
mnv3_seg_palette_plane (const Mnv3SegPlane * pl, guint plane,
    const Mnv3SegColumns * c, const GstVideoRectangle * r,
    const GstMnv3SegmentationMeta * m, const gboolean drawn[256],
    guint8 colors[256][MAX_PLANES][MAX_GROUP], guint o256)
{
  for (gint y = 0; y < pl->height; y++) {
    gint j0, j1, w;
    const guint8 *map_row;
    guint8 *row = pl->data + (gsize) y * pl->stride;

    if (!mnv3_seg_axis (y, pl->height, pl->frame_h, r->y, r->h, m->height,
            &j0, &j1, &w))
      continue;
    map_row = m->class_map + (gsize) mnv3_seg_nearest (y, pl->height,
        pl->frame_h, r->y, r->h, m->height) * m->width;
    for (gint g = c->in0; g < c->in1; g++) {
      guint k = map_row[c->near[g]];
      guint8 *px;

      if (!drawn[k])
        continue;
      px = row + g * pl->bpp;
      for (gint b = 0; b < pl->bpp; b++)
        px[b] = (guint8) ((px[b] * (256 - o256) + colors[k][plane][b] * o256
                + 128) >> 8);
    }
  }
}

/* --------------------------------------------------------------- entry */

gboolean
mnv3_seg_wants_frame (const Mnv3SegProps * p, GstBuffer * buf)
{
  if (p->background == GST_MNV3_OVERLAY_BACKGROUND_NONE
      && p->mask_opacity <= 0.0)
    return FALSE;
  return gst_buffer_get_mnv3_segmentation_meta (buf) != NULL;
}

gboolean
mnv3_seg_apply (Mnv3SegState * st, const Mnv3SegProps * p,
    GstVideoFrame * frame, const GstMnv3SegmentationMeta * m)
{
  Mnv3SegPlane planes[MAX_PLANES];
  const Mnv3SegColumns *cols[MAX_PLANES];
  guint n_planes, max_row = 0, max_plane = 0;
  GstVideoRectangle r;
  gboolean drawn[256];
  gint fg = -1;

  if (!mnv3_seg_planes (frame, planes, &n_planes))
    return FALSE;
  gst_mnv3_segmentation_meta_get_region (m, GST_VIDEO_FRAME_WIDTH (frame),
      GST_VIDEO_FRAME_HEIGHT (frame), &r);
  if (r.w <= 0 || r.h <= 0 || m->width <= 0 || m->height <= 0)
    return TRUE;

  for (guint i = 0; i < n_planes; i++) {
    cols[i] = mnv3_seg_columns (st, i, &planes[i], &r, m->width);
    max_row = MAX (max_row, (guint) (planes[i].width * planes[i].bpp));
    max_plane = MAX (max_plane, (guint) (planes[i].width * planes[i].bpp *
            planes[i].height));
  }
  mnv3_seg_scratch ((gpointer *) & st->mix_row, &st->mix_row_size,
      m->width * sizeof (guint32));
  mnv3_seg_scratch ((gpointer *) & st->alpha_row, &st->alpha_row_size,
      max_row);

  if (p->background != GST_MNV3_OVERLAY_BACKGROUND_NONE)
    fg = mnv3_seg_class_index (m, p->foreground_class);
  if (p->background != GST_MNV3_OVERLAY_BACKGROUND_NONE && fg < 0
      && g_strcmp0 (st->warned_fg, p->foreground_class) != 0) {
    /* once per name: a wrong name would flood the log on every frame */
    GST_WARNING ("foreground-class \"%s\" is not a class of model %s "
        "(%u labels): the background is left as it is",
        GST_STR_NULL (p->foreground_class), GST_STR_NULL (m->model),
        m->n_labels);
    g_free (st->warned_fg);
    st->warned_fg = g_strdup (p->foreground_class);
  }
  if (fg >= 0) {
    const guint8 *amap = mnv3_seg_alpha_map (st, m, fg);
    guint8 bg[MAX_PLANES][MAX_GROUP];

    if (p->background == GST_MNV3_OVERLAY_BACKGROUND_BLUR) {
      mnv3_seg_scratch ((gpointer *) & st->hblur, &st->hblur_size,
          max_plane);
      mnv3_seg_scratch ((gpointer *) & st->sums, &st->sums_size,
          max_row * sizeof (guint32));
      mnv3_seg_scratch ((gpointer *) & st->bg_row, &st->bg_row_size,
          max_row);
    } else {
      mnv3_seg_group_color (frame, planes, n_planes,
          p->background_color & 0xffffff, bg);
      for (guint i = 0; i < n_planes; i++)
        memcpy (planes[i].bg, bg[i], MAX_GROUP);
    }
    for (guint i = 0; i < n_planes; i++)
      mnv3_seg_background_plane (st, p, &planes[i], cols[i], &r, m, amap);
  }

  if (mnv3_seg_drawn_classes (p, m, drawn) > 0) {
    guint o256 = (guint) lround (CLAMP (p->mask_opacity, 0.0, 1.0) * 256.0);
    guint8 (*col)[MAX_PLANES][MAX_GROUP] =
        g_malloc (256 * sizeof (*col));

    for (guint k = 0; k < 256; k++)
      if (drawn[k])
        mnv3_seg_group_color (frame, planes, n_planes,
            mnv3_overlay_palette_colour (k), col[k]);
    for (guint i = 0; i < n_planes; i++)
      mnv3_seg_palette_plane (&planes[i], i, cols[i], &r, m, drawn, col,
          o256);
    g_free (col);
  }
  return TRUE;
}

/* --------------------------------------------------------------- legend */

/* The classes the legend lists: those drawn among the labels, or among
 * the classes present when the model has no labels. */
static guint
mnv3_seg_legend_classes (const Mnv3SegProps * p,
    const GstMnv3SegmentationMeta * m, gboolean drawn[256])
{
  guint n = m->n_labels;

  if (!p->show_legend || mnv3_seg_drawn_classes (p, m, drawn) == 0)
    return 0;
  if (n == 0)
    n = gst_mnv3_segmentation_meta_class_fractions (m, NULL, 0);
  return MIN (n, 256);
}

static gchar *
mnv3_seg_class_name (const GstMnv3SegmentationMeta * m, guint k)
{
  if (k < m->n_labels && m->labels[k] && *m->labels[k])
    return g_strdup (m->labels[k]);
  return g_strdup_printf ("class %u", k);
}

gchar *
mnv3_seg_legend_key (const Mnv3SegProps * p,
    const GstMnv3SegmentationMeta * m)
{
  gboolean drawn[256];
  guint n = mnv3_seg_legend_classes (p, m, drawn);
  GString *key;

  if (n == 0)
    return NULL;
  key = g_string_new ("legend");
  for (guint k = 0; k < n; k++)
    if (drawn[k]) {
      gchar *name = mnv3_seg_class_name (m, k);
      g_string_append_printf (key, "|%u:%s", k, name);
      g_free (name);
    }
  return g_string_free (key, FALSE);
}

#define LEGEND_PAD 4
#define LEGEND_GAP 2

cairo_surface_t *
mnv3_seg_legend_render (PangoLayout * layout, const Mnv3SegProps * p,
    const GstMnv3SegmentationMeta * m)
{
  gboolean drawn[256];
  guint n = mnv3_seg_legend_classes (p, m, drawn);
  gint width = 0, height = LEGEND_PAD, line_h = 0, swatch, y;
  cairo_surface_t *surface;
  cairo_t *cr;

  if (n == 0 || !layout)
    return NULL;
  for (guint k = 0; k < n; k++) {
    PangoRectangle ink, logical;
    gchar *name;

    if (!drawn[k])
      continue;
    name = mnv3_seg_class_name (m, k);
    pango_layout_set_text (layout, name, -1);
    pango_layout_get_pixel_extents (layout, &ink, &logical);
    width = MAX (width, logical.width);
    line_h = MAX (line_h, logical.height);
    g_free (name);
  }
  if (line_h == 0)
    return NULL;
  swatch = line_h;
  for (guint k = 0; k < n; k++)
    if (drawn[k])
      height += line_h + LEGEND_GAP;
  height += LEGEND_PAD - LEGEND_GAP;
  width += 3 * LEGEND_PAD + swatch;

  surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, width, height);
  cr = cairo_create (surface);
  cairo_set_source_rgba (cr, 0.0, 0.0, 0.0, 0.6);
  cairo_paint (cr);
  y = LEGEND_PAD;
  for (guint k = 0; k < n; k++) {
    guint32 c;
    PangoRectangle ink, logical;
    gchar *name;

    if (!drawn[k])
      continue;
    c = mnv3_overlay_palette_colour (k);
    cairo_set_source_rgba (cr, ((c >> 16) & 0xff) / 255.0,
        ((c >> 8) & 0xff) / 255.0, (c & 0xff) / 255.0, 1.0);
    cairo_rectangle (cr, LEGEND_PAD, y + 2, swatch - 4, swatch - 4);
    cairo_fill (cr);
    name = mnv3_seg_class_name (m, k);
    pango_layout_set_text (layout, name, -1);
    pango_layout_get_pixel_extents (layout, &ink, &logical);
    cairo_set_source_rgba (cr, 1.0, 1.0, 1.0, 1.0);
    cairo_move_to (cr, 2 * LEGEND_PAD + swatch - logical.x, y - logical.y);
    pango_cairo_show_layout (cr, layout);
    g_free (name);
    y += line_h + LEGEND_GAP;
  }
  cairo_destroy (cr);
  cairo_surface_flush (surface);
  return surface;
}
