/*
 * shmfuzz/host.h - for adapters whose code under test names its objects itself (fixed System V
 * keys, fixed POSIX names). In a private namespace every object there is the program's. Without
 * one (the unprivileged fallback) the keys and names are the host's, shared with every other
 * program of the user: the code under test must create only exclusively, and open or remove
 * only what this run created. These calls answer from the run's record of created objects
 * (docs/harness.md "Without namespaces"); none of them makes a call a fault plan counts.
 */
#ifndef SHMFUZZ_HOST_H
#define SHMFUZZ_HOST_H

#include <sys/types.h>

enum sfz_host_kind { SFZ_HOST_SHM, SFZ_HOST_SEM, SFZ_HOST_POSIX_SHM, SFZ_HOST_POSIX_SEM };

/* 1 when objects of KIND are the host's (no private namespace isolates them). */
int sfz_host_shared(enum sfz_host_kind kind);
/* The code under test has just created the object (System V ID, or POSIX NAME): record it. */
void sfz_host_created(enum sfz_host_kind kind, int id, const char *name);
/* 1 when the object under ID (System V), or at NAME (POSIX; the file FD is open on when
   FD >= 0), exists and is someone else's: never open, change or remove it. 0 in a namespace. */
int sfz_host_foreign(enum sfz_host_kind kind, int id, const char *name, int fd);
/* 1 when someone else's object of KIND sits at KEY (System V). 0 in a namespace. */
int sfz_host_key_taken(enum sfz_host_kind kind, key_t key);
/* This run's object of KIND at KEY (System V): its id, or -1. In a namespace: whatever is
   there (-1 if nothing). */
int sfz_host_ours_at(enum sfz_host_kind kind, key_t key);

#endif /* SHMFUZZ_HOST_H */
