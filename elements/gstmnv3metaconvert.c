/* GStreamer mnv3 — mnv3metaconvert: mnv3 results as JSON lines.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
/**
 * SECTION:element-mnv3metaconvert
 * @title: mnv3metaconvert
 * @short_description: writes mnv3 inference results as JSON lines
 *
 * mnv3metaconvert turns the mnv3 results on every frame into one JSON
 * object, laid out like Intel DL Streamer's gvametaconvert output
 * ("resolution", "timestamp", "source", "tags", "objects"; a full-frame
 * classification is an object covering the whole frame with a
 * "classification" attribute block).  The schema is documented in
 * docs/metadata.md.
 *
 * Each object is written as one line to #GstMnv3Metaconvert:location (a
 * file, or "-" for standard output) and, with
 * #GstMnv3Metaconvert:post-messages, posted on the bus as an element
 * message named "mnv3-json" whose "json" field holds the text.  With
 * #GstMnv3Metaconvert:attach-json (the default) the text is also attached
 * to the buffer as a #GstMnv3JsonMeta, which mnv3metapublish and
 * applications read (gst_mnv3_buffer_get_json()); the pixels are never
 * touched.
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 v4l2src ! mnv3classify ! mnv3metaconvert location=- ! fakesink
 * ]| prints one JSON line per camera frame.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <gst/video/video.h>
#include <json-glib/json-glib.h>

#include "gstmnv3meta.h"
#include "gstmnv3detectionmeta.h"
#include "gstmnv3jsonmeta.h"
#include "gstmnv3metaconvert.h"
#include "mnv3metaconvert-segment.h"

GST_DEBUG_CATEGORY_STATIC (mnv3_metaconvert_debug);
#define GST_CAT_DEFAULT mnv3_metaconvert_debug

#define DEFAULT_LOCATION NULL
#define DEFAULT_POST_MESSAGES FALSE
#define DEFAULT_SOURCE NULL
#define DEFAULT_TAGS NULL
/* as gvametaconvert (add-empty-results=false): no JSON without results */
#define DEFAULT_SKIP_EMPTY TRUE
#define DEFAULT_ATTACH_JSON TRUE

enum
{
  PROP_0,
  PROP_LOCATION,
  PROP_POST_MESSAGES,
  PROP_SOURCE,
  PROP_TAGS,
  PROP_SKIP_EMPTY,
  PROP_ADD_EMPTY_RESULTS,
  PROP_MASK_RLE,
  PROP_ATTACH_JSON,
};

struct _GstMnv3Metaconvert
{
  GstBaseTransform parent;

  /* properties, under the object lock */
  gchar *location;
  gboolean post_messages;
  gchar *source;
  gchar *tags;
  gboolean skip_empty;
  gboolean mask_rle;            /* read unlocked: a single word */
  gboolean attach_json;

  /* streaming state */
  FILE *file;                   /* NULL, stdout or an opened file */
  JsonNode *tags_node;          /* parsed "tags" (an object), or NULL */
  gint width, height;
};

G_DEFINE_TYPE (GstMnv3Metaconvert, gst_mnv3_metaconvert,
    GST_TYPE_BASE_TRANSFORM);
GST_ELEMENT_REGISTER_DEFINE (mnv3metaconvert, "mnv3metaconvert",
    GST_RANK_NONE, GST_TYPE_MNV3_METACONVERT);

/* Any video: only the frame size is read, never the pixels. */
static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS ("video/x-raw(ANY)"));
static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS ("video/x-raw(ANY)"));

/* Scores are single-precision numbers: 6 decimals is all they mean (and
 * mnv3_json_shorten_numbers then prints no more). */
static gdouble
mnv3_round (gdouble v, gdouble scale)
{
  return round (v * scale) / scale;
}

/* json-glib prints every double with 17 significant digits
 * (0.502042 -> 0.50204199999999999).  Numbers with a fraction or an
 * exponent are rewritten with the fewest digits that read back as the same
 * double; strings are copied untouched. */
