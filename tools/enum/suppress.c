/*
 * suppress.c - SHMFAULT_SUPPRESSIONS for the objects a cell left. Same file format as the
 * library's ledger reads (docs/faults.md "Suppressions"): "sysv-shm key=K", "sysv-sem key=K",
 * "posix-shm name=GLOB", "posix-sem name=GLOB", '#' comments. The fork server lists what a cell
 * left from the kernel ("sysv-shm key=0x00001234 size=N", "posix name=/NAME"; a POSIX named
 * semaphore is /dev/shm/sem.NAME), so each line is matched against that form here.
 */
#define _GNU_SOURCE
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "enum.h"

#define MAX_SUPP 128

static struct {
    char kind[32];
    char value[160]; /* a key as a number, or a name glob */
} supp[MAX_SUPP];
static unsigned nsupp;

int enum_suppressions_load(const char *path, char *why, size_t size)
{
    char line[256], kind[32], value[160];
    unsigned lineno = 0;
    FILE *f = fopen(path, "re");
    if (f == NULL) {
        snprintf(why, size, "cannot read suppressions %s", path);
        return -1;
    }
    while (fgets(line, sizeof(line), f)) {
        lineno++;
        line[strcspn(line, "#\n")] = '\0';
        if (strspn(line, " \t") == strlen(line))
            continue;
        int ok = sscanf(line, " %31s %159s", kind, value) == 2 && nsupp < MAX_SUPP;
        int sysv = strcmp(kind, "sysv-shm") == 0 || strcmp(kind, "sysv-sem") == 0;
        int posix = strcmp(kind, "posix-shm") == 0 || strcmp(kind, "posix-sem") == 0;
        ok = ok && ((sysv && strncmp(value, "key=", 4) == 0) ||
                    (posix && strncmp(value, "name=/", 6) == 0));
        if (!ok) {
            fclose(f);
            snprintf(why, size, "%s:%u: not 'sysv-shm|sysv-sem key=K' or "
                     "'posix-shm|posix-sem name=/GLOB' (at most %d lines)", path, lineno, MAX_SUPP);
            return -1;
        }
        snprintf(supp[nsupp].kind, sizeof(supp[nsupp].kind), "%s", kind);
        snprintf(supp[nsupp].value, sizeof(supp[nsupp].value), "%s", value + (sysv ? 4 : 6));
        nsupp++;
    }
    fclose(f);
    return 0;
}

static int key_equal(const char *a, const char *b)
{
    char *ea, *eb;
    long ka = strtol(a, &ea, 0), kb = strtol(b, &eb, 0);
    return ea != a && eb != b && (unsigned)ka == (unsigned)kb;
}

int enum_suppressed(const char *left)
{
    char kind[32], value[160];
    if (nsupp == 0 || sscanf(left, "%31s %159s", kind, value) != 2)
        return 0;
    for (unsigned i = 0; i < nsupp; i++) {
        if (strncmp(kind, "sysv-", 5) == 0) {
            if (strcmp(supp[i].kind, kind) == 0 && strncmp(value, "key=", 4) == 0 &&
                key_equal(value + 4, supp[i].value))
                return 1;
            continue;
        }
        if (strncmp(value, "name=/", 6) != 0)
            continue;
        const char *name = value + 6;
        int sem = strncmp(name, "sem.", 4) == 0;
        if (strcmp(supp[i].kind, sem ? "posix-sem" : "posix-shm") == 0 &&
            fnmatch(supp[i].value, sem ? name + 4 : name, 0) == 0)
            return 1;
    }
    return 0;
}
