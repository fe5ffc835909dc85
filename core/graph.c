/* graph.c — building and freeing the IR.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdlib.h>
#include <string.h>

#include "graph.h"

mnv3_graph *
mnv3_graph_new (void)
{
  mnv3_graph *g = calloc (1, sizeof *g);
  if (!g)
    mnv3_set_error (MNV3_ERR_NOMEM, "out of memory creating a graph");
  return g;
}

void
mnv3_graph_free (mnv3_graph *g)
{
  if (!g)
    return;
  for (int i = 0; i < g->num_tensors; i++) {
    free (g->tensors[i].name);
    free (g->tensors[i].data);
    free (g->tensors[i].raw);
    free (g->tensors[i].q.scale);
    free (g->tensors[i].q.zp);
  }
  for (int i = 0; i < g->num_nodes; i++)
    free (g->nodes[i].name);
  for (int i = 0; i < g->num_meta; i++) {
    free (g->meta_keys[i]);
    free (g->meta_values[i]);
  }
  free (g->meta_keys);
  free (g->meta_values);
  free (g->tensors);
  free (g->nodes);
  free (g->inputs);
  free (g->outputs);
  free (g);
}

/* Grow *arr (of elem bytes) so that index `need` fits. */
static int
grow (void **arr, int *cap, int need, size_t elem)
{
  int ncap;
  void *p;

  if (need < *cap)
    return 0;
  ncap = *cap ? *cap * 2 : 64;
  while (ncap <= need)
    ncap *= 2;
  p = realloc (*arr, (size_t) ncap * elem);
  if (!p)
    return -1;
  memset ((char *) p + (size_t) *cap * elem, 0, (size_t) (ncap - *cap) * elem);
  *arr = p;
  *cap = ncap;
  return 0;
}

mnv3_status
mnv3_graph_set_quant (mnv3_graph *g, int t, mnv3_dtype type, int num,
    const float *scale, const int32_t *zp)
{
  mnv3_gtensor *x = &g->tensors[t];

  x->type = type;
  free (x->q.scale);
  free (x->q.zp);
  memset (&x->q, 0, sizeof x->q);
  if (num <= 0)
    return MNV3_OK;
  x->q.scale = malloc ((size_t) num * sizeof *x->q.scale);
  x->q.zp = malloc ((size_t) num * sizeof *x->q.zp);
  if (!x->q.scale || !x->q.zp) {
    free (x->q.scale);
    free (x->q.zp);
    x->q.scale = NULL;
    x->q.zp = NULL;
    return mnv3_set_error (MNV3_ERR_NOMEM, "out of memory");
  }
  memcpy (x->q.scale, scale, (size_t) num * sizeof *scale);
  memcpy (x->q.zp, zp, (size_t) num * sizeof *zp);
  x->q.num = num;
  return MNV3_OK;
}

int
mnv3_graph_add_tensor (mnv3_graph *g, const char *name, int rank,
    int n, int h, int w, int c, float *data)
{
  mnv3_gtensor *t;

  if (grow ((void **) &g->tensors, &g->cap_tensors, g->num_tensors,
          sizeof *g->tensors) < 0) {
    free (data);
    mnv3_set_error (MNV3_ERR_NOMEM, "out of memory adding tensor '%s'",
        name ? name : "");
    return -1;
  }
  t = &g->tensors[g->num_tensors];
  memset (t, 0, sizeof *t);
  t->name = strdup (name ? name : "");
  if (!t->name) {
    free (data);
    mnv3_set_error (MNV3_ERR_NOMEM, "out of memory");
    return -1;
  }
  t->rank = rank;
  t->n = n;
  t->h = h;
  t->w = w;
  t->c = c;
  t->data = data;
  return g->num_tensors++;
}

int
mnv3_graph_find_tensor (const mnv3_graph *g, const char *name)
{
  /* newest first: importers that rename in place shadow older tensors */
  for (int i = g->num_tensors - 1; i >= 0; i--)
    if (!strcmp (g->tensors[i].name, name))
      return i;
  return -1;
}