static gchar *
mnv3_json_shorten_numbers (const gchar * text)
{
  GString *out = g_string_sized_new (strlen (text));
  const gchar *p = text;

  while (*p) {
    if (*p == '"') {
      const gchar *q = p + 1;

      while (*q && *q != '"')
        q += (*q == '\\' && q[1]) ? 2 : 1;
      if (*q)
        q++;
      g_string_append_len (out, p, q - p);
      p = q;
    } else if (*p == '-' || g_ascii_isdigit (*p)) {
      const gchar *q = p;
      gboolean real = FALSE;

      while (*q && (g_ascii_isdigit (*q) || strchr ("+-.eE", *q))) {
        real |= *q == '.' || *q == 'e' || *q == 'E';
        q++;
      }
      if (real) {
        gchar *tok = g_strndup (p, q - p), buf[G_ASCII_DTOSTR_BUF_SIZE];
        gdouble v = g_ascii_strtod (tok, NULL);
        gint digits;

        /* plain decimals in the usual range (100.0, not 1e+02) */
        gboolean plain = fabs (v) >= 1e-4 && fabs (v) < 1e15;

        for (digits = plain ? 0 : 1; digits < 17; digits++) {
          gchar fmt[8];

          g_snprintf (fmt, sizeof fmt, plain ? "%%.%df" : "%%.%dg", digits);
          g_ascii_formatd (buf, sizeof buf, fmt, v);
          if (g_ascii_strtod (buf, NULL) == v)
            break;
        }
        if (digits == 17)
          g_ascii_formatd (buf, sizeof buf, "%.17g", v);
        g_string_append (out, buf);
        /* still a real number for strictly typed readers */
        if (!strpbrk (buf, ".eEn"))
          g_string_append (out, ".0");
        g_free (tok);
      } else {
        g_string_append_len (out, p, q - p);
      }
      p = q;
    } else {
      g_string_append_c (out, *p++);
    }
  }
  return g_string_free (out, FALSE);
}

/* ------------------------------------------------------------ JSON blocks */

static void
mnv3_json_add_int (JsonBuilder * b, const gchar * name, gint64 v)
{
  json_builder_set_member_name (b, name);
  json_builder_add_int_value (b, v);
}

static void
mnv3_json_add_double (JsonBuilder * b, const gchar * name, gdouble v)
{
  json_builder_set_member_name (b, name);
  json_builder_add_double_value (b, v);
}

static void
mnv3_json_add_string (JsonBuilder * b, const gchar * name, const gchar * v)
{
  json_builder_set_member_name (b, name);
  json_builder_add_string_value (b, v);
}

/* The "source" of a result computed on another frame (asynchronous
 * inference): the timestamp of that frame, and how much older it is. */
static void
mnv3_json_add_source (GstMnv3Metaconvert * self, JsonBuilder * b,
    GstClockTime source_pts, GstClockTime age)
{
  GstSegment *segment = &GST_BASE_TRANSFORM (self)->segment;

  if (GST_CLOCK_TIME_IS_VALID (source_pts)
      && segment->format == GST_FORMAT_TIME) {
    GstClockTime st = gst_segment_to_stream_time (segment, GST_FORMAT_TIME,
        source_pts);
    if (GST_CLOCK_TIME_IS_VALID (st) && st >= segment->time)
      mnv3_json_add_int (b, "source_timestamp", (gint64) (st - segment->time));
  }
  if (GST_CLOCK_TIME_IS_VALID (age))
    mnv3_json_add_double (b, "age_ms", mnv3_round (age / 1e6, 1e3));
}

/* One class of a result: label (when the model has labels), id, score. */
static void
mnv3_json_add_class (JsonBuilder * b, const GstMnv3ClassificationMeta * m,
    guint i)
{
  if (m->labels && m->labels[i])
    mnv3_json_add_string (b, "label", m->labels[i]);
  mnv3_json_add_int (b, "label_id", m->class_ids[i]);
  mnv3_json_add_double (b, "confidence", mnv3_round (m->scores[i], 1e6));
}

/* The attribute name of a classification, as DL Streamer names its blocks
 * (the attribute a model gives): the model file name without directory and
 * extension, e.g. "mobilenet_v3_small_224_1.0_uint8". */
static gchar *
mnv3_attribute_name (const GstMnv3ClassificationMeta * m)
{
  gchar *base = g_path_get_basename (m->model && *m->model ? m->model :
      "classification");
  gchar *dot = strrchr (base, '.');

  if (dot && dot != base)
    *dot = '\0';
  return base;
}

/* What every classification result says besides its classes. */
static void
mnv3_json_add_result_info (GstMnv3Metaconvert * self, JsonBuilder * b,
    const GstMnv3ClassificationMeta * m)
{
  json_builder_set_member_name (b, "fresh");
  json_builder_add_boolean_value (b, m->fresh);
  mnv3_json_add_source (self, b, m->source_pts, m->age);
  json_builder_set_member_name (b, "top_k");
  json_builder_begin_array (b);
  for (guint i = 0; i < m->n_results; i++) {
    json_builder_begin_object (b);
    mnv3_json_add_class (b, m, i);
    json_builder_end_object (b);
  }
  json_builder_end_array (b);
  mnv3_json_add_double (b, "latency_ms", mnv3_round (m->latency_ms, 1e3));
  mnv3_json_add_double (b, "fps", mnv3_round (m->fps, 1e3));
}

