/* session-limits.h — resource bounds of a session (tensor size, arena, work).
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A model file states the sizes the planner computes (resize targets,
 * padding, concat, broadcast, transposed-convolution strides), so a small
 * hostile file can ask for gigabytes or hours per frame.  The planner
 * calls these after inferring each node's shape, before anything is
 * allocated, and the arena planner before allocating the arena.
 */
#ifndef MNV3_LIMITS_H
#define MNV3_LIMITS_H

#include <stddef.h>
#include <stdint.h>

#include "mnv3.h"

typedef struct {
  int64_t tensor_bytes;    /* limits in force for this session */
  int64_t arena_bytes;
  int64_t macs;
  int64_t work;            /* running sum over the nodes checked so far */
} mnv3_limits;

/* Limits from the options, or the defaults derived from the model's
 * weights and the session's input size (input shapes must be set). */
void mnv3_limits_init (mnv3_session *s);
/* Output dims, bytes and the work of node i (shape just inferred). */
mnv3_status mnv3_limits_check_node (mnv3_session *s, int i);
/* The planned arena size. */
mnv3_status mnv3_limits_check_arena (const mnv3_session *s, size_t bytes);

#endif /* MNV3_LIMITS_H */
