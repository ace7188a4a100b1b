/*
 * shmipc.h - libshmipc: the four classic shared-memory IPC patterns, done carefully.
 *
 *   kv       one text value under a System V key (the tutorial "writer/reader by key")
 *   records  a fixed table of {id, name} records under a key, with a locked read-modify-write
 *   ring     a producer/consumer ring buffer guarded by System V semaphores
 *   file     one text value in a POSIX shm_open object or an mmap'd file (MAP_SHARED)
 *
 * What "carefully" means here, and what the bug catalogue (targets/bugs) breaks on purpose:
 *   - objects are created 0600 and exclusively (IPC_EXCL / O_EXCL): never adopt a stranger's;
 *   - every error path undoes what it did: no segment, semaphore set or name survives a failed
 *     create, no handle memory survives a failed open;
 *   - a peer is not trusted: every index and length read from shared memory is validated, a
 *     value is always returned NUL-terminated, a layout is checked against the segment size;
 *   - waits have deadlines (semtimedop), EINTR is retried with the remaining time, EIDRM is an
 *     error, a lock held by a process that died is released by the kernel (SEM_UNDO), and a
 *     consumer whose producers are all gone gets EPIPE instead of waiting forever.
 *
 * Conventions: functions return 0 (or a length) on success and -1 with errno set on failure;
 * constructors return NULL with errno set. Nothing here prints or exits. timeout_ms is a
 * bound on waiting: 0 means "do not wait" (EAGAIN if the call would block).
 */
#ifndef SHMIPC_H
#define SHMIPC_H

#include <stddef.h>
#include <stdint.h>
#include <sys/ipc.h> /* key_t, even in strict C11 */
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SHMIPC_MODE 0600         /* every object libshmipc creates */
#define SHMIPC_NAME_LEN 32       /* a record's name buffer, NUL included */
#define SHMIPC_TIMEOUT_MAX 60000 /* longest wait accepted, ms */

/* ---- kv: one text value under a System V key ------------------------------------------- */

struct shmipc_kv;
/* Create the segment for KEY holding at most CAPACITY bytes of text (1..65536). EEXIST if the
   key is taken. */
struct shmipc_kv *shmipc_kv_create(key_t key, size_t capacity);
/* Attach to the segment another process created for KEY; EPROTO if it is not a kv segment. */
struct shmipc_kv *shmipc_kv_open(key_t key);
/* Store LEN bytes of TEXT (no NUL needed). E2BIG if LEN exceeds the capacity. */
int shmipc_kv_put(struct shmipc_kv *kv, const char *text, size_t len);
/* Copy the value into BUF (always NUL-terminated); returns its length. ERANGE if BUFSIZE is too
   small, EBADMSG if a peer left an impossible length, EAGAIN if a writer kept it busy. */
ssize_t shmipc_kv_get(struct shmipc_kv *kv, char *buf, size_t bufsize);
/* Detach and free the handle (the segment stays for others). On failure the handle stays
   valid and a second call retries; the same holds for every *_close below. */
int shmipc_kv_close(struct shmipc_kv *kv);
/* Mark the segment for removal, then close. If the removal fails the handle stays valid (and
   open), so the caller can retry: an object is never orphaned by a failed destroy. The same
   holds for every *_destroy below. */
int shmipc_kv_destroy(struct shmipc_kv *kv);

/* ---- records: a table of {id, name} under a System V key ------------------------------- */

struct shmipc_record {
    int32_t id;
    char name[SHMIPC_NAME_LEN];
};

struct shmipc_records;
/* Create a table of COUNT (1..1024) zeroed records and its lock for KEY. */
struct shmipc_records *shmipc_records_create(key_t key, unsigned count);
/* Open the table for KEY expecting COUNT records (0: accept what is there); EPROTO if the
   segment's layout does not match. */
struct shmipc_records *shmipc_records_open(key_t key, unsigned count);
unsigned shmipc_records_count(const struct shmipc_records *t);
/* Read / write record I under the lock. ERANGE for a bad index, EINVAL for an unterminated
   name on put. */
int shmipc_records_get(struct shmipc_records *t, unsigned i, struct shmipc_record *out,
                       int timeout_ms);
