/*
 * table_dump.c - prints libshmfault's function table through the public API, one line per
 * (function, documented errno): what preload.sh iterates over, so a new table row is tested
 * without touching the script.
 */
#include <stdio.h>

#include "shmfault.h"

int main(void)
{
    for (unsigned i = 0; i < shmfault_function_count(); i++) {
        const int *errs;
        unsigned n = shmfault_function_errnos(i, &errs);
        for (unsigned k = 0; k < n; k++)
            printf("%s %s\n", shmfault_function_name(i), shmfault_errno_name(errs[k]));
    }
    return 0;
}