int
mnv3_graph_add_node (mnv3_graph *g, const mnv3_gnode *node)
{
  mnv3_gnode *n;

  if (g->num_nodes >= MNV3_MAX_NODES) {
    mnv3_set_error (MNV3_ERR_UNSUPPORTED, "more than %d nodes",
        MNV3_MAX_NODES);
    return -1;
  }
  if (node->num_inputs < 0 || node->num_inputs > MNV3_MAX_NODE_INPUTS) {
    mnv3_set_error (MNV3_ERR_UNSUPPORTED, "node '%s': %d inputs",
        node->name ? node->name : "", node->num_inputs);
    return -1;
  }
  for (int i = 0; i < node->num_inputs; i++)
    if (node->inputs[i] < 0 || node->inputs[i] >= g->num_tensors) {
      mnv3_set_error (MNV3_ERR_FORMAT, "node '%s': bad input tensor %d",
          node->name ? node->name : "", node->inputs[i]);
      return -1;
    }
  if (node->output < 0 || node->output >= g->num_tensors) {
    mnv3_set_error (MNV3_ERR_FORMAT, "node '%s': bad output tensor %d",
        node->name ? node->name : "", node->output);
    return -1;
  }
  if (grow ((void **) &g->nodes, &g->cap_nodes, g->num_nodes,
          sizeof *g->nodes) < 0) {
    mnv3_set_error (MNV3_ERR_NOMEM, "out of memory adding a node");
    return -1;
  }
  n = &g->nodes[g->num_nodes];
  *n = *node;
  n->name = strdup (node->name ? node->name : "");
  if (!n->name) {
    mnv3_set_error (MNV3_ERR_NOMEM, "out of memory");
    return -1;
  }
  return g->num_nodes++;
}

static mnv3_status
append_id (int **arr, int *num, int id)
{
  int *p = realloc (*arr, (size_t) (*num + 1) * sizeof **arr);
  if (!p)
    return mnv3_set_error (MNV3_ERR_NOMEM, "out of memory");
  p[(*num)++] = id;
  *arr = p;
  return MNV3_OK;
}

mnv3_status
mnv3_graph_add_input (mnv3_graph *g, int tensor)
{
  if (tensor < 0 || tensor >= g->num_tensors)
    return mnv3_set_error (MNV3_ERR_FORMAT, "bad graph input %d", tensor);
  g->tensors[tensor].is_input = 1;
  return append_id (&g->inputs, &g->num_inputs, tensor);
}

mnv3_status
mnv3_graph_add_output (mnv3_graph *g, int tensor)
{
  if (tensor < 0 || tensor >= g->num_tensors)
    return mnv3_set_error (MNV3_ERR_FORMAT, "bad graph output %d", tensor);
  g->tensors[tensor].is_output = 1;
  return append_id (&g->outputs, &g->num_outputs, tensor);
}

mnv3_status
mnv3_graph_set_meta (mnv3_graph *g, const char *key, const char *value)
{
  char **k, **v;
  char *nv;

  for (int i = 0; i < g->num_meta; i++)
    if (!strcmp (g->meta_keys[i], key)) {
      nv = strdup (value);
      if (!nv)
        return mnv3_set_error (MNV3_ERR_NOMEM, "out of memory");
      free (g->meta_values[i]);
      g->meta_values[i] = nv;
      return MNV3_OK;
    }
  k = realloc (g->meta_keys, (size_t) (g->num_meta + 1) * sizeof *k);
  if (!k)
    return mnv3_set_error (MNV3_ERR_NOMEM, "out of memory");
  g->meta_keys = k;
  v = realloc (g->meta_values, (size_t) (g->num_meta + 1) * sizeof *v);
  if (!v)
    return mnv3_set_error (MNV3_ERR_NOMEM, "out of memory");
  g->meta_values = v;
  k[g->num_meta] = strdup (key);
  v[g->num_meta] = strdup (value);
  if (!k[g->num_meta] || !v[g->num_meta]) {
    free (k[g->num_meta]);
    free (v[g->num_meta]);
    return mnv3_set_error (MNV3_ERR_NOMEM, "out of memory");
  }
  g->num_meta++;
  return MNV3_OK;
}

const char *
mnv3_graph_get_meta (const mnv3_graph *g, const char *key)
{
  for (int i = 0; i < g->num_meta; i++)
    if (!strcmp (g->meta_keys[i], key))
      return g->meta_values[i];
  return NULL;
}

size_t
mnv3_dtype_size (mnv3_dtype t)
{
  switch (t) {
    case MNV3_DTYPE_F32: case MNV3_DTYPE_I32: return 4;
    case MNV3_DTYPE_U8: case MNV3_DTYPE_I8: return 1;
    case MNV3_DTYPE_I64: return 8;
    default: return 0;
  }
}

const char *
mnv3_dtype_name (mnv3_dtype t)
{
  switch (t) {
    case MNV3_DTYPE_F32: return "float32";
    case MNV3_DTYPE_U8: return "uint8";
    case MNV3_DTYPE_I8: return "int8";
    case MNV3_DTYPE_I32: return "int32";
    case MNV3_DTYPE_I64: return "int64";
    default: return "unknown";
  }
}
