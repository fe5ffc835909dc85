/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Process-wide cache of loaded models, so N elements (N camera pipelines)
 * naming the same file hold its weights once.
 *
 * Contract
 * --------
 * - Entries are keyed by the file's canonical path plus its size and
 *   modification time: replacing the file on disk makes the next acquire
 *   load the new one, while elements still running keep the old model.
 * - acquire() returns a reference the caller gives back with release(); a
 *   model is freed when its last reference goes.  A model is immutable, so
 *   every holder may create its own mnv3_session from it concurrently.
 * - All functions are thread-safe.  A load happens under the cache lock, so
 *   two elements starting at once on the same file load it once.
 */
#ifndef __GST_MNV3_MODEL_CACHE_H__
#define __GST_MNV3_MODEL_CACHE_H__

#include <glib.h>
#include <gmodule.h>

#include "mnv3.h"

G_BEGIN_DECLS

/* The model at path: *model set and MNV3_OK, or an error status with a
 * description in *reason (free with g_free). */
mnv3_status gst_mnv3_model_cache_acquire (const gchar * path,
    mnv3_model ** model, gchar ** reason);
void gst_mnv3_model_cache_release (mnv3_model * model);

/* For tests (looked up with g_module_symbol in the loaded plugin): files
 * really loaded since the process started, and models alive now. */
G_MODULE_EXPORT void gst_mnv3_model_cache_get_stats (guint * loads,
    guint * alive);

G_END_DECLS

#endif /* __GST_MNV3_MODEL_CACHE_H__ */
