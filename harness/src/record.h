/*
 * record.h - the record of IPC objects shmfuzz creates outside a private namespace (the
 * unprivileged fallback), so that `shmfuzz clean` removes only those, and the raw op set
 * opens only those. Format and location: docs/harness.md ("Without namespaces").
 */
#ifndef SFZ_RECORD_H
#define SFZ_RECORD_H

#include <sys/types.h>

enum sfz_rec_kind { SFZ_REC_SHM, SFZ_REC_SEM, SFZ_REC_POSIX_SHM, SFZ_REC_POSIX_SEM };

/* Open this run's record file (once, before any worker forks). Says once on stderr when it
   cannot; objects are then still tracked for this run, only not for `shmfuzz clean`. */
void sfz_record_start(void);
/* The calling process just created System V object ID (SFZ_REC_SHM or SFZ_REC_SEM), or its
   ctime changed (IPC_SET, SETVAL): append its line. */
void sfz_record_sysv(enum sfz_rec_kind kind, int id);
/* The calling process just created POSIX object NAME ("/x"; a semaphore is /dev/shm/sem.x). */
void sfz_record_posix(enum sfz_rec_kind kind, const char *name);
/* Whether the object at KEY is one this run recorded and still the same (id, key, creator).
   Sets *ID to it. Makes no call a fault plan counts. */
int sfz_record_owns_sysv(enum sfz_rec_kind kind, key_t key, int *id);
/* Whether ID is a System V object this run recorded and still the same. */
int sfz_record_owns_id(enum sfz_rec_kind kind, int id);
/* Whether NAME is a POSIX object this run recorded and still the same inode. */
int sfz_record_owns_posix(enum sfz_rec_kind kind, const char *name);
/* Someone else's: an object exists under ID (System V), at NAME (POSIX; the file FD is open on
   when FD >= 0), or at KEY, and this run did not record it. Makes no call a plan counts. */
int sfz_record_foreign_id(enum sfz_rec_kind kind, int id);
int sfz_record_foreign_posix(enum sfz_rec_kind kind, const char *name, int fd);
int sfz_record_foreign_key(enum sfz_rec_kind kind, key_t key);
/* End of an input, after the sweep: forget what no longer exists; the file keeps only lines
   of objects still there (none, normally). */
void sfz_record_settle(void);

#endif /* SFZ_RECORD_H */
