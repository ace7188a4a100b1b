/*
 * runs.c - which images of the clean runs enumerate tells apart by run number. A driver that
 * runs `control -c; control -v; control -r` starts three processes of one image, each the
 * first of its own tree: call N of each is a point of its own, faulted with run=K (libshmfault
 * numbers the processes of an image in order of exec, faults/src/runs.c). That order is the
 * program's only when the runs follow one another, so an image is numbered only when
 *   - it ran more than once (its trace lines carry a run number above 1),
 *   - no run of it overlapped an earlier one (the trace's "overlap"), and
 *   - every clean run numbered it the same way: the same number of runs, and each run made the
 *     same calls (function and call number, as a multiset: a run's forked children interleave).
 * Any other image keeps points per image, as before: a rule on it fires in every run of it
 * (docs/cli.md "Runs of one image"). Not judged by a guess: such an image is named on stderr.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "enum.h"

#define MAX_IMAGES 64
#define MAX_RUNS 256 /* runs of one image compared across the clean runs */

static struct image {
    char name[ENUM_COMM + 1];
    unsigned long max_run;
    int overlap;
    int unstable;
    uint64_t sig[MAX_RUNS]; /* run r's calls (a sum of hashes: order-free) in the first clean run */
} images[MAX_IMAGES];
static unsigned nimages;

static const char *field(const char *line, const char *key)
{
    const char *p = strstr(line, key);
    return p ? p + strlen(key) : NULL;
}

unsigned long enum_line_run(const char *line)
{
    const char *r = field(line, "\"run\":");
    return r && *r >= '1' && *r <= '9' ? strtoul(r, NULL, 10) : 0;
}

static struct image *image_named(const char *name, int add)
{
    for (unsigned i = 0; i < nimages; i++)
        if (strcmp(images[i].name, name) == 0)
            return &images[i];
    if (!add || nimages == MAX_IMAGES || name[0] == '\0')
        return NULL;
    struct image *im = &images[nimages++];
    memset(im, 0, sizeof(*im));
    snprintf(im->name, sizeof(im->name), "%s", name);
    return im;
}

static uint64_t line_hash(const char *line)
{
    const char *f = field(line, "\"fn\":\""), *c = field(line, "\"call\":");
    uint64_t h = 0xcbf29ce484222325ULL;
    for (const char *p = f; p && *p && *p != '"'; p++)
        h = (h ^ (unsigned char)*p) * 0x100000001b3ULL;
    unsigned long call = c ? strtoul(c, NULL, 10) : 0;
    h = (h ^ call) * 0x100000001b3ULL;
    return h ^ (h >> 29);
}

/* One clean run's trace: per image its highest run, overlaps and calls per run into SIG. */
static void scan_one(const struct run *r, int first, unsigned long *max, uint64_t (*sig)[MAX_RUNS])
{
    char path[1200], line[2048];
    snprintf(path, sizeof(path), "%s/trace.jsonl", r->dir);
    FILE *f = fopen(path, "re");
    while (f && fgets(line, sizeof(line), f)) {
        const char *p = field(line, "\"pid\":");
        const struct death *d = enum_death_of(r, p ? strtol(p, NULL, 10) : -1);
        unsigned long run = enum_line_run(line);
        struct image *im = d ? image_named(d->comm, first) : NULL;
        if (im == NULL || run == 0)
            continue;
        size_t k = (size_t)(im - images);
        if (run > max[k])
            max[k] = run;
        if (strstr(line, "\"overlap\":true") != NULL)
            im->overlap = 1;
        if (run < MAX_RUNS)
            sig[k][run] += line_hash(line);
    }
    if (f)
        fclose(f);
}

void enum_runs_scan(const struct run *const *base, unsigned nbase)
{
    static unsigned long max[MAX_IMAGES];
    static uint64_t sig[MAX_IMAGES][MAX_RUNS];
    nimages = 0;
    for (unsigned b = 0; b < nbase; b++) {
        memset(max, 0, sizeof(max));
        memset(sig, 0, sizeof(sig));
        scan_one(base[b], b == 0, max, sig);
        for (unsigned i = 0; i < nimages; i++) {
            struct image *im = &images[i];
            if (b == 0) {
                im->max_run = max[i];
                memcpy(im->sig, sig[i], sizeof(im->sig));
                continue;
            }
            if (max[i] != im->max_run || memcmp(sig[i], im->sig, sizeof(im->sig)) != 0)
                im->unstable = 1;
        }
    }
    for (unsigned i = 0; i < nimages; i++) {
        const struct image *im = &images[i];
        if (im->max_run < 2 || (!im->overlap && !im->unstable && im->max_run < MAX_RUNS))
            continue;
        fprintf(stderr, "enumerate: warning: %s ran %lu times, %s: its runs are not told "
                "apart (a fault at one of its points fires in every run of it)\n", im->name,
                im->max_run,
                im->overlap         ? "and a run started while an earlier one still ran (the "
                                      "order of exec was the scheduler's)"
                : im->unstable      ? "but the clean runs disagree on what each run did"
                                    : "more than enumerate compares");
    }
}

unsigned long enum_run_of(const char *image, const char *line)
{
    const struct image *im = image_named(image, 0);
    if (im == NULL || im->max_run < 2 || im->max_run >= MAX_RUNS || im->overlap || im->unstable)
        return 0;
    return enum_line_run(line);
}