/* The attribute block of a classification of a region, named by its
 * attribute (see mnv3_attribute_name; "_2", "_3" when two blocks of one
 * object would share it): the best class at the top level (as
 * gvametaconvert does), "model": {"name"}, every reported class in
 * "top_k".  @used holds the names already in the object. */
static void
mnv3_json_add_attribute (GstMnv3Metaconvert * self, JsonBuilder * b,
    const GstMnv3ClassificationMeta * m, GPtrArray * used)
{
  gchar *base = mnv3_attribute_name (m), *name = g_strdup (base);
  guint k = 2;

  while (g_ptr_array_find_with_equal_func (used, name, g_str_equal, NULL)) {
    g_free (name);
    name = g_strdup_printf ("%s_%u", base, k++);
  }
  g_ptr_array_add (used, name);
  g_free (base);
  json_builder_set_member_name (b, name);
  json_builder_begin_object (b);
  if (m->n_results > 0)
    mnv3_json_add_class (b, m, 0);
  json_builder_set_member_name (b, "model");
  json_builder_begin_object (b);
  mnv3_json_add_string (b, "name", m->model ? m->model : "");
  json_builder_end_object (b);
  mnv3_json_add_result_info (self, b, m);
  json_builder_end_object (b);
}

/* A full-frame classification, as DL Streamer writes a frame's tensors
 * (entries of the top-level "tensors" array): "name" (the attribute),
 * "model_name", the best class's "label", "label_id", "confidence". */
static void
mnv3_json_add_frame_tensor (GstMnv3Metaconvert * self, JsonBuilder * b,
    const GstMnv3ClassificationMeta * m)
{
  gchar *name = mnv3_attribute_name (m);

  json_builder_begin_object (b);
  mnv3_json_add_string (b, "name", name);
  mnv3_json_add_string (b, "model_name", m->model ? m->model : "");
  if (m->n_results > 0)
    mnv3_json_add_class (b, m, 0);
  mnv3_json_add_result_info (self, b, m);
  json_builder_end_object (b);
  g_free (name);
}

/* An object for a region that only classifications name (a
 * GstVideoRegionOfInterestMeta without a `detection` parameter, e.g. one
 * an application attached): the region in pixels, no "detection" block. */
static void
mnv3_json_add_region (GstMnv3Metaconvert * self, JsonBuilder * b,
    GstBuffer * buf, const GstMnv3ClassificationMeta * m)
{
  GstVideoRectangle r;
  GstVideoRegionOfInterestMeta *roi;

  gst_mnv3_classification_meta_get_region (m, self->width, self->height, &r);
  mnv3_json_add_int (b, "x", r.x);
  mnv3_json_add_int (b, "y", r.y);
  mnv3_json_add_int (b, "w", r.w);
  mnv3_json_add_int (b, "h", r.h);
  mnv3_json_add_int (b, "region_id", m->region_id);
  roi = gst_buffer_get_video_region_of_interest_meta_id (buf, m->region_id);
  if (roi && roi->roi_type)
    mnv3_json_add_string (b, "roi_type", g_quark_to_string (roi->roi_type));
}

/* All classification metas of the buffer, in order. */
static GPtrArray *
mnv3_collect_classifications (GstBuffer * buf)
{
  GPtrArray *metas = g_ptr_array_new ();
  gpointer state = NULL;
  GstMeta *meta;

  while ((meta = gst_buffer_iterate_meta_filtered (buf, &state,
              GST_MNV3_CLASSIFICATION_META_API_TYPE)))
    g_ptr_array_add (metas, meta);
  return metas;
}

/* What one box object says, whoever produced the box. */
typedef struct {
  gfloat x, y, w, h;            /* this frame's pixels */
  gint region_id;               /* the ROI meta's id, 0 none */
  gint object_id;               /* a tracker's id, 0 none */
  const gchar *label;
  gboolean have_label_id;
  gint label_id;
  gboolean have_confidence;
  gdouble confidence;
  gboolean have_fresh, fresh;
  gboolean have_predicted, predicted;
  GstClockTime source_pts, age;
} Mnv3Box;

/* One object: the box in pixels, "id" (a tracker's), "detection" with the
 * normalised box, confidence, label_id and label (DL Streamer's fields;
 * "fresh", "predicted", "source_timestamp", "age_ms" are mnv3's), then an
 * attribute block per classification of that box (secondary
 * classification: classification metas whose region_id is the box's
 * region id), which are marked in @done. */
