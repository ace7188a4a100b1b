/*
 * sysv_semset.h - System V semaphore sets with deadlines: created exclusively and initialised
 * before anyone can find the data they guard, waited on with semtimedop, EINTR retried with
 * the time that is left.
 */
#ifndef SHMIPC_SYSV_SEMSET_H
#define SHMIPC_SYSV_SEMSET_H

#include <stddef.h>
#include <sys/ipc.h> /* key_t, even in strict C11 */
#include <sys/types.h>

struct sembuf;

/* semget(IPC_CREAT|IPC_EXCL|MODE) + SETALL(INIT); on failure the set is removed. Returns the id. */
int shmipc_semset_create(key_t key, int nsems, const unsigned short *init, int mode);
/* semget(key, 0, 0), checking the set has NSEMS semaphores (EPROTO otherwise). */
int shmipc_semset_open(key_t key, int nsems);
/* semop that waits at most TIMEOUT_MS (0: IPC_NOWAIT -> EAGAIN; expiry: ETIMEDOUT). */
int shmipc_semset_op(int semid, struct sembuf *ops, size_t nops, int timeout_ms);
/* semop that never waits (releases), retried on EINTR. */
int shmipc_semset_post(int semid, struct sembuf *ops, size_t nops);
/* GETVAL. */
int shmipc_semset_value(int semid, int num);
int shmipc_semset_remove(int semid);
/* After a semop failed with errno EIDRM or EINVAL: 1 if the kernel confirms SEMID is gone (a
   semop can fail with EINVAL for other reasons). Keeps errno. */
int shmipc_semset_gone(int semid);

#endif /* SHMIPC_SYSV_SEMSET_H */
