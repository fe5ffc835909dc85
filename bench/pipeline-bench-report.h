/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* pipeline-bench-report.h — pipeline-bench's statistics, machine
 * description and tables (pipeline-bench-report.c). */
#ifndef MNV3_PIPELINE_BENCH_REPORT_H
#define MNV3_PIPELINE_BENCH_REPORT_H

#include <stddef.h>

#include <glib.h>

/* Median, p99 (nearest rank) and maximum of n values; sorts them in
 * place.  max may be NULL. */
void stats_summary (double *v, size_t n, double *median, double *p99,
    double *max);

/* The CPU's model name from /proc/cpuinfo (g_free). */
gchar *machine_cpu_model (void);
/* The 1-, 5- and 15-minute load averages as written by the kernel. */
gchar *machine_load (void);

typedef struct {
  const char *title;
  int ncols;
  const char **headers;
  GPtrArray *cells;          /* ncols strings a row */
} table;

void table_init (table * t, const char *title, const char **headers,
    int ncols);
/* Append one row: ncols printf-formatted cells, one format per cell. */
void table_add (table * t, ...);
/* The first `left` columns are text (left-aligned), the rest numbers. */
void table_print (const table * t, int left, gboolean markdown);
void table_clear (table * t);
/* A number as a cell; "-" when not measured (NaN).  The text lives in
 * one of 16 static buffers, reused in turn. */
gchar *fmt (const char *format, double v);

#endif /* MNV3_PIPELINE_BENCH_REPORT_H */