static void
mnv3_json_add_box (GstMnv3Metaconvert * self, JsonBuilder * b,
    const Mnv3Box * box, GPtrArray * cls, gboolean * done)
{
  gdouble fw = self->width, fh = self->height;
  gint px = (gint) lroundf (box->x), py = (gint) lroundf (box->y);
  GPtrArray *used;

  json_builder_begin_object (b);
  mnv3_json_add_int (b, "x", px);
  mnv3_json_add_int (b, "y", py);
  mnv3_json_add_int (b, "w", (gint) lroundf (box->x + box->w) - px);
  mnv3_json_add_int (b, "h", (gint) lroundf (box->y + box->h) - py);
  if (box->object_id != 0)
    mnv3_json_add_int (b, "id", box->object_id);
  mnv3_json_add_int (b, "region_id", box->region_id);
  if (box->label)
    mnv3_json_add_string (b, "roi_type", box->label);
  json_builder_set_member_name (b, "detection");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "bounding_box");
  json_builder_begin_object (b);
  mnv3_json_add_double (b, "x_min", mnv3_round (CLAMP (box->x / fw, 0, 1),
          1e6));
  mnv3_json_add_double (b, "y_min", mnv3_round (CLAMP (box->y / fh, 0, 1),
          1e6));
  mnv3_json_add_double (b, "x_max", mnv3_round (CLAMP ((box->x + box->w) /
              fw, 0, 1), 1e6));
  mnv3_json_add_double (b, "y_max", mnv3_round (CLAMP ((box->y + box->h) /
              fh, 0, 1), 1e6));
  json_builder_end_object (b);
  if (box->have_confidence)
    mnv3_json_add_double (b, "confidence", mnv3_round (box->confidence, 1e6));
  if (box->have_label_id)
    mnv3_json_add_int (b, "label_id", box->label_id);
  if (box->label)
    mnv3_json_add_string (b, "label", box->label);
  if (box->have_fresh) {
    json_builder_set_member_name (b, "fresh");
    json_builder_add_boolean_value (b, box->fresh);
  }
  if (box->have_predicted) {
    json_builder_set_member_name (b, "predicted");
    json_builder_add_boolean_value (b, box->predicted);
  }
  mnv3_json_add_source (self, b, box->source_pts, box->age);
  json_builder_end_object (b);
  used = g_ptr_array_new_with_free_func (g_free);
  for (guint j = 0; box->region_id != 0 && j < cls->len; j++) {
    const GstMnv3ClassificationMeta *c = g_ptr_array_index (cls, j);

    if (done[j] || c->region_id != box->region_id)
      continue;
    done[j] = TRUE;
    mnv3_json_add_attribute (self, b, c, used);
  }
  g_ptr_array_unref (used);
  json_builder_end_object (b);
}


/* One object per box: every entry of every GstMnv3DetectionMeta (mnv3detect,
 * mnv3track), then every GstVideoRegionOfInterestMeta with DL Streamer's
 * `detection` parameter from any other producer. */
static guint
mnv3_json_add_detections (GstMnv3Metaconvert * self, JsonBuilder * b,
    GstBuffer * buf, GPtrArray * cls, gboolean * done)
{
  gpointer state = NULL;
  GstMeta *meta;
  guint n_objects = 0;

  if (self->width <= 0 || self->height <= 0)
    return 0;
  while ((meta = gst_buffer_iterate_meta_filtered (buf, &state,
              GST_MNV3_DETECTION_META_API_TYPE))) {
    const GstMnv3DetectionMeta *m = (const GstMnv3DetectionMeta *) meta;

    for (guint i = 0; i < m->n_detections; i++) {
      const GstMnv3Detection *d = &m->detections[i];
      Mnv3Box box = { 0 };

      gst_mnv3_detection_meta_get_box (m, i, self->width, self->height,
          &box.x, &box.y, &box.w, &box.h);
      box.region_id = d->roi_id;
      box.object_id = m->tracked ? d->track_id : 0;
      box.label = d->label;
      box.have_label_id = TRUE;
      box.label_id = d->class_id;
      box.have_confidence = TRUE;
      box.confidence = d->score;
      box.have_fresh = TRUE;
      box.fresh = m->fresh;
      box.have_predicted = m->tracked;
      box.predicted = d->predicted;
      box.source_pts = m->source_pts;
      box.age = m->age;
      mnv3_json_add_box (self, b, &box, cls, done);
      n_objects++;
    }
  }
  state = NULL;
  while ((meta = gst_buffer_iterate_meta_filtered (buf, &state,
              GST_VIDEO_REGION_OF_INTEREST_META_API_TYPE))) {
    GstVideoRegionOfInterestMeta *roi = (GstVideoRegionOfInterestMeta *) meta;
    GstStructure *det = gst_video_region_of_interest_meta_get_param (roi,
        "detection");
    GstStructure *oid = gst_video_region_of_interest_meta_get_param (roi,
        "object_id");
    Mnv3Box box = { 0 };

    if (!det || gst_buffer_has_mnv3_detection_roi (buf, roi->id))
      continue;
    box.x = roi->x;
    box.y = roi->y;
    box.w = roi->w;
    box.h = roi->h;
    box.region_id = roi->id;
    if (oid)
      gst_structure_get_int (oid, "id", &box.object_id);
    box.label = gst_structure_get_string (det, "label");
    if (!box.label && roi->roi_type)
      box.label = g_quark_to_string (roi->roi_type);
    box.have_label_id = gst_structure_get_int (det, "label_id",
        &box.label_id);
    box.have_confidence = gst_structure_get_double (det, "confidence",
        &box.confidence);
    box.source_pts = box.age = GST_CLOCK_TIME_NONE;
    mnv3_json_add_box (self, b, &box, cls, done);
    n_objects++;
  }
  return n_objects;
}

