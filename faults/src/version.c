/*
 * version.c - which API the loaded library speaks (shmfault.h, SHMFAULT_API_VERSION), so a
 * program built against another header can tell before it passes structures of another size.
 */
#include "internal.h"

_Static_assert(SHMFAULT_API_VERSION == 2, "a layout change of shmfault.h bumps the version");
_Static_assert(sizeof(((struct shmfault_object *)0)->name) == SHMFAULT_NAME_MAX,
               "a ledger name holds any POSIX name whole");

int shmfault_api_version(void)
{
    return SHMFAULT_API_VERSION;
}
