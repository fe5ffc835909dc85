/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * ThreadSanitizer builds only: makes GLib's locks visible to TSan.
 *
 * Debian's GLib is not instrumented and implements GMutex, GRecMutex and
 * GCond with atomics and futex calls, which TSan does not see: every field
 * guarded by GST_OBJECT_LOCK or the element's own GMutex would be reported
 * as a race (docs/reliability.md).  Linked into a test executable, these
 * definitions take the place of GLib's for every library that calls them
 * through the PLT (GStreamer, GObject, the mnv3 plugin and the test
 * itself): each calls the real function (looked up with dlsym RTLD_NEXT)
 * and tells TSan the happens-before edge the lock provides, with
 * __tsan_release() before unlocking and __tsan_acquire() after locking on
 * the lock's address.  That is all a lock means for race detection; TSan's
 * own deadlock detection does not see these locks, and nothing here can
 * block beyond what the real call does.  g_once_init_enter/leave get the
 * same treatment (GType registration).
 *
 * GLib's calls to itself are bound inside libglib (-Bsymbolic-functions)
 * and stay invisible: GAsyncQueue and GThreadPool hand-offs.  The hand-off
 * to mnv3's model loader (a GThreadPool) is also ordered by a GMutex of
 * its own (gstmnv3inference-swap.c), so it is seen.  GAsyncQueue is
 * wrapped below for GstHarness's buffer queues.
 */
#include <dlfcn.h>

#include <glib.h>
#include <sanitizer/tsan_interface.h>

#define REAL(ret, name, args) \
  static ret (*real_##name) args; \
  if (G_UNLIKELY (!__atomic_load_n (&real_##name, __ATOMIC_ACQUIRE))) \
    __atomic_store_n (&real_##name, (ret (*) args) dlsym (RTLD_NEXT, #name), \
        __ATOMIC_RELEASE)

void
g_mutex_lock (GMutex * m)
{
  REAL (void, g_mutex_lock, (GMutex *));
  real_g_mutex_lock (m);
  __tsan_acquire (m);
}

gboolean
g_mutex_trylock (GMutex * m)
{
  REAL (gboolean, g_mutex_trylock, (GMutex *));
  if (!real_g_mutex_trylock (m))
    return FALSE;
  __tsan_acquire (m);
  return TRUE;
}

void
g_mutex_unlock (GMutex * m)
{
  REAL (void, g_mutex_unlock, (GMutex *));
  __tsan_release (m);
  real_g_mutex_unlock (m);
}

void
g_rec_mutex_lock (GRecMutex * m)
{
  REAL (void, g_rec_mutex_lock, (GRecMutex *));
  real_g_rec_mutex_lock (m);
  __tsan_acquire (m);
}

gboolean
g_rec_mutex_trylock (GRecMutex * m)
{
  REAL (gboolean, g_rec_mutex_trylock, (GRecMutex *));
  if (!real_g_rec_mutex_trylock (m))
    return FALSE;
  __tsan_acquire (m);
  return TRUE;
}

void
g_rec_mutex_unlock (GRecMutex * m)
{
  REAL (void, g_rec_mutex_unlock, (GRecMutex *));
  __tsan_release (m);
  real_g_rec_mutex_unlock (m);
}

void
g_rw_lock_writer_lock (GRWLock * l)
{
  REAL (void, g_rw_lock_writer_lock, (GRWLock *));
  real_g_rw_lock_writer_lock (l);
  __tsan_acquire (l);
}

void
g_rw_lock_writer_unlock (GRWLock * l)
{
  REAL (void, g_rw_lock_writer_unlock, (GRWLock *));
  __tsan_release (l);
  real_g_rw_lock_writer_unlock (l);
}

void
g_rw_lock_reader_lock (GRWLock * l)
{
  REAL (void, g_rw_lock_reader_lock, (GRWLock *));
  real_g_rw_lock_reader_lock (l);
  __tsan_acquire (l);
}

void
g_rw_lock_reader_unlock (GRWLock * l)
{
  REAL (void, g_rw_lock_reader_unlock, (GRWLock *));
  __tsan_release (l);
  real_g_rw_lock_reader_unlock (l);
}

void
g_cond_wait (GCond * c, GMutex * m)
{
  REAL (void, g_cond_wait, (GCond *, GMutex *));
  __tsan_release (m);
  real_g_cond_wait (c, m);
  __tsan_acquire (m);
}

gboolean
g_cond_wait_until (GCond * c, GMutex * m, gint64 end_time)
{
  gboolean ret;

  REAL (gboolean, g_cond_wait_until, (GCond *, GMutex *, gint64));
  __tsan_release (m);
  ret = real_g_cond_wait_until (c, m, end_time);
  __tsan_acquire (m);
  return ret;
}

/* The inline fast path of g_once_init_enter() is an atomic load in
 * instrumented code: it pairs with the release on the same address. */
gboolean
(g_once_init_enter) (volatile void *location)
{
  gboolean ret;

  REAL (gboolean, g_once_init_enter, (volatile void *));
  ret = real_g_once_init_enter (location);
  if (!ret)
    __tsan_acquire ((void *) location);
  return ret;
}

void
(g_once_init_leave) (volatile void *location, gsize result)
{
  REAL (void, g_once_init_leave, (volatile void *, gsize));
  __tsan_release ((void *) location);
  real_g_once_init_leave (location, result);
}

void
g_async_queue_push (GAsyncQueue * q, gpointer data)
{
  REAL (void, g_async_queue_push, (GAsyncQueue *, gpointer));
  __tsan_release (q);
  real_g_async_queue_push (q, data);
}

gpointer
g_async_queue_pop (GAsyncQueue * q)
{
  gpointer data;

  REAL (gpointer, g_async_queue_pop, (GAsyncQueue *));
  data = real_g_async_queue_pop (q);
  __tsan_acquire (q);
  return data;
}

gpointer
g_async_queue_try_pop (GAsyncQueue * q)
{
  gpointer data;

  REAL (gpointer, g_async_queue_try_pop, (GAsyncQueue *));
  data = real_g_async_queue_try_pop (q);
  __tsan_acquire (q);
  return data;
}

gpointer
g_async_queue_timeout_pop (GAsyncQueue * q, guint64 timeout)
{
  gpointer data;

  REAL (gpointer, g_async_queue_timeout_pop, (GAsyncQueue *, guint64));
  data = real_g_async_queue_timeout_pop (q, timeout);
  __tsan_acquire (q);
  return data;
}
