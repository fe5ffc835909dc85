/* threadpool.c — persistent workers, caller participates.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A network runs ~100 parallel sections per frame, each tens of
 * microseconds long, so waking workers through the kernel for each one would
 * cost more than the work.  Workers therefore spin (with a pause hint) for a
 * short while after each section and only then sleep on the condition
 * variable; between frames they are asleep and cost nothing. */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
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

/* The state of a parallel section is one 64-bit word, so that a worker
 * claims a task with one compare-and-swap that also proves the section is
 * still the one it woke up for:  generation (24 bits) | next index (20) |
 * task count (20).  A worker preempted for a long time can therefore never
 * run a task of a later section twice, and the caller waits for finished
 * tasks, not for every worker to check in, so a descheduled worker does
 * not stall the section (2 threads on a busy 2-core machine). */
#define IDX_BITS 20
#define MAX_TASKS ((1u << IDX_BITS) - 1)
#define GEN_SHIFT (2 * IDX_BITS)

static inline uint64_t
word_make (uint64_t gen, uint64_t idx, uint64_t total)
{
  return (gen << GEN_SHIFT) | (idx << IDX_BITS) | total;
}

static inline uint32_t word_gen (uint64_t w) { return (uint32_t) (w >> GEN_SHIFT); }
static inline uint32_t word_idx (uint64_t w) { return (w >> IDX_BITS) & MAX_TASKS; }
static inline uint32_t word_total (uint64_t w) { return w & MAX_TASKS; }

struct mnv3_threadpool {
  int num_threads;
  pthread_t *threads;
  pthread_mutex_t mutex;
  pthread_cond_t wake;
  atomic_int stop;
  atomic_uint_fast64_t word;   /* generation | next | total */
  atomic_size_t done;          /* tasks finished in this section */
  /* current section; written before the word is published */
  mnv3_task_fn fn;
  void *ctx;
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

/* Claim and run tasks of generation `gen` until none is left. */
static void
run_tasks (mnv3_threadpool *tp, uint32_t gen, int thread_index)
{
  uint64_t w = atomic_load_explicit (&tp->word, memory_order_acquire);

  for (;;) {
    if (word_gen (w) != gen || word_idx (w) >= word_total (w))
      return;
    if (!atomic_compare_exchange_weak_explicit (&tp->word, &w,
            w + ((uint64_t) 1 << IDX_BITS), memory_order_acq_rel,
            memory_order_acquire))
      continue;
    tp->fn (tp->ctx, word_idx (w), thread_index);
    atomic_fetch_add_explicit (&tp->done, 1, memory_order_release);
    w = atomic_load_explicit (&tp->word, memory_order_acquire);
  }
}

/* Wait until the generation differs from `seen`; spin first, then sleep. */
static uint32_t
wait_generation (mnv3_threadpool *tp, uint32_t seen)
{
  uint32_t g;
  int64_t start = now_ns ();
  int spins = 0;

  while ((g = word_gen (atomic_load (&tp->word))) == seen
      && !atomic_load (&tp->stop)) {
    cpu_relax ();
    if (++spins % 256 == 0 && now_ns () - start > SPIN_NS) {
      pthread_mutex_lock (&tp->mutex);
      while ((g = word_gen (atomic_load (&tp->word))) == seen
          && !atomic_load (&tp->stop))
        pthread_cond_wait (&tp->wake, &tp->mutex);
      pthread_mutex_unlock (&tp->mutex);
      break;
    }
  }
  return word_gen (atomic_load (&tp->word));
}

static void *
worker_main (void *p)
{
  worker_arg *arg = p;
  mnv3_threadpool *tp = arg->tp;
  int index = arg->index;
  uint32_t seen = 0;

  free (arg);
  for (;;) {
    seen = wait_generation (tp, seen);
    if (atomic_load (&tp->stop))
      break;
    run_tasks (tp, seen, index);
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

/* One section of at most MAX_TASKS tasks. */
static void
run_section (mnv3_threadpool *tp, size_t base, size_t n, mnv3_task_fn task,
    void *ctx)
{
  uint64_t w = atomic_load (&tp->word);
  uint32_t gen = (word_gen (w) + 1) & ((1u << (64 - GEN_SHIFT)) - 1);
  int spins = 0;

  (void) base;
  tp->fn = task;
  tp->ctx = ctx;
  atomic_store (&tp->done, 0);
  pthread_mutex_lock (&tp->mutex);
  atomic_store_explicit (&tp->word, word_make (gen, 0, n),
      memory_order_release);
  pthread_cond_broadcast (&tp->wake);
  pthread_mutex_unlock (&tp->mutex);

  run_tasks (tp, gen, 0);
  /* the caller ran out of tasks: wait for those other threads hold */
  while (atomic_load_explicit (&tp->done, memory_order_acquire) < n) {
    cpu_relax ();
    if (++spins % 1024 == 0)
      sched_yield ();
  }
}

typedef struct {
  mnv3_task_fn task;
  void *ctx;
  size_t base;
} chunk_ctx;

static void
chunk_task (void *p, size_t i, int thread_index)
{
  chunk_ctx *c = p;
  c->task (c->ctx, c->base + i, thread_index);
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
  if (n <= MAX_TASKS) {
    run_section (tp, 0, n, task, ctx);
    return;
  }
  for (size_t base = 0; base < n; base += MAX_TASKS) {
    chunk_ctx c = { task, ctx, base };
    size_t len = n - base < MAX_TASKS ? n - base : MAX_TASKS;
    run_section (tp, base, len, chunk_task, &c);
  }
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
