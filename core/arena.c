/* arena.c — one block for all activations, offsets planned from lifetimes.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Greedy by size: tensors are placed largest first at the lowest offset
 * that does not overlap (in bytes) any already-placed tensor whose lifetime
 * overlaps (in executed nodes).  Near-optimal for chain-like networks and
 * done once per session. */
#include <stdlib.h>

#include "session.h"

#define ALIGN 64
/* Kernels may read up to one vector past a tensor's end. */
#define TAIL_SLACK 64

static size_t
align_up (size_t v)
{
  return (v + ALIGN - 1) & ~(size_t) (ALIGN - 1);
}

static void
mark_use (mnv3_session *s, int t, int i)
{
  mnv3_stensor *st = &s->tensors[t];
  if (mnv3_gtensor_is_const (&s->graph->tensors[t])
      || s->graph->tensors[t].is_input)
    return;
  if (st->first < 0 || i < st->first)
    st->first = i;
  if (i > st->last)
    st->last = i;
  st->in_arena = 1;
}

static void
compute_lifetimes (mnv3_session *s)
{
  const mnv3_graph *g = s->graph;

  for (int t = 0; t < g->num_tensors; t++) {
    s->tensors[t].first = -1;
    s->tensors[t].last = -1;
    s->tensors[t].in_arena = 0;
  }
  for (int i = 0; i < s->num_nodes; i++) {
    const mnv3_xnode *x = &s->nodes[i];
    if (x->dead)
      continue;
    mark_use (s, x->out, i);
    for (int j = 0; j < x->num_in; j++)
      mark_use (s, x->in[j], i);
    if (x->residual >= 0)
      mark_use (s, x->residual, i);
    if (x->in_scale >= 0)
      mark_use (s, x->in_scale, i);
  }
  for (int o = 0; o < g->num_outputs; o++)
    if (s->tensors[g->outputs[o]].in_arena)
      s->tensors[g->outputs[o]].last = s->num_nodes;
}

static int
cmp_size (const void *a, const void *b, void *ctx)
{
  const mnv3_stensor *t = ctx;
  size_t x = t[*(const int *) a].bytes, y = t[*(const int *) b].bytes;
  if (x != y)
    return x < y ? 1 : -1;
  return *(const int *) a - *(const int *) b;
}

mnv3_status
mnv3_arena_plan (mnv3_session *s)
{
  int nt = s->graph->num_tensors, np = 0;
  int *order = malloc ((nt ? nt : 1) * sizeof *order);
  int *placed = malloc ((nt ? nt : 1) * sizeof *placed);
  size_t total = 0;

  if (!order || !placed) {
    free (order);
    free (placed);
    return mnv3_set_error (MNV3_ERR_NOMEM, "out of memory planning");
  }
  compute_lifetimes (s);
  int n = 0;
  for (int t = 0; t < nt; t++) {
    mnv3_stensor *st = &s->tensors[t];
    int64_t e = (int64_t) st->shape[0] * st->shape[1] * st->shape[2]
        * st->shape[3];
    st->bytes = align_up ((size_t) e
        * mnv3_dtype_size (s->graph->tensors[t].type));
    if (st->in_arena)
      order[n++] = t;
  }
  qsort_r (order, n, sizeof *order, cmp_size, s->tensors);
  for (int k = 0; k < n; k++) {
    mnv3_stensor *a = &s->tensors[order[k]];
    size_t off = 0;
    int moved = 1;
    /* first fit: bump past every live-overlapping placed block until none
     * overlaps; at most np passes */
    while (moved) {
      moved = 0;
      for (int j = 0; j < np; j++) {
        const mnv3_stensor *b = &s->tensors[placed[j]];
        if (b->last < a->first || a->last < b->first)
          continue;
        if (off < b->offset + b->bytes && b->offset < off + a->bytes) {
          off = b->offset + b->bytes;
          moved = 1;
        }
      }
    }
    a->offset = off;
    placed[np++] = order[k];
    if (off + a->bytes > total)
      total = off + a->bytes;
  }
  free (order);
  free (placed);
  s->arena_bytes = total;
  if (mnv3_limits_check_arena (s, total) != MNV3_OK)
    return MNV3_ERR_UNSUPPORTED;
  s->arena = aligned_alloc (ALIGN, align_up (total + TAIL_SLACK));
  if (!s->arena)
    return mnv3_set_error (MNV3_ERR_NOMEM, "cannot allocate a %zu-byte "
        "activation arena", total);
  for (int t = 0; t < nt; t++)
    if (s->tensors[t].in_arena)
      s->tensors[t].data = (float *) ((char *) s->arena
          + s->tensors[t].offset);
  return MNV3_OK;
}
