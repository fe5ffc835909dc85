/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * pipeline-bench's report: median / p99 of the timings, the machine it ran
 * on (CPU model, load average) and the tables it prints (plain or
 * Markdown).  The measurements are in pipeline-bench.c.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "pipeline-bench-report.h"

/* ---- small statistics ----------------------------------------------------- */

static int
cmp_double (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return (x > y) - (x < y);
}

/* Median, p99 (nearest rank) and maximum of n values; sorts them in
 * place.  max may be NULL. */
void
stats_summary (double *v, size_t n, double *median, double *p99,
    double *max)
{
  size_t k;

  if (n == 0) {
    *median = *p99 = NAN;
    if (max)
      *max = NAN;
    return;
  }
  qsort (v, n, sizeof *v, cmp_double);
  if (max)
    *max = v[n - 1];
  *median = n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
  k = (size_t) ceil (0.99 * n);
  *p99 = v[k > 0 ? k - 1 : 0];
}

/* ---- machine description -------------------------------------------------- */

gchar *
machine_cpu_model (void)
{
  gchar *text = NULL, *model = NULL;
  gchar **lines;
  int i;

  if (!g_file_get_contents ("/proc/cpuinfo", &text, NULL, NULL))
    return g_strdup ("unknown CPU");
  lines = g_strsplit (text, "\n", -1);
  for (i = 0; lines[i] && !model; i++) {
    if (g_str_has_prefix (lines[i], "model name")) {
      const char *colon = strchr (lines[i], ':');
      if (colon)
        model = g_strstrip (g_strdup (colon + 1));
    }
  }
  g_strfreev (lines);
  g_free (text);
  return model ? model : g_strdup ("unknown CPU");
}

/* The 1-, 5- and 15-minute load averages as written by the kernel. */
gchar *
machine_load (void)
{
  gchar *text = NULL;
  gchar **f;
  gchar *out;

  if (!g_file_get_contents ("/proc/loadavg", &text, NULL, NULL))
    return g_strdup ("?");
  f = g_strsplit (text, " ", 4);
  out = g_strv_length (f) >= 3 ? g_strdup_printf ("%s %s %s", f[0], f[1], f[2])
      : g_strdup ("?");
  g_strfreev (f);
  g_free (text);
  return out;
}

/* ---- table output ---------------------------------------------------------- */

void
table_init (table * t, const char *title, const char **headers, int ncols)
{
  t->title = title;
  t->headers = headers;
  t->ncols = ncols;
  t->cells = g_ptr_array_new_with_free_func (g_free);
}

/* Append one row: ncols printf-formatted cells, one format per cell. */
void
table_add (table * t, ...)
{
  va_list ap;
  int c;

  va_start (ap, t);
  for (c = 0; c < t->ncols; c++)
    g_ptr_array_add (t->cells, g_strdup (va_arg (ap, const char *)));
  va_end (ap);
}

/* The first `left` columns are text (left-aligned), the rest numbers. */
void
table_print (const table * t, int left, gboolean markdown)
{
  guint nrows = t->cells->len / t->ncols, r;
  int c, *w = g_new0 (int, t->ncols);

  for (c = 0; c < t->ncols; c++) {
    w[c] = (int) strlen (t->headers[c]);
    for (r = 0; r < nrows; r++) {
      int l = (int) strlen (g_ptr_array_index (t->cells, r * t->ncols + c));
      w[c] = MAX (w[c], l);
    }
  }
  if (markdown) {
    printf ("\n%s\n\n|", t->title);
    for (c = 0; c < t->ncols; c++)
      printf (" %s |", t->headers[c]);
    printf ("\n|");
    for (c = 0; c < t->ncols; c++)
      printf (c < left ? "---|" : "---:|");
    printf ("\n");
    for (r = 0; r < nrows; r++) {
      printf ("|");
      for (c = 0; c < t->ncols; c++)
        printf (" %s |", (char *) g_ptr_array_index (t->cells,
                r * t->ncols + c));
      printf ("\n");
    }
  } else {
    printf ("\n%s\n", t->title);
    for (c = 0; c < t->ncols; c++)
      printf (c < left ? "%-*s  " : "%*s  ", w[c], t->headers[c]);
    printf ("\n");
    for (r = 0; r < nrows; r++) {
      for (c = 0; c < t->ncols; c++)
        printf (c < left ? "%-*s  " : "%*s  ", w[c],
            (char *) g_ptr_array_index (t->cells, r * t->ncols + c));
      printf ("\n");
    }
  }
  fflush (stdout);
  g_free (w);
}

void
table_clear (table * t)
{
  g_ptr_array_unref (t->cells);
}

/* A number as a cell; "-" when not measured. */
gchar *
fmt (const char *format, double v)
{
  static gchar buf[16][32];
  static int next;
  gchar *b = buf[next++ % 16];

  if (isnan (v))
    return strcpy (b, "-");
  g_snprintf (b, sizeof buf[0], format, v);
  return b;
}