/* "objects": one per box (mnv3_json_add_detections), then one per other
 * region that classifications are about, with their attribute blocks, then
 * one per segmentation result; "tensors": the full-frame classifications.
 * Returns how many results were written. */
static guint
mnv3_json_add_results (GstMnv3Metaconvert * self, JsonBuilder * b,
    GstBuffer * buf)
{
  GPtrArray *metas = mnv3_collect_classifications (buf);
  gboolean *done = g_new0 (gboolean, metas->len + 1);
  guint n_results = 0, n_frame = 0;

  json_builder_set_member_name (b, "objects");
  json_builder_begin_array (b);
  n_results += mnv3_json_add_detections (self, b, buf, metas, done);
  for (guint i = 0; i < metas->len; i++) {
    const GstMnv3ClassificationMeta *first = g_ptr_array_index (metas, i);
    GPtrArray *used;

    if (done[i])
      continue;
    if (first->region_id == 0) {
      n_frame++;
      continue;
    }
    used = g_ptr_array_new_with_free_func (g_free);
    json_builder_begin_object (b);
    mnv3_json_add_region (self, b, buf, first);
    for (guint j = i; j < metas->len; j++) {
      const GstMnv3ClassificationMeta *m = g_ptr_array_index (metas, j);

      if (done[j] || m->region_id != first->region_id)
        continue;
      done[j] = TRUE;
      mnv3_json_add_attribute (self, b, m, used);
    }
    json_builder_end_object (b);
    g_ptr_array_unref (used);
    n_results++;
  }
  /* segmentation results: one object each, after the classifications */
  n_results += mnv3_metaconvert_add_segmentations (b, buf, self->width,
      self->height, self->mask_rle);
  json_builder_end_array (b);

  if (n_frame > 0) {
    json_builder_set_member_name (b, "tensors");
    json_builder_begin_array (b);
    for (guint i = 0; i < metas->len; i++) {
      const GstMnv3ClassificationMeta *m = g_ptr_array_index (metas, i);

      if (!done[i] && m->region_id == 0)
        mnv3_json_add_frame_tensor (self, b, m);
    }
    json_builder_end_array (b);
    n_results += n_frame;
  }

  g_free (done);
  g_ptr_array_unref (metas);
  return n_results;
}

/* The frame's JSON text, or NULL when it has no results and skip-empty is
 * set.  @timestamp_out gets the "timestamp" written (or NONE). */
static gchar *
mnv3_metaconvert_frame_json (GstMnv3Metaconvert * self, GstBuffer * buf,
    GstClockTime * timestamp_out)
{
  GstSegment *segment = &GST_BASE_TRANSFORM (self)->segment;
  GstClockTime ts = GST_CLOCK_TIME_NONE;
  JsonBuilder *b = json_builder_new ();
  JsonGenerator *gen;
  JsonNode *root;
  gchar *source, *text = NULL, *raw;
  gboolean skip_empty;
  guint n_objects;

  GST_OBJECT_LOCK (self);
  source = g_strdup (self->source);
  skip_empty = self->skip_empty;
  GST_OBJECT_UNLOCK (self);

  /* as gvametaconvert: the PTS as stream time, less the segment's time */
  if (GST_BUFFER_PTS_IS_VALID (buf) && segment->format == GST_FORMAT_TIME) {
    GstClockTime st = gst_segment_to_stream_time (segment, GST_FORMAT_TIME,
        GST_BUFFER_PTS (buf));
    if (GST_CLOCK_TIME_IS_VALID (st) && st >= segment->time)
      ts = st - segment->time;
  }

  json_builder_begin_object (b);
  if (self->width > 0 && self->height > 0) {
    json_builder_set_member_name (b, "resolution");
    json_builder_begin_object (b);
    mnv3_json_add_int (b, "width", self->width);
    mnv3_json_add_int (b, "height", self->height);
    json_builder_end_object (b);
  }
  if (GST_CLOCK_TIME_IS_VALID (ts))
    mnv3_json_add_int (b, "timestamp", (gint64) ts);
  if (source)
    mnv3_json_add_string (b, "source", source);
  if (self->tags_node) {
    json_builder_set_member_name (b, "tags");
    json_builder_add_value (b, json_node_copy (self->tags_node));
  }
  n_objects = mnv3_json_add_results (self, b, buf);
  json_builder_end_object (b);

  if (n_objects > 0 || !skip_empty) {
    root = json_builder_get_root (b);
    gen = json_generator_new ();
    json_generator_set_root (gen, root);
    raw = json_generator_to_data (gen, NULL);
    text = mnv3_json_shorten_numbers (raw);
    g_free (raw);
    g_object_unref (gen);
    json_node_unref (root);
  }
  g_object_unref (b);
  g_free (source);
  *timestamp_out = ts;
  return text;
}

