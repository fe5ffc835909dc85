/* files.c — reference data written by the generator scripts (support.h).
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdio.h>
#include <stdlib.h>

#include "support.h"

float *
mnv3_test_read_floats (const char *dir, const char *name, const char *suffix,
    size_t *n)
{
  char path[1024];
  FILE *f;
  long size;
  float *buf;

  snprintf (path, sizeof path, "%s/%s%s", dir, name, suffix);
  f = fopen (path, "rb");
  ck_assert_msg (f != NULL, "cannot open %s", path);
  fseek (f, 0, SEEK_END);
  size = ftell (f);
  fseek (f, 0, SEEK_SET);
  ck_assert_msg (size >= 0 && size % sizeof (float) == 0,
      "%s: %ld bytes, not a float array", path, size);
  /* exactly the file (one float for an empty one): ASan sees overreads */
  buf = malloc (size ? (size_t) size : sizeof (float));
  ck_assert (buf != NULL);
  ck_assert_int_eq (fread (buf, 1, (size_t) size, f), (size_t) size);
  fclose (f);
  *n = (size_t) size / sizeof (float);
  return buf;
}
