/*
 * shmipc_test.c - unit tests of libshmipc against the real kernel (run in a private IPC and
 * /dev/shm namespace by in-namespace.sh): the happy paths, the documented errors as a table
 * of cases, and the hostile peer (a second mapping that scribbles on the layout), plus peer
 * death by real fork/_exit.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "records_layout.h"
#include "ring_layout.h"
#include "shmipc.h"
#include "value_layout.h"

#define KEY 0x5348u

/* Expect CALL to fail with -1 and ERR, printing the call as written when it does not. */
#define EXPECT_FAIL(call, err)                                                                     \
    do {                                                                                           \
        errno = 0;                                                                                 \
        long rc_ = (long)(call);                                                                   \
        if (rc_ != -1 || errno != (err))                                                           \
            fail_msg("%s: got %ld errno %d (%s), want -1 %s", #call, rc_, errno, strerror(errno), \
                     #err);                                                                        \
    } while (0)
#define EXPECT_NULL(call, err)                                                                     \
    do {                                                                                           \
        errno = 0;                                                                                 \
        void *p_ = (void *)(call);                                                                 \
        if (p_ != NULL || errno != (err))                                                          \
            fail_msg("%s: got %p errno %d (%s), want NULL %s", #call, p_, errno, strerror(errno),  \
                     #err);                                                                        \
    } while (0)

/* A second mapping of KEY's segment: the hostile peer's view. */
static void *peer_attach(key_t key)
{
    int id = shmget(key, 0, 0);
    assert_int_not_equal(id, -1);
    void *p = shmat(id, NULL, 0);
    assert_ptr_not_equal(p, (void *)-1);
    return p;
}

static int sysv_mode(key_t key)
{
    struct shmid_ds ds;
    int id = shmget(key, 0, 0);
    assert_int_not_equal(id, -1);
    assert_int_equal(shmctl(id, IPC_STAT, &ds), 0);
    return ds.shm_perm.mode & 0777;
}

static int objects_left(key_t key)
{
    return (shmget(key, 0, 0) != -1) + (semget(key, 0, 0) != -1);
}

/* ---- kv ---------------------------------------------------------------------------------- */

static void kv_roundtrip(void **state)
{
    (void)state;
    char buf[64];
    struct shmipc_kv *w = shmipc_kv_create(KEY, 32);
    assert_non_null(w);
    assert_int_equal(sysv_mode(KEY), 0600);
    assert_int_equal(shmipc_kv_put(w, "hello world", 11), 0);
    struct shmipc_kv *r = shmipc_kv_open(KEY);
    assert_non_null(r);
    assert_int_equal(shmipc_kv_get(r, buf, sizeof(buf)), 11);
    assert_string_equal(buf, "hello world");
    /* a shorter value must not show the tail of the longer one */
    assert_int_equal(shmipc_kv_put(r, "bye", 3), 0);
    assert_int_equal(shmipc_kv_get(w, buf, sizeof(buf)), 3);
    assert_string_equal(buf, "bye");
    assert_int_equal(shmipc_kv_close(r), 0);
    assert_int_equal(shmipc_kv_destroy(w), 0);
    assert_int_equal(objects_left(KEY), 0);
}

static void kv_errors(void **state)
{
    (void)state;
    char buf[8];
    EXPECT_NULL(shmipc_kv_open(KEY), ENOENT);
    EXPECT_NULL(shmipc_kv_create(KEY, 0), EINVAL);
    EXPECT_NULL(shmipc_kv_create(KEY, SHMIPC_VALUE_CAPACITY_MAX + 1), EINVAL);
    struct shmipc_kv *w = shmipc_kv_create(KEY, 16);
    assert_non_null(w);
    EXPECT_NULL(shmipc_kv_create(KEY, 16), EEXIST);
    EXPECT_FAIL(shmipc_kv_put(w, "0123456789abcdefX", 17), E2BIG);
    assert_int_equal(shmipc_kv_put(w, "0123456789", 10), 0);
    EXPECT_FAIL(shmipc_kv_get(w, buf, sizeof(buf)), ERANGE);
    assert_int_equal(shmipc_kv_destroy(w), 0);
    /* a segment that is not a kv value */
    int id = shmget(KEY, 4096, IPC_CREAT | IPC_EXCL | 0600);
    assert_int_not_equal(id, -1);
    EXPECT_NULL(shmipc_kv_open(KEY), EPROTO);
    assert_int_equal(shmctl(id, IPC_RMID, NULL), 0);
}

static void kv_hostile_peer(void **state)
{
    (void)state;
    char buf[64];
    struct shmipc_kv *kv = shmipc_kv_create(KEY, 16);
    assert_non_null(kv);
    assert_int_equal(shmipc_kv_put(kv, "abc", 3), 0);
    struct shmipc_value_hdr *h = peer_attach(KEY);
    h->len = 0xffffffffu;
    EXPECT_FAIL(shmipc_kv_get(kv, buf, sizeof(buf)), EBADMSG);
    h->seq |= 1u; /* a writer that died inside put */
    EXPECT_FAIL(shmipc_kv_get(kv, buf, sizeof(buf)), EAGAIN);
    assert_int_equal(shmipc_kv_put(kv, "ok", 2), 0); /* a new put recovers */
    assert_int_equal(shmipc_kv_get(kv, buf, sizeof(buf)), 2);
    h->capacity = 1u << 30; /* the open handle keeps its validated capacity */
    memset(h->text, 'A', 17);
    h->len = 17;
    EXPECT_FAIL(shmipc_kv_get(kv, buf, sizeof(buf)), EBADMSG);
    EXPECT_NULL(shmipc_kv_open(KEY), EPROTO);
    assert_int_equal(shmdt(h), 0);
    assert_int_equal(shmipc_kv_destroy(kv), 0);
}

/* ---- records ----------------------------------------------------------------------------- */

static struct shmipc_record rec(int32_t id, const char *name)
{
    struct shmipc_record r = {.id = id};
    snprintf(r.name, sizeof(r.name), "%s", name);
    return r;
}

static void records_roundtrip(void **state)
{
    (void)state;
    struct shmipc_record out;
    struct shmipc_records *a = shmipc_records_create(KEY, 4);
    assert_non_null(a);
    assert_int_equal(sysv_mode(KEY), 0600);
    struct shmipc_record in = rec(7, "seven");
    assert_int_equal(shmipc_records_put(a, 3, &in, 0), 0);
    struct shmipc_records *b = shmipc_records_open(KEY, 0);
    assert_non_null(b);
    assert_int_equal(shmipc_records_count(b), 4);
    assert_int_equal(shmipc_records_get(b, 3, &out, 0), 0);
    assert_int_equal(out.id, 7);
    assert_string_equal(out.name, "seven");
    /* read-modify-write excludes a second updater */
    assert_int_equal(shmipc_records_begin(a, 3, &out, 0), 0);
    EXPECT_FAIL(shmipc_records_begin(a, 3, &out, 0), EBUSY);
    EXPECT_FAIL(shmipc_records_begin(b, 3, &out, 0), EAGAIN);
    EXPECT_FAIL(shmipc_records_get(b, 3, &out, 30), ETIMEDOUT);
    out.id++;
    assert_int_equal(shmipc_records_commit(a, &out), 0);
    assert_int_equal(shmipc_records_begin(b, 3, &out, 0), 0);
    assert_int_equal(out.id, 8);
    assert_int_equal(shmipc_records_abort(b), 0);
    assert_int_equal(shmipc_records_close(b), 0);
    assert_int_equal(shmipc_records_destroy(a), 0);
    assert_int_equal(objects_left(KEY), 0);
}

static void records_errors(void **state)
{
    (void)state;
    struct shmipc_record out, bad;
    memset(&bad, 'x', sizeof(bad));
    EXPECT_NULL(shmipc_records_open(KEY, 0), ENOENT);
    EXPECT_NULL(shmipc_records_create(KEY, 0), EINVAL);
    struct shmipc_records *a = shmipc_records_create(KEY, 2);
    assert_non_null(a);
    EXPECT_NULL(shmipc_records_create(KEY, 2), EEXIST);
    EXPECT_NULL(shmipc_records_open(KEY, 8), EPROTO); /* size mismatch on a reused key */
    EXPECT_FAIL(shmipc_records_get(a, 2, &out, 0), ERANGE);
    EXPECT_FAIL(shmipc_records_put(a, 0, &bad, 0), EINVAL);
    EXPECT_FAIL(shmipc_records_commit(a, &out), EINVAL);
    EXPECT_FAIL(shmipc_records_get(a, 0, &out, -1), EINVAL);
    /* a peer that leaves a name unterminated */
    struct shmipc_records_hdr *h = peer_attach(KEY);
    memset(h->rec[1].name, 'A', sizeof(h->rec[1].name));
    assert_int_equal(shmipc_records_get(a, 1, &out, 0), 0);
    assert_int_equal(strlen(out.name), SHMIPC_NAME_LEN - 1);
    h->count = 1000; /* and one that lies about the size */
    EXPECT_NULL(shmipc_records_open(KEY, 0), EPROTO);
    assert_int_equal(shmdt(h), 0);
    assert_int_equal(shmipc_records_destroy(a), 0);
}

static void records_lock_survives_peer_death(void **state)
{
    (void)state;
    struct shmipc_record out;
    struct shmipc_records *a = shmipc_records_create(KEY, 1);
    assert_non_null(a);
    pid_t pid = fork();
    assert_int_not_equal(pid, -1);
    if (pid == 0) {
        struct shmipc_records *c = shmipc_records_open(KEY, 1);
        _exit(c != NULL && shmipc_records_begin(c, 0, &out, 0) == 0 ? 0 : 1); /* dies locked */
    }
    int st;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    assert_int_equal(shmipc_records_begin(a, 0, &out, 0), 0); /* SEM_UNDO released it */
    assert_int_equal(shmipc_records_abort(a), 0);
    assert_int_equal(shmipc_records_destroy(a), 0);
}

/* ---- ring -------------------------------------------------------------------------------- */

static void ring_fifo_across_wrap(void **state)
{
    (void)state;
    char buf[16];
    struct shmipc_ring *p = shmipc_ring_create(KEY, 2, 8, SHMIPC_PRODUCER);
    assert_non_null(p);
    assert_int_equal(sysv_mode(KEY), 0600);
    struct shmipc_ring *c = shmipc_ring_open(KEY, SHMIPC_CONSUMER);
    assert_non_null(c);
    EXPECT_FAIL(shmipc_ring_recv(c, buf, sizeof(buf), 0), EAGAIN);
    /* keep one message queued so head and tail both wrap several times */
    assert_int_equal(shmipc_ring_send(p, "a", 1, 0), 0);
    for (char m = 'b'; m < 'h'; m++) {
        char msg[3] = {m, m, m};
        size_t len = (size_t)(m - 'a') % 3 + 1;
        assert_int_equal(shmipc_ring_send(p, msg, len, 0), 0);
        EXPECT_FAIL(shmipc_ring_send(p, "full", 4, 0), EAGAIN);
        assert_int_equal(shmipc_ring_recv(c, buf, sizeof(buf), 0), (m - 'b') % 3 + 1);
        assert_int_equal(buf[0], m - 1);
    }
    assert_int_equal(shmipc_ring_recv(c, buf, sizeof(buf), 0), 1); /* "g" */
    assert_int_equal(buf[0], 'g');
    EXPECT_FAIL(shmipc_ring_send(p, "toolongmsg", 10, 0), EMSGSIZE);
    EXPECT_FAIL(shmipc_ring_send(c, "x", 1, 0), EPERM);
    EXPECT_FAIL(shmipc_ring_recv(p, buf, sizeof(buf), 0), EPERM);
    assert_int_equal(shmipc_ring_send(p, "1234", 4, 0), 0);
    EXPECT_FAIL(shmipc_ring_recv(c, buf, 2, 0), EMSGSIZE);
    assert_int_equal(shmipc_ring_recv(c, buf, sizeof(buf), 0), 4); /* still there */
    EXPECT_FAIL(shmipc_ring_recv(c, buf, sizeof(buf), 30), ETIMEDOUT);
    assert_int_equal(shmipc_ring_close(c), 0);
    assert_int_equal(shmipc_ring_destroy(p), 0);
    assert_int_equal(objects_left(KEY), 0);
}

static void ring_consumer_sees_producer_death(void **state)
{
    (void)state;
    char buf[16];
    struct shmipc_ring *c = shmipc_ring_create(KEY, 4, 8, SHMIPC_CONSUMER);
    assert_non_null(c);
    EXPECT_FAIL(shmipc_ring_recv(c, buf, sizeof(buf), 0), EAGAIN); /* no producer yet */
    pid_t pid = fork();
    assert_int_not_equal(pid, -1);
    if (pid == 0) {
        struct shmipc_ring *p = shmipc_ring_open(KEY, SHMIPC_PRODUCER);
        if (p == NULL || shmipc_ring_send(p, "last", 4, 0) == -1)
            _exit(1);
        raise(SIGKILL); /* no close: only the kernel's SEM_UNDO can tell the consumer */
    }
    int st;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFSIGNALED(st));
    assert_int_equal(shmipc_ring_recv(c, buf, sizeof(buf), 1000), 4); /* queued before death */
    EXPECT_FAIL(shmipc_ring_recv(c, buf, sizeof(buf), 10000), EPIPE); /* not a 10 s wait */
    assert_int_equal(shmipc_ring_destroy(c), 0);
}

static void ring_cross_process(void **state)
{
    (void)state;
    char buf[16];
    struct shmipc_ring *c = shmipc_ring_create(KEY, 2, 8, SHMIPC_CONSUMER);
    assert_non_null(c);
    pid_t pid = fork();
    assert_int_not_equal(pid, -1);
    if (pid == 0) {
        struct shmipc_ring *p = shmipc_ring_open(KEY, SHMIPC_PRODUCER);
        for (int i = 0; p != NULL && i < 50; i++)
            if (shmipc_ring_send(p, &i, sizeof(i), 5000) == -1)
                _exit(1);
        _exit(p != NULL && shmipc_ring_close(p) == 0 ? 0 : 1);
    }
    for (int i = 0; i < 50; i++) {
        int got = -1;
        assert_int_equal(shmipc_ring_recv(c, &got, sizeof(got), 5000), sizeof(got));
        assert_int_equal(got, i);
    }
    int st;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    EXPECT_FAIL(shmipc_ring_recv(c, buf, sizeof(buf), 1000), EPIPE);
    assert_int_equal(shmipc_ring_destroy(c), 0);
}

static void ring_hostile_peer(void **state)
{
    (void)state;
    char buf[16];
    struct shmipc_ring *p = shmipc_ring_create(KEY, 2, 8, SHMIPC_PRODUCER);
    struct shmipc_ring *c = shmipc_ring_open(KEY, SHMIPC_CONSUMER);
    assert_non_null(p);
    assert_non_null(c);
    struct shmipc_ring_hdr *h = peer_attach(KEY);
    assert_int_equal(shmipc_ring_send(p, "ab", 2, 0), 0);
    h->tail = 0xffffffffu;
    EXPECT_FAIL(shmipc_ring_recv(c, buf, sizeof(buf), 0), EBADMSG);
    h->tail = 0;
    shmipc_ring_lens(h, 2, 8)[0] = 1000;
    EXPECT_FAIL(shmipc_ring_recv(c, buf, sizeof(buf), 0), EBADMSG);
    shmipc_ring_lens(h, 2, 8)[0] = 2;
    assert_int_equal(shmipc_ring_recv(c, buf, sizeof(buf), 0), 2); /* undone, not lost */
    h->head = 77;
    EXPECT_FAIL(shmipc_ring_send(p, "x", 1, 0), EBADMSG);
    h->slots = 100000;
    EXPECT_NULL(shmipc_ring_open(KEY, SHMIPC_CONSUMER), EPROTO);
    assert_int_equal(shmdt(h), 0);
    assert_int_equal(shmipc_ring_close(c), 0);
    assert_int_equal(shmipc_ring_destroy(p), 0);
    assert_int_equal(objects_left(KEY), 0);
}

/* ---- file -------------------------------------------------------------------------------- */

static void file_roundtrip_at(const char *name, const char *path)
{
    char buf[64];
    struct stat st;
    struct shmipc_file *w = shmipc_file_create(name, 32);
    assert_non_null(w);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    EXPECT_NULL(shmipc_file_create(name, 32), EEXIST);
    assert_int_equal(shmipc_file_put(w, "persistent", 10), 0);
    struct shmipc_file *r = shmipc_file_open(name);
    assert_non_null(r);
    assert_int_equal(shmipc_file_get(r, buf, sizeof(buf)), 10);
    assert_string_equal(buf, "persistent");
    assert_int_equal(shmipc_file_close(r), 0);
    assert_int_equal(shmipc_file_close(w), 0);
    r = shmipc_file_open(name); /* still there with nobody attached */
    assert_non_null(r);
    assert_int_equal(shmipc_file_get(r, buf, sizeof(buf)), 10);
    assert_int_equal(shmipc_file_destroy(r), 0);
    assert_int_equal(access(path, F_OK), -1);
}

static void file_roundtrip(void **state)
{
    (void)state;
    file_roundtrip_at("/shmipc-test", "/dev/shm/shmipc-test");
    char dir[] = "/tmp/shmipc-test-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[64];
    snprintf(path, sizeof(path), "%s/value", dir);
    file_roundtrip_at(path, path);
    assert_int_equal(rmdir(dir), 0);
}

static void file_errors(void **state)
{
    (void)state;
    EXPECT_NULL(shmipc_file_open("/shmipc-none"), ENOENT);
    EXPECT_NULL(shmipc_file_create("", 8), EINVAL);
    EXPECT_NULL(shmipc_file_create("/x", 0), EINVAL);
    int fd = open("/dev/shm/shmipc-junk", O_CREAT | O_EXCL | O_RDWR, 0600);
    assert_int_not_equal(fd, -1);
    assert_int_equal(ftruncate(fd, 4096), 0);
    close(fd);
    EXPECT_NULL(shmipc_file_open("/shmipc-junk"), EPROTO);
    assert_int_equal(unlink("/dev/shm/shmipc-junk"), 0);
}

/* After each test: remove what a failed test left under KEY, so one failure stays one. */
/* ---- guard: another program's objects at our keys and names ------------------------------ */

/* A guard that knows what libshmipc created here and calls everything else foreign. */
static int guard_ids[16];
static unsigned guard_nids;
static char guard_name[64];

static void guard_created(enum shmipc_object kind, int id, const char *name)
{
    if (kind == SHMIPC_OBJ_POSIX_SHM)
        snprintf(guard_name, sizeof(guard_name), "%s", name);
    else if (guard_nids < 16)
        guard_ids[guard_nids++] = id;
}

static int guard_foreign(enum shmipc_object kind, int id, const char *name, int fd)
{
    (void)fd;
    if (kind == SHMIPC_OBJ_POSIX_SHM)
        return strcmp(name, guard_name) != 0;
    for (unsigned i = 0; i < guard_nids; i++)
        if (guard_ids[i] == id)
            return 0;
    return 1;
}

static const struct shmipc_guard test_guard = {guard_created, guard_foreign};

static void guard_keeps_off_foreign(void **state)
{
    (void)state;
    guard_nids = 0;
    guard_name[0] = '\0';
    shmipc_set_guard(&test_guard);
    /* someone else's segment, set and POSIX object at our key and name */
    int fshm = shmget(KEY, 4096, IPC_CREAT | IPC_EXCL | 0600);
    int fsem = semget(KEY, 3, IPC_CREAT | IPC_EXCL | 0600);
    int ffd = shm_open("/sfzt-guard", O_RDWR | O_CREAT | O_EXCL, 0600);
    assert_true(fshm != -1 && fsem != -1 && ffd != -1);
    assert_int_equal(ftruncate(ffd, 4096), 0);
    close(ffd);
    EXPECT_NULL(shmipc_kv_open(KEY), ENOENT);
    EXPECT_NULL(shmipc_records_open(KEY, 0), ENOENT);
    EXPECT_NULL(shmipc_ring_open(KEY, SHMIPC_CONSUMER), ENOENT);
    EXPECT_NULL(shmipc_file_open("/sfzt-guard"), ENOENT);
    /* our own, created through the library, are reported and reachable */
    struct shmipc_kv *kv = shmipc_kv_create(KEY + 1, 16);
    assert_non_null(kv);
    assert_int_equal(guard_nids, 1);
    struct shmipc_kv *again = shmipc_kv_open(KEY + 1);
    assert_non_null(again);
    assert_int_equal(shmipc_kv_close(again), 0);
    /* the id of ours names someone else's now (as after a wrap): its removal is refused */
    guard_nids = 0;
    EXPECT_FAIL(shmipc_kv_destroy(kv), EINVAL);
    assert_int_equal(objects_left(KEY + 1), 1);
    guard_nids = 1;
    assert_int_equal(shmipc_kv_destroy(kv), 0);
    assert_int_equal(objects_left(KEY + 1), 0);
    struct shmipc_file *f = shmipc_file_create("/sfzt-guard-2", 16);
    assert_non_null(f);
    assert_string_equal(guard_name, "/sfzt-guard-2");
    assert_int_equal(shmipc_file_destroy(f), 0);
    /* the foreign objects are all still there */
    struct shmid_ds ds;
    assert_int_equal(shmctl(fshm, IPC_STAT, &ds), 0);
    assert_int_equal(ds.shm_nattch, 0);
    assert_int_equal(semctl(fsem, 0, GETVAL), 0);
    assert_int_equal(shm_unlink("/sfzt-guard"), 0);
    shmipc_set_guard(NULL);
}

static int remove_leftovers(void **state)
{
    (void)state;
    int id = shmget(KEY, 0, 0);
    if (id != -1)
        (void)shmctl(id, IPC_RMID, NULL);
    id = semget(KEY, 0, 0);
    if (id != -1)
        (void)semctl(id, 0, IPC_RMID);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(kv_roundtrip, remove_leftovers),
        cmocka_unit_test_teardown(kv_errors, remove_leftovers),
        cmocka_unit_test_teardown(kv_hostile_peer, remove_leftovers),
        cmocka_unit_test_teardown(records_roundtrip, remove_leftovers),
        cmocka_unit_test_teardown(records_errors, remove_leftovers),
        cmocka_unit_test_teardown(records_lock_survives_peer_death, remove_leftovers),
        cmocka_unit_test_teardown(ring_fifo_across_wrap, remove_leftovers),
        cmocka_unit_test_teardown(ring_consumer_sees_producer_death, remove_leftovers),
        cmocka_unit_test_teardown(ring_cross_process, remove_leftovers),
        cmocka_unit_test_teardown(ring_hostile_peer, remove_leftovers),
        cmocka_unit_test_teardown(file_roundtrip, remove_leftovers),
        cmocka_unit_test_teardown(file_errors, remove_leftovers),
        cmocka_unit_test_teardown(guard_keeps_off_foreign, remove_leftovers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
