/* replay-main.c — runs a fuzz target's LLVMFuzzerTestOneInput on files, so
 * that the seed corpus and every input that ever failed (regressions/)
 * are replayed by the ordinary test suite, with any compiler.
 *
 *   fuzz-NAME-replay DIR_OR_FILE...
 *
 * Directories are read one level deep (README files skipped).  Exits 0
 * when every input returned (a crash or sanitizer report ends the run),
 * 77 (skipped) when no input was found.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);
int LLVMFuzzerInitialize (int *argc, char ***argv) __attribute__ ((weak));

static int
run_file (const char *path)
{
  FILE *f = fopen (path, "rb");
  uint8_t *buf;
  long n;

  if (!f) {
    fprintf (stderr, "cannot open %s\n", path);
    exit (1);
  }
  fseek (f, 0, SEEK_END);
  n = ftell (f);
  rewind (f);
  buf = malloc (n > 0 ? (size_t) n : 1);
  if (!buf || fread (buf, 1, (size_t) n, f) != (size_t) n) {
    fprintf (stderr, "cannot read %s\n", path);
    exit (1);
  }
  fclose (f);
  /* an exact-size copy, so ASan sees reads past the end */
  LLVMFuzzerTestOneInput (buf, (size_t) n);
  free (buf);
  return 1;
}

static int
cmp_names (const void *a, const void *b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

static int
run_path (const char *path)
{
  struct stat st;
  struct dirent *e;
  char **names = NULL;
  int n = 0, done = 0;
  DIR *d;

  if (stat (path, &st) != 0)
    return 0;
  if (!S_ISDIR (st.st_mode))
    return run_file (path);
  d = opendir (path);
  if (!d)
    return 0;
  while ((e = readdir (d))) {
    if (e->d_name[0] == '.' || !strncmp (e->d_name, "README", 6))
      continue;
    names = realloc (names, (size_t) (n + 1) * sizeof *names);
    names[n] = malloc (strlen (path) + strlen (e->d_name) + 2);
    sprintf (names[n++], "%s/%s", path, e->d_name);
  }
  closedir (d);
  if (n > 1)
    qsort (names, (size_t) n, sizeof *names, cmp_names);
  for (int i = 0; i < n; i++) {
    if (stat (names[i], &st) == 0 && S_ISREG (st.st_mode))
      done += run_file (names[i]);
    free (names[i]);
  }
  free (names);
  return done;
}

int
main (int argc, char **argv)
{
  int done = 0;

  if (LLVMFuzzerInitialize)
    LLVMFuzzerInitialize (&argc, &argv);
  for (int i = 1; i < argc; i++)
    done += run_path (argv[i]);
  printf ("%d inputs replayed\n", done);
  return done ? 0 : 77;
}