int shmipc_records_put(struct shmipc_records *t, unsigned i, const struct shmipc_record *in,
                       int timeout_ms);
/* Read-modify-write: begin takes the lock and reads record I, commit writes it back and
   releases the lock, abort releases it. One transaction per handle at a time (EBUSY). */
int shmipc_records_begin(struct shmipc_records *t, unsigned i, struct shmipc_record *out,
                         int timeout_ms);
int shmipc_records_commit(struct shmipc_records *t, const struct shmipc_record *in);
int shmipc_records_abort(struct shmipc_records *t);
int shmipc_records_close(struct shmipc_records *t);
int shmipc_records_destroy(struct shmipc_records *t);

/* ---- ring: producer/consumer messages guarded by System V semaphores ------------------- */

enum shmipc_role { SHMIPC_PRODUCER = 1, SHMIPC_CONSUMER = 2 };

struct shmipc_ring;
/* Create a ring of SLOTS (1..256) messages of at most MSG_MAX (1..4096) bytes for KEY; the
   creator takes ROLE. */
struct shmipc_ring *shmipc_ring_create(key_t key, unsigned slots, size_t msg_max,
                                       enum shmipc_role role);
struct shmipc_ring *shmipc_ring_open(key_t key, enum shmipc_role role);
/* Producer: queue LEN bytes. EAGAIN/ETIMEDOUT when the ring stays full, EMSGSIZE if too long,
   EIDRM if the ring was removed. */
int shmipc_ring_send(struct shmipc_ring *r, const void *msg, size_t len, int timeout_ms);
/* Consumer: take the oldest message into BUF; returns its length. EAGAIN/ETIMEDOUT when the
   ring stays empty, EPIPE when it is empty and no producer is attached any more, EBADMSG when a
   peer corrupted the ring's indices or lengths, EMSGSIZE if BUFSIZE is too small. */
ssize_t shmipc_ring_recv(struct shmipc_ring *r, void *buf, size_t bufsize, int timeout_ms);
int shmipc_ring_close(struct shmipc_ring *r);
int shmipc_ring_destroy(struct shmipc_ring *r);

/* ---- file: one text value in a POSIX shm object or an mmap'd file ---------------------- */

struct shmipc_file;
/* NAME "/name" is a POSIX shm object (shm_open); anything else is a file path. Created with
   O_EXCL and 0600 holding at most CAPACITY bytes of text (1..65536). */
struct shmipc_file *shmipc_file_create(const char *name, size_t capacity);
struct shmipc_file *shmipc_file_open(const char *name);
int shmipc_file_put(struct shmipc_file *f, const char *text, size_t len);
ssize_t shmipc_file_get(struct shmipc_file *f, char *buf, size_t bufsize);
int shmipc_file_close(struct shmipc_file *f);
/* Unlink the name, then close. */
int shmipc_file_destroy(struct shmipc_file *f);

/* ---- guard: staying off other programs' objects ----------------------------------------- */

/*
 * Keys and names are the caller's choice, and another program may hold the same one. Creates
 * are exclusive anyway; a program that shares its keys with strangers (a fuzz harness without a
 * private IPC namespace) also installs a guard: it is told of every object libshmipc creates,
 * and libshmipc opens and removes no object the guard calls foreign (it fails as if the object
 * were absent: ENOENT for an open, EINVAL for a removal by id). Without a guard, the default,
 * every call is made as written.
 */
enum shmipc_object { SHMIPC_OBJ_SHM, SHMIPC_OBJ_SEM, SHMIPC_OBJ_POSIX_SHM };
struct shmipc_guard {
    /* just created: System V ID, or POSIX NAME */
    void (*created)(enum shmipc_object kind, int id, const char *name);
    /* 1: the object under ID, or at NAME (open on FD when FD >= 0), is not the caller's */
    int (*foreign)(enum shmipc_object kind, int id, const char *name, int fd);
};
/* Install GUARD (NULL: none). Process-wide; set it before the first call. */
void shmipc_set_guard(const struct shmipc_guard *guard);

#ifdef __cplusplus
}
#endif
#endif /* SHMIPC_H */
