/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "cli.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int
bad (const char *opt, const char *arg)
{
  fprintf (stderr, "bad value '%s' for %s\n", arg ? arg : "", opt);
  return -1;
}

int
mnv3_cli_int (const char *opt, const char *arg, int min, int max, int *out)
{
  char *end;
  long v;

  errno = 0;
  v = arg ? strtol (arg, &end, 10) : 0;
  if (!arg || end == arg || *end || errno || v < min || v > max)
    return bad (opt, arg);
  *out = (int) v;
  return 0;
}

int
mnv3_cli_float (const char *opt, const char *arg, float min, float max,
    float *out)
{
  char *end;
  double v;

  errno = 0;
  v = arg ? strtod (arg, &end) : 0;
  if (!arg || end == arg || *end || errno || !(v >= min && v <= max))
    return bad (opt, arg);
  *out = (float) v;
  return 0;
}

int
mnv3_cli_isa (const char *opt, const char *arg, mnv3_isa *out)
{
  static const struct { const char *name; mnv3_isa isa; } isas[] = {
    { "auto", MNV3_ISA_AUTO }, { "scalar", MNV3_ISA_SCALAR },
    { "avx2", MNV3_ISA_AVX2 }, { "avx512", MNV3_ISA_AVX512 },
    { "avx512vnni", MNV3_ISA_AVX512VNNI },
  };

  for (size_t i = 0; arg && i < sizeof isas / sizeof isas[0]; i++)
    if (strcmp (arg, isas[i].name) == 0) {
      *out = isas[i].isa;
      return 0;
    }
  return bad (opt, arg);
}

int
mnv3_cli_size (const char *opt, const char *arg, int *h, int *w)
{
  char *end;
  long a, b;

  if (!arg)
    return bad (opt, arg);
  errno = 0;
  a = strtol (arg, &end, 10);
  if (end == arg || errno || a < 1 || a > 16384)
    return bad (opt, arg);
  if (*end == '\0') {
    *h = *w = (int) a;
    return 0;
  }
  if (*end != 'x' && *end != 'X')
    return bad (opt, arg);
  const char *p = end + 1;
  b = strtol (p, &end, 10);
  if (end == p || *end || errno || b < 1 || b > 16384)
    return bad (opt, arg);
  *h = (int) a;
  *w = (int) b;
  return 0;
}

int
mnv3_cli_match (int argc, char **argv, int *i, const char *name,
    const char **val)
{
  const char *a = argv[*i];
  size_t n = strlen (name);

  if (strncmp (a, name, n) != 0)
    return 0;
  if (a[n] == '=') {
    *val = a + n + 1;
    return 1;
  }
  if (a[n] != '\0')
    return 0;
  if (*i + 1 >= argc) {
    fprintf (stderr, "%s needs a value\n", name);
    return -1;
  }
  *val = argv[++*i];
  return 1;
}

double
mnv3_cli_now_ms (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec * 1e-6;
}