/* ----------------------------------------------------------- base class */

static gboolean
mnv3_metaconvert_parse_tags (GstMnv3Metaconvert * self, const gchar * tags)
{
  JsonParser *parser;
  GError *err = NULL;
  gboolean ok = FALSE;
  gchar *shown;

  if (!tags || !*tags)
    return TRUE;
  /* messages must be UTF-8; the property may not be (found by fuzz-strings) */
  shown = g_utf8_make_valid (tags, -1);
  parser = json_parser_new ();
  if (!json_parser_load_from_data (parser, tags, -1, &err)) {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
        ("The \"tags\" property is not valid JSON: %s", err->message),
        ("tags=%s", shown));
    g_error_free (err);
  } else if (!json_parser_get_root (parser)      /* blank text */
      || !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser))) {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
        ("The \"tags\" property must be a JSON object, e.g. "
            "'{\"camera\":\"door\"}'"), ("tags=%s", shown));
  } else {
    self->tags_node = json_node_copy (json_parser_get_root (parser));
    ok = TRUE;
  }
  g_object_unref (parser);
  g_free (shown);
  return ok;
}

static gboolean
gst_mnv3_metaconvert_start (GstBaseTransform * trans)
{
  GstMnv3Metaconvert *self = GST_MNV3_METACONVERT (trans);
  gchar *location, *tags;
  gboolean ok;

  GST_OBJECT_LOCK (self);
  location = g_strdup (self->location);
  tags = g_strdup (self->tags);
  GST_OBJECT_UNLOCK (self);

  /* attaching a meta needs a writable buffer: in-place mode makes one
   * (a shallow copy when upstream still holds a reference) */
  gst_base_transform_set_passthrough (trans, !self->attach_json);
  ok = mnv3_metaconvert_parse_tags (self, tags);
  if (ok && location && strcmp (location, "-") == 0) {
    self->file = stdout;
  } else if (ok && location && *location) {
    self->file = fopen (location, "w");
    if (!self->file) {
      GST_ELEMENT_ERROR (self, RESOURCE, OPEN_WRITE,
          ("Could not open file \"%s\" for writing.", location),
          GST_ERROR_SYSTEM);
      ok = FALSE;
    }
  }
  g_free (location);
  g_free (tags);
  return ok;
}

static gboolean
gst_mnv3_metaconvert_stop (GstBaseTransform * trans)
{
  GstMnv3Metaconvert *self = GST_MNV3_METACONVERT (trans);
  gboolean ok = TRUE;

  if (self->file == stdout) {
    fflush (stdout);
  } else if (self->file && fclose (self->file) != 0) {
    GST_ELEMENT_ERROR (self, RESOURCE, CLOSE, (NULL), GST_ERROR_SYSTEM);
    ok = FALSE;
  }
  self->file = NULL;
  g_clear_pointer (&self->tags_node, json_node_unref);
  self->width = self->height = 0;
  return ok;
}

static gboolean
gst_mnv3_metaconvert_set_caps (GstBaseTransform * trans, GstCaps * incaps,
    GstCaps * outcaps)
{
  GstMnv3Metaconvert *self = GST_MNV3_METACONVERT (trans);
  GstStructure *s = gst_caps_get_structure (incaps, 0);

  (void) outcaps;
  if (!gst_structure_get_int (s, "width", &self->width) ||
      !gst_structure_get_int (s, "height", &self->height)) {
    GST_WARNING_OBJECT (self, "caps without a frame size: %" GST_PTR_FORMAT,
        incaps);
    self->width = self->height = 0;
  }
  return TRUE;
}

static GstFlowReturn
mnv3_metaconvert_write_line (GstMnv3Metaconvert * self, const gchar * text)
{
  size_t len = strlen (text);

  if (fwrite (text, 1, len, self->file) != len ||
      fputc ('\n', self->file) == EOF || fflush (self->file) != 0) {
    GST_ELEMENT_ERROR (self, RESOURCE, WRITE,
        ("Could not write the JSON output to \"%s\".", self->location),
        GST_ERROR_SYSTEM);
    return GST_FLOW_ERROR;
  }
  return GST_FLOW_OK;
}

