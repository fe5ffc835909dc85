/* threadpool.c — persistent workers, caller participates.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A network runs ~100 parallel sections per frame, each tens of
 * microseconds long, so waking workers through the kernel for each one would
 * cost more than the work.  Workers therefore spin (with a pause hint) for a
 * short while after each section and only then sleep on the condition
 * variable; between frames they are asleep and cost nothing. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

#include "threadpool.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define cpu_relax() _mm_pause ()
#else
#define cpu_relax() do { } while (0)
#endif

/* How long an idle worker spins before sleeping. */
#define SPIN_NS 300000

struct mnv3_threadpool {
  int num_threads;
  pthread_t *threads;
  pthread_mutex_t mutex;
  pthread_cond_t wake;
  atomic_uint generation;      /* bumped for every parallel section */
  atomic_int stop;
  /* current section */
  mnv3_task_fn fn;
  void *ctx;
  size_t total;
  atomic_size_t next;
  atomic_int pending;          /* workers not yet done with the section */
};

typedef struct {
  mnv3_threadpool *tp;
  int index;
} worker_arg;

static int64_t
now_ns (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (int64_t) ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void
run_tasks (mnv3_threadpool *tp, int thread_index)
{
  size_t i;
  while ((i = atomic_fetch_add_explicit (&tp->next, 1,
              memory_order_relaxed)) < tp->total)
    tp->fn (tp->ctx, i, thread_index);
}

/* Wait until the generation differs from `seen`; spin first, then sleep. */
static unsigned
wait_generation (mnv3_threadpool *tp, unsigned seen)
{
  unsigned g;
  int64_t start = now_ns ();
  int spins = 0;

  while ((g = atomic_load (&tp->generation)) == seen
      && !atomic_load (&tp->stop)) {
    cpu_relax ();
    if (++spins % 256 == 0 && now_ns () - start > SPIN_NS) {
      pthread_mutex_lock (&tp->mutex);
      while ((g = atomic_load (&tp->generation)) == seen
          && !atomic_load (&tp->stop))
        pthread_cond_wait (&tp->wake, &tp->mutex);
      pthread_mutex_unlock (&tp->mutex);
      break;
    }
  }
  return atomic_load (&tp->generation);
}

static void *
worker_main (void *p)
{
  worker_arg *arg = p;
  mnv3_threadpool *tp = arg->tp;
  int index = arg->index;
  unsigned seen = 0;

  free (arg);
  for (;;) {
    seen = wait_generation (tp, seen);
    if (atomic_load (&tp->stop))
      break;
    run_tasks (tp, index);
    atomic_fetch_sub (&tp->pending, 1);
  }
  return NULL;
}

mnv3_threadpool *
mnv3_threadpool_create (int num_threads)
{
  mnv3_threadpool *tp;

  if (num_threads < 1)
    num_threads = 1;
  tp = calloc (1, sizeof *tp);
  if (!tp)
    return NULL;
  tp->num_threads = num_threads;
  pthread_mutex_init (&tp->mutex, NULL);
  pthread_cond_init (&tp->wake, NULL);
  if (num_threads == 1)
    return tp;
  tp->threads = calloc (num_threads - 1, sizeof *tp->threads);
  if (!tp->threads)
    goto fail;
  for (int i = 1; i < num_threads; i++) {
    worker_arg *arg = malloc (sizeof *arg);
    if (!arg)
      goto fail_threads;
    arg->tp = tp;
    arg->index = i;
    if (pthread_create (&tp->threads[i - 1], NULL, worker_main, arg) != 0) {
      free (arg);
fail_threads:
      tp->num_threads = i;     /* only join those started */
      mnv3_threadpool_free (tp);
      return NULL;
    }
  }
  return tp;
fail:
  mnv3_threadpool_free (tp);
  return NULL;
}

void
mnv3_threadpool_free (mnv3_threadpool *tp)
{
  if (!tp)
    return;
  pthread_mutex_lock (&tp->mutex);
  atomic_store (&tp->stop, 1);
  pthread_cond_broadcast (&tp->wake);
  pthread_mutex_unlock (&tp->mutex);
  if (tp->threads)
    for (int i = 0; i < tp->num_threads - 1; i++)
      pthread_join (tp->threads[i], NULL);
  free (tp->threads);
  pthread_cond_destroy (&tp->wake);
  pthread_mutex_destroy (&tp->mutex);
  free (tp);
}

int
mnv3_threadpool_size (const mnv3_threadpool *tp)
{
  return tp ? tp->num_threads : 1;
}

void
mnv3_threadpool_run (mnv3_threadpool *tp, size_t n, mnv3_task_fn task,
    void *ctx)
{
  if (!tp || tp->num_threads == 1 || n <= 1) {
    for (size_t i = 0; i < n; i++)
      task (ctx, i, 0);
    return;
  }
  tp->fn = task;
  tp->ctx = ctx;
  tp->total = n;
  atomic_store (&tp->next, 0);
  atomic_store (&tp->pending, tp->num_threads - 1);
  pthread_mutex_lock (&tp->mutex);
  atomic_fetch_add (&tp->generation, 1);
  pthread_cond_broadcast (&tp->wake);
  pthread_mutex_unlock (&tp->mutex);

  run_tasks (tp, 0);
  while (atomic_load (&tp->pending) > 0)
    cpu_relax ();
}

size_t
mnv3_threadpool_tasks (const mnv3_threadpool *tp, size_t total,
    size_t min_per_task)
{
  size_t nt = (size_t) mnv3_threadpool_size (tp);
  size_t tasks;

  if (min_per_task < 1)
    min_per_task = 1;
  if (nt <= 1 || total <= min_per_task)
    return 1;
  /* a few tasks per thread balance uneven work without much overhead */
  tasks = nt * 4;
  if (tasks > total / min_per_task)
    tasks = total / min_per_task;
  return tasks < 1 ? 1 : tasks;
}
