/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * GstMnv3JsonMeta: registration and copy.  No tags, so every transform
 * keeps it; the copy duplicates the text (it is small: one frame's
 * results).
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstmnv3jsonmeta.h"

GType
gst_mnv3_json_meta_api_get_type (void)
{
  static GType type = 0;
  static const gchar *tags[] = { NULL };

  if (g_once_init_enter (&type)) {
    GType t = gst_meta_api_type_register ("GstMnv3JsonMetaAPI", tags);
    g_once_init_leave (&type, t);
  }
  return type;
}

static gboolean
mnv3_json_meta_init (GstMeta * meta, gpointer params, GstBuffer * buffer)
{
  (void) params;
  (void) buffer;
  ((GstMnv3JsonMeta *) meta)->message = NULL;
  return TRUE;
}

static void
mnv3_json_meta_free (GstMeta * meta, GstBuffer * buffer)
{
  GstMnv3JsonMeta *m = (GstMnv3JsonMeta *) meta;

  (void) buffer;
  g_free (m->message);
  m->message = NULL;
}

static gboolean
mnv3_json_meta_transform (GstBuffer * dest, GstMeta * meta,
    GstBuffer * buffer, GQuark type, gpointer data)
{
  GstMnv3JsonMeta *m = (GstMnv3JsonMeta *) meta;

  (void) buffer;
  (void) type;
  (void) data;
  /* any transform: the text describes the frame, not its pixels */
  return gst_buffer_add_mnv3_json_meta (dest, m->message) != NULL;
}

const GstMetaInfo *
gst_mnv3_json_meta_get_info (void)
{
  static const GstMetaInfo *info = NULL;

  if (g_once_init_enter (&info)) {
    const GstMetaInfo *i = gst_meta_register (GST_MNV3_JSON_META_API_TYPE,
        "GstMnv3JsonMeta", sizeof (GstMnv3JsonMeta), mnv3_json_meta_init,
        mnv3_json_meta_free, mnv3_json_meta_transform);
    g_once_init_leave (&info, i);
  }
  return info;
}

GstMnv3JsonMeta *
gst_buffer_add_mnv3_json_meta (GstBuffer * buffer, const gchar * message)
{
  GstMnv3JsonMeta *m;

  g_return_val_if_fail (GST_IS_BUFFER (buffer), NULL);
  g_return_val_if_fail (gst_buffer_is_writable (buffer), NULL);
  if (!message)
    return NULL;
  m = (GstMnv3JsonMeta *) gst_buffer_add_meta (buffer,
      GST_MNV3_JSON_META_INFO, NULL);
  if (m)
    m->message = g_strdup (message);
  return m;
}

const gchar *
gst_mnv3_buffer_get_json (GstBuffer * buffer)
{
  GstMnv3JsonMeta *m;

  g_return_val_if_fail (GST_IS_BUFFER (buffer), NULL);
  m = gst_buffer_get_mnv3_json_meta (buffer);
  return m ? m->message : NULL;
}