static GstFlowReturn
gst_mnv3_metaconvert_transform_ip (GstBaseTransform * trans, GstBuffer * buf)
{
  GstMnv3Metaconvert *self = GST_MNV3_METACONVERT (trans);
  GstClockTime ts;
  GstFlowReturn ret = GST_FLOW_OK;
  gboolean post, attach;
  gchar *text;

  GST_OBJECT_LOCK (self);
  post = self->post_messages;
  attach = self->attach_json;
  GST_OBJECT_UNLOCK (self);
  /* (start() chose the mode: a buffer in passthrough may not be writable) */
  attach = attach && !gst_base_transform_is_passthrough (trans);
  if (!self->file && !post && !attach)
    return GST_FLOW_OK;

  text = mnv3_metaconvert_frame_json (self, buf, &ts);
  if (!text)
    return GST_FLOW_OK;
  GST_LOG_OBJECT (self, "%s", text);

  if (attach)
    gst_buffer_add_mnv3_json_meta (buf, text);
  if (self->file)
    ret = mnv3_metaconvert_write_line (self, text);
  if (ret == GST_FLOW_OK && post) {
    GstStructure *s = gst_structure_new ("mnv3-json",
        "json", G_TYPE_STRING, text,
        "timestamp", G_TYPE_UINT64, (guint64) ts, NULL);
    gst_element_post_message (GST_ELEMENT (self),
        gst_message_new_element (GST_OBJECT (self), s));
  }
  g_free (text);
  return ret;
}

/* ------------------------------------------------------------- GObject */

static void
mnv3_set_string (GstMnv3Metaconvert * self, gchar ** field,
    const GValue * value)
{
  GST_OBJECT_LOCK (self);
  g_free (*field);
  *field = g_value_dup_string (value);
  GST_OBJECT_UNLOCK (self);
}

static void
gst_mnv3_metaconvert_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstMnv3Metaconvert *self = GST_MNV3_METACONVERT (object);

  switch (prop_id) {
    case PROP_LOCATION:
      mnv3_set_string (self, &self->location, value);
      break;
    case PROP_SOURCE:
      mnv3_set_string (self, &self->source, value);
      break;
    case PROP_TAGS:
      mnv3_set_string (self, &self->tags, value);
      break;
    case PROP_POST_MESSAGES:
      GST_OBJECT_LOCK (self);
      self->post_messages = g_value_get_boolean (value);
      GST_OBJECT_UNLOCK (self);
      break;
    case PROP_SKIP_EMPTY:
      GST_OBJECT_LOCK (self);
      self->skip_empty = g_value_get_boolean (value);
      GST_OBJECT_UNLOCK (self);
      break;
    case PROP_ADD_EMPTY_RESULTS:
      GST_OBJECT_LOCK (self);
      self->skip_empty = !g_value_get_boolean (value);
      GST_OBJECT_UNLOCK (self);
      break;
    case PROP_MASK_RLE:
      GST_OBJECT_LOCK (self);
      self->mask_rle = g_value_get_boolean (value);
      GST_OBJECT_UNLOCK (self);
      break;
    case PROP_ATTACH_JSON:
      GST_OBJECT_LOCK (self);
      self->attach_json = g_value_get_boolean (value);
      GST_OBJECT_UNLOCK (self);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
}

