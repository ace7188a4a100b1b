/*
 * shmfault-info.c - what libshmfault knows, for scripts: the intercepted functions, the errnos
 * each documents, and whether a rule spec is valid. One table (faults/src/functions.def) stays
 * the only place these facts live; `shmfuzz enumerate` asks here.
 *   shmfault-info functions         one intercepted function a line
 *   shmfault-info errnos FUNCTION   its documented errnos, one name a line
 *   shmfault-info check SPEC        exit 0 if SPEC parses, else the parser's message, exit 2
 */
#include <stdio.h>
#include <string.h>

#include "shmfault.h"

static int usage(void)
{
    fputs("usage: shmfault-info functions | errnos FUNCTION | check SPEC\n", stderr);
    return 2;
}

static int list_functions(void)
{
    for (unsigned i = 0; i < shmfault_function_count(); i++)
        printf("%s\n", shmfault_function_name(i));
    return 0;
}

static int list_errnos(const char *name)
{
    int i = shmfault_function_lookup(name);
    if (i < 0) {
        fprintf(stderr, "shmfault-info: '%s' is not an intercepted function\n", name);
        return 2;
    }
    const int *list = NULL;
    unsigned n = shmfault_function_errnos((unsigned)i, &list);
    for (unsigned k = 0; k < n; k++) {
        const char *e = shmfault_errno_name(list[k]);
        if (e != NULL)
            printf("%s\n", e);
    }
    return 0;
}

static int check(const char *spec)
{
    struct shmfault_error err;
    memset(&err, 0, sizeof(err));
    if (shmfault_rules_check(spec, &err) == 0)
        return 0;
    fprintf(stderr, "shmfault-info: bad rule at position %d: %s\n", err.pos, err.msg);
    return 2;
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "functions") == 0)
        return list_functions();
    if (argc == 3 && strcmp(argv[1], "errnos") == 0)
        return list_errnos(argv[2]);
    if (argc == 3 && strcmp(argv[1], "check") == 0)
        return check(argv[2]);
    if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        puts("usage: shmfault-info functions | errnos FUNCTION | check SPEC");
        return 0;
    }
    return usage();
}
