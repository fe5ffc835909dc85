/* threadpool.h — a persistent pool in which the calling thread takes part.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * mnv3_threadpool_run() splits [0, n) into tasks handed out through an
 * atomic counter; the caller runs tasks too and returns when all are done.
 * Workers spin briefly then sleep on a condition variable, so an idle pool
 * costs no CPU.  A pool is used by one caller at a time (one session).
 */
#ifndef MNV3_THREADPOOL_H
#define MNV3_THREADPOOL_H

#include <stddef.h>

typedef struct mnv3_threadpool mnv3_threadpool;

/* task(ctx, i, thread_index) for i in [0, n); thread_index < num_threads,
 * 0 is the caller.  Lets a task use per-thread scratch. */
typedef void (*mnv3_task_fn) (void *ctx, size_t i, int thread_index);

/* num_threads counts the caller: 1 creates no thread. NULL on failure. */
mnv3_threadpool *mnv3_threadpool_create (int num_threads);
void mnv3_threadpool_free (mnv3_threadpool *tp);
int mnv3_threadpool_size (const mnv3_threadpool *tp);  /* 1 when tp NULL */

/* Run n tasks; tp may be NULL (serial in the caller). */
void mnv3_threadpool_run (mnv3_threadpool *tp, size_t n, mnv3_task_fn task,
    void *ctx);

/* Helper for kernels: how many tasks to split `total` units of work into so
 * that each task has at least `min_per_task` units (>= 1 task). */
size_t mnv3_threadpool_tasks (const mnv3_threadpool *tp, size_t total,
    size_t min_per_task);

#endif /* MNV3_THREADPOOL_H */