static void
gst_mnv3_metaconvert_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  GstMnv3Metaconvert *self = GST_MNV3_METACONVERT (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_LOCATION:
      g_value_set_string (value, self->location);
      break;
    case PROP_SOURCE:
      g_value_set_string (value, self->source);
      break;
    case PROP_TAGS:
      g_value_set_string (value, self->tags);
      break;
    case PROP_POST_MESSAGES:
      g_value_set_boolean (value, self->post_messages);
      break;
    case PROP_SKIP_EMPTY:
      g_value_set_boolean (value, self->skip_empty);
      break;
    case PROP_ADD_EMPTY_RESULTS:
      g_value_set_boolean (value, !self->skip_empty);
      break;
    case PROP_MASK_RLE:
      g_value_set_boolean (value, self->mask_rle);
      break;
    case PROP_ATTACH_JSON:
      g_value_set_boolean (value, self->attach_json);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_mnv3_metaconvert_finalize (GObject * object)
{
  GstMnv3Metaconvert *self = GST_MNV3_METACONVERT (object);

  g_free (self->location);
  g_free (self->source);
  g_free (self->tags);
  g_clear_pointer (&self->tags_node, json_node_unref);
  G_OBJECT_CLASS (gst_mnv3_metaconvert_parent_class)->finalize (object);
}

static void
gst_mnv3_metaconvert_class_init (GstMnv3MetaconvertClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseTransformClass *trans_class = GST_BASE_TRANSFORM_CLASS (klass);
  const GParamFlags ready = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
      GST_PARAM_MUTABLE_READY;
  const GParamFlags playing = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
      GST_PARAM_MUTABLE_PLAYING;

  GST_DEBUG_CATEGORY_INIT (mnv3_metaconvert_debug, "mnv3metaconvert", 0,
      "mnv3 results to JSON");

  gobject_class->set_property = gst_mnv3_metaconvert_set_property;
  gobject_class->get_property = gst_mnv3_metaconvert_get_property;
  gobject_class->finalize = gst_mnv3_metaconvert_finalize;

  g_object_class_install_property (gobject_class, PROP_LOCATION,
      g_param_spec_string ("location", "Location",
          "File to write one JSON object per frame to (JSON lines), "
          "\"-\" for standard output; none by default", DEFAULT_LOCATION,
          ready));
  g_object_class_install_property (gobject_class, PROP_POST_MESSAGES,
      g_param_spec_boolean ("post-messages", "Post messages",
          "Post each frame's JSON on the bus as an element message "
          "\"mnv3-json\" (fields: json, timestamp)", DEFAULT_POST_MESSAGES,
          playing));
  g_object_class_install_property (gobject_class, PROP_SOURCE,
      g_param_spec_string ("source", "Source",
          "Name of the input (a file name, a camera URI) written as "
          "\"source\" in every object; omitted when unset", DEFAULT_SOURCE,
          playing));
  g_object_class_install_property (gobject_class, PROP_TAGS,
      g_param_spec_string ("tags", "Tags",
          "A JSON object written as \"tags\" in every object, e.g. "
          "'{\"camera\":\"door\"}'", DEFAULT_TAGS, ready));
  g_object_class_install_property (gobject_class, PROP_SKIP_EMPTY,
      g_param_spec_boolean ("skip-empty", "Skip empty frames",
          "Write nothing for frames without results (the default, as "
          "DL Streamer's gvametaconvert); FALSE: they get an object with an "
          "empty \"objects\" array.  The inverse of add-empty-results",
          DEFAULT_SKIP_EMPTY, playing));
  g_object_class_install_property (gobject_class, PROP_ADD_EMPTY_RESULTS,
      g_param_spec_boolean ("add-empty-results", "Add empty results",
          "gvametaconvert's name: also write frames without results (the "
          "inverse of skip-empty)", !DEFAULT_SKIP_EMPTY, playing));
  g_object_class_install_property (gobject_class, PROP_MASK_RLE,
      g_param_spec_boolean ("mask-rle", "Mask run-length encoding",
          "Also write each segmentation class map, run-length encoded "
          "(\"mask\": rle-class-runs, see docs/metadata.md)", FALSE,
          playing));
  g_object_class_install_property (gobject_class, PROP_ATTACH_JSON,
      g_param_spec_boolean ("attach-json", "Attach JSON",
          "Attach each frame's JSON text to the buffer as a GstMnv3JsonMeta "
          "(read by mnv3metapublish and by gst_mnv3_buffer_get_json())",
          DEFAULT_ATTACH_JSON, ready));

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class,
      "mnv3 results to JSON", "Filter/Converter/Metadata",
      "Writes the mnv3 inference results of every frame as a JSON line "
      "(DL Streamer gvametaconvert layout) to a file, stdout or the bus",
      "mnv3 authors");

  trans_class->start = GST_DEBUG_FUNCPTR (gst_mnv3_metaconvert_start);
  trans_class->stop = GST_DEBUG_FUNCPTR (gst_mnv3_metaconvert_stop);
  trans_class->set_caps = GST_DEBUG_FUNCPTR (gst_mnv3_metaconvert_set_caps);
  trans_class->transform_ip =
      GST_DEBUG_FUNCPTR (gst_mnv3_metaconvert_transform_ip);
  trans_class->transform_ip_on_passthrough = TRUE;
  /* start() picks the mode (attach-json needs in-place): the caps, always
   * the same on both sides, must not switch it back to passthrough */
  trans_class->passthrough_on_same_caps = FALSE;
}

static void
gst_mnv3_metaconvert_init (GstMnv3Metaconvert * self)
{
  self->post_messages = DEFAULT_POST_MESSAGES;
  self->skip_empty = DEFAULT_SKIP_EMPTY;
  self->attach_json = DEFAULT_ATTACH_JSON;
  gst_base_transform_set_passthrough (GST_BASE_TRANSFORM (self), TRUE);
}
