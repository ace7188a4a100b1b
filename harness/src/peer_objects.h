/*
 * peer_objects.h - the program's shared objects as the hostile peer numbers them (peer.poke,
 * peer.inside): the System V segments of the namespace in /proc/sysvipc/shm's order, then the
 * files of /dev/shm the peer may write (sfz_peer_file) in directory order.
 */
#ifndef SFZ_PEER_OBJECTS_H
#define SFZ_PEER_OBJECTS_H

#include <stddef.h>

struct sfz_segment {
    long key;
    int id;
    unsigned long size;
};

/* The first MAX segments, in the file's order, into SEG: how many; *TOTAL (if given) is how
   many the file lists in all. 0 when it cannot be read. */
unsigned sfz_peer_segments(struct sfz_segment *seg, unsigned max, unsigned *total);

/* The NTH file of /dev/shm the peer may write, counted from 0 in directory order: its name in
   NAME and 0, or -1 when there are fewer (or the directory cannot be read). */
int sfz_peer_file_nth(unsigned nth, char *name, size_t size);

/* That file opened for reading and writing (close-on-exec): a descriptor, or -1. */
int sfz_peer_file_open(unsigned nth);

#endif /* SFZ_PEER_OBJECTS_H */
