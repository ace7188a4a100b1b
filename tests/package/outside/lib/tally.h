/*
 * tally.h - a library shmfuzz has never seen, for the package test (tests/package/outside.sh):
 * a board of counters in a POSIX shared memory object that processes bump and read by name.
 */
#ifndef TALLY_H
#define TALLY_H

#define TALLY_COUNTERS 8

struct tally;

/* Create (exclusively) or open the board called NAME ("/name"). NULL with errno on failure. */
struct tally *tally_create(const char *name);
struct tally *tally_open(const char *name);
/* Add N to counter I (mod TALLY_COUNTERS); read it back. */
void tally_add(struct tally *t, unsigned i, unsigned n);
unsigned long tally_get(const struct tally *t, unsigned i);
/* Unmap and free the handle; -1 with errno when munmap fails (the handle is then kept). */
int tally_close(struct tally *t);
/* Remove the board's name (the owner's last step); the mappings stay valid. */
int tally_remove(const char *name);

#endif /* TALLY_H */
