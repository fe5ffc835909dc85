/* tsan-gmutex.c — makes GLib's GMutex visible to ThreadSanitizer.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * On Linux GLib implements GMutex with atomics and raw futex system calls
 * inside an uninstrumented libglib, so TSan sees neither the locks nor the
 * order they create: every field guarded by GST_OBJECT_LOCK (a GMutex)
 * would be reported as a race.  Preloaded in the TSan build's element tests
 * (LD_PRELOAD, tests/gst/meson.build), this library interposes
 * g_mutex_lock / trylock / unlock and g_cond_wait / wait_until for callers
 * outside libglib (our plugin, libgstreamer, the tests): it calls GLib's
 * own function and tells TSan about the lock with its mutex annotations,
 * so that real races stay reported and false ones go.  (Calls GLib makes
 * internally are not interposed; those are what tests/tsan.supp lists.)
 */
#include <dlfcn.h>
#include <glib.h>
#include <sanitizer/tsan_interface.h>

#define REAL(name) \
  static __typeof__ (&name) real_##name; \
  if (!real_##name) \
    real_##name = (__typeof__ (&name)) dlsym (RTLD_NEXT, #name)

void
g_mutex_lock (GMutex *m)
{
  REAL (g_mutex_lock);
  __tsan_mutex_pre_lock (m, 0);
  real_g_mutex_lock (m);
  __tsan_mutex_post_lock (m, 0, 0);
}

gboolean
g_mutex_trylock (GMutex *m)
{
  gboolean ok;
  REAL (g_mutex_trylock);
  __tsan_mutex_pre_lock (m, __tsan_mutex_try_lock);
  ok = real_g_mutex_trylock (m);
  __tsan_mutex_post_lock (m, __tsan_mutex_try_lock
      | (ok ? 0 : __tsan_mutex_try_lock_failed), 0);
  return ok;
}

void
g_mutex_unlock (GMutex *m)
{
  REAL (g_mutex_unlock);
  __tsan_mutex_pre_unlock (m, 0);
  real_g_mutex_unlock (m);
  __tsan_mutex_post_unlock (m, 0);
}

/* The wait releases the mutex and takes it again before returning. */
void
g_cond_wait (GCond *c, GMutex *m)
{
  REAL (g_cond_wait);
  __tsan_mutex_pre_unlock (m, 0);
  __tsan_mutex_post_unlock (m, 0);
  real_g_cond_wait (c, m);
  __tsan_mutex_pre_lock (m, 0);
  __tsan_mutex_post_lock (m, 0, 0);
}

gboolean
g_cond_wait_until (GCond *c, GMutex *m, gint64 end_time)
{
  gboolean ok;
  REAL (g_cond_wait_until);
  __tsan_mutex_pre_unlock (m, 0);
  __tsan_mutex_post_unlock (m, 0);
  ok = real_g_cond_wait_until (c, m, end_time);
  __tsan_mutex_pre_lock (m, 0);
  __tsan_mutex_post_lock (m, 0, 0);
  return ok;
}
