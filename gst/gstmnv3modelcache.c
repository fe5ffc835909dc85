/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <glib/gstdio.h>

#include "gstmnv3modelcache.h"

typedef struct {
  gchar *key;
  mnv3_model *model;
  guint refs;
} CacheEntry;

static GMutex cache_lock;
static GHashTable *cache_by_key;        /* key -> CacheEntry (owned) */
static GHashTable *cache_by_model;      /* model -> CacheEntry */
static guint cache_loads;

static void
cache_entry_free (gpointer data)
{
  CacheEntry *e = data;

  mnv3_model_free (e->model);
  g_free (e->key);
  g_free (e);
}

/* Canonical path + size + mtime; NULL when the file cannot be stat'ed (the
 * load then reports the reason). */
static gchar *
cache_key (const gchar * path)
{
  GStatBuf st;
  gchar *abs, *key;

  if (g_stat (path, &st) != 0)
    return NULL;
  abs = g_canonicalize_filename (path, NULL);
  key = g_strdup_printf ("%s|%" G_GINT64_FORMAT "|%" G_GINT64_FORMAT, abs,
      (gint64) st.st_size, (gint64) st.st_mtime);
  g_free (abs);
  return key;
}

mnv3_status
gst_mnv3_model_cache_acquire (const gchar * path, mnv3_model ** model,
    gchar ** reason)
{
  CacheEntry *e;
  mnv3_status st;
  gchar *key;

  g_return_val_if_fail (path != NULL && model != NULL, MNV3_ERR_INVALID_ARG);
  *model = NULL;

  key = cache_key (path);
  g_mutex_lock (&cache_lock);
  if (!cache_by_key) {
    cache_by_key = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
        cache_entry_free);
    cache_by_model = g_hash_table_new (g_direct_hash, g_direct_equal);
  }
  if (key && (e = g_hash_table_lookup (cache_by_key, key)) != NULL) {
    e->refs++;
    *model = e->model;
    g_mutex_unlock (&cache_lock);
    g_free (key);
    return MNV3_OK;
  }

  st = mnv3_model_load (path, model);
  if (st != MNV3_OK) {
    /* mnv3_last_error() is per thread: read it before anything else runs */
    if (reason)
      *reason = g_strdup (mnv3_last_error ()[0] ? mnv3_last_error () :
          mnv3_status_string (st));
    g_mutex_unlock (&cache_lock);
    g_free (key);
    return st;
  }
  cache_loads++;
  e = g_new0 (CacheEntry, 1);
  /* a file we could load but not stat gets a key of its own */
  e->key = key ? key : g_strdup_printf ("%s|%p", path, (void *) *model);
  e->model = *model;
  e->refs = 1;
  g_hash_table_insert (cache_by_key, e->key, e);
  g_hash_table_insert (cache_by_model, e->model, e);
  g_mutex_unlock (&cache_lock);
  return MNV3_OK;
}

void
gst_mnv3_model_cache_release (mnv3_model * model)
{
  CacheEntry *e;

  if (!model)
    return;
  g_mutex_lock (&cache_lock);
  e = cache_by_model ? g_hash_table_lookup (cache_by_model, model) : NULL;
  g_assert (e != NULL);         /* releasing what was never acquired */
  if (--e->refs == 0) {
    g_hash_table_remove (cache_by_model, model);
    g_hash_table_remove (cache_by_key, e->key);       /* frees e */
  }
  g_mutex_unlock (&cache_lock);
}

void
gst_mnv3_model_cache_get_stats (guint * loads, guint * alive)
{
  g_mutex_lock (&cache_lock);
  if (loads)
    *loads = cache_loads;
  if (alive)
    *alive = cache_by_model ? g_hash_table_size (cache_by_model) : 0;
  g_mutex_unlock (&cache_lock);
}
