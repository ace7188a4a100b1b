/*
 * shmfault_forkserver.h - the protocol between `shmfault-enum` (tools/) and libshmfault.so's
 * fork server. The enumerator starts the program once, as PID 1 of fresh PID, IPC and mount
 * namespaces, with LD_PRELOAD=libshmfault.so and SHMFAULT_FORKSERVER=FD (FD: a SOCK_SEQPACKET
 * socket). libshmfault's constructor answers with a hello and then, for each request, runs one
 * cell: a fresh IPC namespace and /dev/shm, a fork whose child goes on into the program's main
 * with the request's rules, trace and ledger, a bounded wait for the main process, a bounded
 * grace for the rest of the tree, the end of every process of the cell, and the lists of the
 * processes still running then and of the IPC objects it left. One exec serves a whole fault
 * matrix.
 */
#ifndef SHMFAULT_FORKSERVER_H
#define SHMFAULT_FORKSERVER_H

#include <stdint.h>

#define SHMFAULT_FS_HELLO 0x53464653 /* "SFFS": the server is ready */

struct shmfault_fs_request {
    uint32_t timeout_ms; /* the cell's main process is killed after this long */
    char dir[1024];      /* absolute; holds cwd/ and receives stdout, stderr, trace.jsonl,
                            ledger, alive (the processes still running at the end, "PID COMM"
                            a line) and left (the objects left behind, one a line) */
    char rules[1024];    /* SHMFAULT_RULES of the cell ("" for none) */
    uint32_t grace_ms;   /* once the main process has ended, how long the rest of the tree
                            may still run before it is killed (0: killed at once) */
    char survivors[512]; /* command names (comm) that may still be running at the end, one a
                            line, repeated for each such process: the grace stops early when
                            only these are left (a launcher's daemon, seen in the clean runs) */
};

struct shmfault_fs_reply {
    int32_t status; /* hello: SHMFAULT_FS_HELLO; then the cell's wait status */
    int32_t timed_out;
    int32_t error;  /* non-zero: the cell could not be set up (errno of the step that failed) */
};

#endif /* SHMFAULT_FORKSERVER_H */
