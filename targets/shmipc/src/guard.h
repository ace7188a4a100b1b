/*
 * guard.h - the embedder's guard (shmipc.h "guard") as libshmipc's own code asks it.
 */
#ifndef SHMIPC_GUARD_H
#define SHMIPC_GUARD_H

#include "shmipc.h"

void shmipc_guard_created(enum shmipc_object kind, int id, const char *name);
/* 1 when the guard says the object is someone else's; 0 without a guard. Keeps errno. */
int shmipc_guard_foreign(enum shmipc_object kind, int id, const char *name, int fd);

#endif /* SHMIPC_GUARD_H */
