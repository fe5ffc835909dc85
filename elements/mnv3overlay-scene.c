/* GStreamer mnv3 — mnv3overlay's scene: placement of sprites, and the
 * scene as Cairo drawing or an overlay composition.  See
 * mnv3overlay-scene.h for the contract.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>

#include "mnv3overlay-boxes.h"
#include "mnv3overlay-scene.h"

/* Space (pixels) between stacked labels. */
#define STACK_GAP 2

/* Labels about the same anchor point are stacked so they do not overlap. */
typedef struct
{
  gint x, y, used;
  gboolean upward;
} Mnv3Stack;

void
mnv3_scene_init (Mnv3Scene * scene)
{
  memset (scene, 0, sizeof *scene);
  scene->items = g_array_new (FALSE, FALSE, sizeof (Mnv3Placement));
  scene->stacks = g_array_new (FALSE, FALSE, sizeof (Mnv3Stack));
  scene->bars = g_array_new (FALSE, FALSE, sizeof (Mnv3Bar));
  scene->last_items = g_array_new (FALSE, FALSE, sizeof (Mnv3Placement));
  scene->trails = mnv3_boxes_trails_new ();
  mnv3_sprites_init (&scene->sprites);
}

void
mnv3_scene_forget_composition (Mnv3Scene * scene)
{
  if (scene->last_comp)
    gst_video_overlay_composition_unref (scene->last_comp);
  scene->last_comp = NULL;
  g_array_set_size (scene->last_items, 0);
}

void
mnv3_scene_clear (Mnv3Scene * scene)
{
  mnv3_scene_forget_composition (scene);
  mnv3_sprites_clear (&scene->sprites);
  g_hash_table_unref (scene->trails);
  g_array_unref (scene->items);
  g_array_unref (scene->stacks);
  g_array_unref (scene->bars);
  g_array_unref (scene->last_items);
}

void
mnv3_scene_set_format (Mnv3Scene * scene, const GstVideoInfo * info,
    gboolean bars_on_planes)
{
  scene->info = *info;
  scene->bars_on_planes = bars_on_planes;
  /* positions clamped to the old size are wrong for the new one */
  mnv3_scene_forget_composition (scene);
}

void
mnv3_scene_reset (Mnv3Scene * scene)
{
  mnv3_scene_forget_composition (scene);
  mnv3_sprites_release (&scene->sprites);
  g_hash_table_remove_all (scene->trails);
  scene->frame_count = 0;
}

void
mnv3_scene_set_font (Mnv3Scene * scene, const gchar * font_desc)
{
  mnv3_scene_forget_composition (scene);
  mnv3_sprites_set_font (&scene->sprites, font_desc);
}

void
mnv3_scene_begin (Mnv3Scene * scene, gint width, gint height)
{
  scene->frame_count++;
  scene->sprites.frame = scene->frame_count;
  g_array_set_size (scene->items, 0);
  g_array_set_size (scene->stacks, 0);
  g_array_set_size (scene->bars, 0);
  scene->width = width;
  scene->height = height;
}

void
mnv3_scene_end (Mnv3Scene * scene)
{
  mnv3_sprites_evict (&scene->sprites);
  mnv3_boxes_expire_trails (scene);
}

gboolean
mnv3_scene_is_empty (const Mnv3Scene * scene)
{
  return scene->items->len == 0 && scene->bars->len == 0;
}

/* ------------------------------------------------------------ placement */

static gint
mnv3_clamp_position (gint pos, gint size, gint limit)
{
  if (pos + size > limit)
    pos = limit - size;
  return MAX (pos, 0);
}

void
mnv3_scene_place (Mnv3Scene * scene, Mnv3Sprite * sp, gint x, gint y)
{
  Mnv3Placement p;

  p.sprite = sp;
  p.serial = sp->serial;
  p.x = mnv3_clamp_position (x, sp->width, scene->width);
  p.y = mnv3_clamp_position (y, sp->height, scene->height);
  g_array_append_val (scene->items, p);
}

gboolean
mnv3_scene_contains (const Mnv3Scene * scene, const Mnv3Sprite * sp)
{
  for (guint i = 0; i < scene->items->len; i++)
    if (g_array_index (scene->items, Mnv3Placement, i).sprite == sp)
      return TRUE;
  return FALSE;
}

void
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

void
mnv3_scene_add_bar (Mnv3Scene * scene, gint x, gint y, gint w, gint h,
    const guint8 comp[3], guint8 alpha)
{
  Mnv3Bar bar = { x, y, w, h, {comp[0], comp[1], comp[2]}, alpha };

  g_array_append_val (scene->bars, bar);
}

/* ------------------------------------------------------------ rendering */

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

GstVideoOverlayComposition *
mnv3_scene_composition (Mnv3Scene * scene)
{
  GArray *items = scene->items;
  GstVideoOverlayComposition *comp = NULL;

  if (scene->last_comp && mnv3_placements_equal (items, scene->last_items))
    return gst_video_overlay_composition_ref (scene->last_comp);

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

  mnv3_scene_forget_composition (scene);
  scene->last_comp = gst_video_overlay_composition_ref (comp);
  g_array_append_vals (scene->last_items, items->data, items->len);
  return comp;
}

gboolean
mnv3_scene_draw_direct (Mnv3Scene * scene, GstVideoFrame * frame,
    cairo_format_t format)
{
  GArray *items = scene->items;
  cairo_surface_t *dst;
  cairo_t *cr;
  gboolean ok;

  dst = cairo_image_surface_create_for_data (GST_VIDEO_FRAME_PLANE_DATA (frame,
          0), format, GST_VIDEO_FRAME_WIDTH (frame),
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
