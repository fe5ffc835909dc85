/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Small helpers shared by the command-line tools: strict number parsing
 * (whole argument, in range), ISA and size arguments, a monotonic clock.
 * Parsers return 0, or -1 after printing "PROG: bad VALUE for OPTION".
 */
#ifndef MNV3_TOOLS_CLI_H
#define MNV3_TOOLS_CLI_H

#include "mnv3.h"

int mnv3_cli_int (const char *opt, const char *arg, int min, int max,
    int *out);
int mnv3_cli_float (const char *opt, const char *arg, float min, float max,
    float *out);
/* "scalar", "avx2", "avx512" or "auto". */
int mnv3_cli_isa (const char *opt, const char *arg, mnv3_isa *out);
/* "HxW" (or a single N for NxN), each 1..16384. */
int mnv3_cli_size (const char *opt, const char *arg, int *h, int *w);
/* Whether argv[*i] is option `name` taking a value, as "--name VALUE"
 * (advancing *i) or "--name=VALUE": 1 with *val set, 0 when it is another
 * argument, -1 after a message when the value is missing. */
int mnv3_cli_match (int argc, char **argv, int *i, const char *name,
    const char **val);
/* Milliseconds on the monotonic clock. */
double mnv3_cli_now_ms (void);

#endif /* MNV3_TOOLS_CLI_H */
