/*
 * table_test.c - libshmfault's function table against the Linux man pages' facts (ERRORS
 * sections of shmget(2), shmop(2), shmctl(2), ftok(3), semget(2), semop(2), semctl(2),
 * shm_open(3), memfd_create(2), truncate(2), mmap(2), sem_open(3), sem_close(3),
 * sem_unlink(3), sem_wait(3), sem_post(3), fork(2)), written here independently of
 * functions.def, plus the lookups of the public API. Also an in-process check of the linked
 * interposers: armed faults fire, disarmed calls pass, the ledger sees what is created.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <fcntl.h>
#include <sys/ipc.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/sem.h>
#include <sys/shm.h>

#include <cmocka.h>

#include "shmfault.h"

static const struct {
    const char *fn;
    int errs[12];
} facts[] = {
    {"shmget", {EACCES, EEXIST, EINVAL, ENFILE, ENOENT, ENOMEM, ENOSPC, EPERM}},
    {"shmat", {EACCES, EIDRM, EINVAL, ENOMEM}},
    {"shmdt", {EINVAL}},
    {"shmctl", {EACCES, EFAULT, EIDRM, EINVAL, ENOMEM, EOVERFLOW, EPERM}},
    {"ftok", {EACCES, EBADF, EFAULT, ELOOP, ENAMETOOLONG, ENOENT, ENOMEM, ENOTDIR, EOVERFLOW}},
    {"semget", {EACCES, EEXIST, EINVAL, ENOENT, ENOMEM, ENOSPC}},
    {"semop", {E2BIG, EACCES, EAGAIN, EFAULT, EFBIG, EIDRM, EINTR, EINVAL, ENOMEM, ERANGE}},
    {"semtimedop", {E2BIG, EACCES, EAGAIN, EFAULT, EFBIG, EIDRM, EINTR, EINVAL, ENOMEM, ERANGE}},
    {"semctl", {EACCES, EFAULT, EIDRM, EINVAL, EPERM, ERANGE}},
    {"shm_open", {EACCES, EEXIST, EINVAL, EMFILE, ENAMETOOLONG, ENFILE, ENOENT}},
    {"shm_unlink", {EACCES, ENAMETOOLONG, ENOENT}},
    {"memfd_create", {EFAULT, EINVAL, EMFILE, ENFILE, ENOMEM, EPERM}},
    {"ftruncate", {EBADF, EFBIG, EINTR, EINVAL, EIO, EPERM, ETXTBSY}},
    {"mmap", {EACCES, EAGAIN, EBADF, EEXIST, EINVAL, ENFILE, ENODEV, ENOMEM, EOVERFLOW, EPERM, ETXTBSY}},
    {"munmap", {EINVAL, ENOMEM}},
    {"sem_open", {EACCES, EEXIST, EINVAL, EMFILE, ENAMETOOLONG, ENFILE, ENOENT, ENOMEM}},
    {"sem_close", {EINVAL}},
    {"sem_unlink", {EACCES, ENAMETOOLONG, ENOENT}},
    {"sem_wait", {EINTR, EINVAL}},
    {"sem_timedwait", {EINTR, EINVAL, ETIMEDOUT}},
    {"sem_trywait", {EAGAIN, EINTR, EINVAL}},
    {"sem_post", {EINVAL, EOVERFLOW}},
    {"fork", {EAGAIN, ENOMEM}},
    {"sem_clockwait", {EINTR, EINVAL, ETIMEDOUT}}, /* glibc manual: as sem_timedwait */
};
#define NFACTS (sizeof(facts) / sizeof(facts[0]))

static void rows_match_man_pages(void **state)
{
    (void)state;
    assert_int_equal(shmfault_function_count(), NFACTS);
    for (unsigned i = 0; i < NFACTS; i++) {
        /* the order is part of the contract: the harness enumerates by index */
        assert_string_equal(shmfault_function_name(i), facts[i].fn);
        assert_int_equal(shmfault_function_lookup(facts[i].fn), (int)i);
        const int *errs;
        unsigned n = shmfault_function_errnos(i, &errs), want = 0;
        while (want < 12 && facts[i].errs[want] != 0)
            want++;
        if (n != want)
            fail_msg("%s documents %u errnos, table has %u", facts[i].fn, want, n);
        for (unsigned k = 0; k < n; k++)
            if (errs[k] != facts[i].errs[k])
                fail_msg("%s errno %u: %s, man page says %s", facts[i].fn, k,
                         shmfault_errno_name(errs[k]), shmfault_errno_name(facts[i].errs[k]));
    }
    assert_null(shmfault_function_name(NFACTS));
    assert_int_equal(shmfault_function_lookup("open"), -1);
}

static void errno_names(void **state)
{
    (void)state;
    assert_string_equal(shmfault_errno_name(ENOMEM), "ENOMEM");
    assert_string_equal(shmfault_errno_name(EAGAIN), "EAGAIN");
    assert_int_equal(shmfault_errno_lookup("EIDRM"), EIDRM);
    assert_int_equal(shmfault_errno_lookup("ENOPE"), -1);
    assert_null(shmfault_errno_name(99999));
    for (unsigned i = 0; i < NFACTS; i++)
        for (unsigned k = 0; k < 12 && facts[i].errs[k]; k++)
            assert_non_null(shmfault_errno_name(facts[i].errs[k]));
}

static void linked_interposers(void **state)
{
    struct shmfault_injection inj;
    struct shmfault_object objs[4];
    (void)state;
    shmfault_disarm();
    shmfault_reset();
    assert_int_equal(shmfault_rules_set("shmget@2=ENOSPC", NULL), 0);
    int a = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600); /* disarmed: not counted */
    assert_true(a >= 0);
    assert_int_equal(shmfault_calls(0), 0);
    shmfault_arm();
    int b = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
    errno = 0;
    int c = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
    int e = errno;
    shmfault_disarm();
    assert_true(b >= 0);
    assert_int_equal(c, -1);
    assert_int_equal(e, ENOSPC);
    assert_int_equal(shmfault_calls(0), 2);
    assert_int_equal(shmfault_fired(0), 1);
    assert_int_equal(shmfault_injections(), 1);
    assert_int_equal(shmfault_last_injection(&inj), 0);
    assert_int_equal(inj.function, 0);
    assert_int_equal(inj.action, SHMFAULT_ACT_ERRNO);
    assert_int_equal(inj.value, ENOSPC);
    assert_int_equal(inj.call_number, 2);
    /* both segments are in the ledger (linked: it records armed or not) */
    assert_int_equal(shmfault_ledger_live(objs, 4), 2);
    shmctl(a, IPC_RMID, NULL);
    assert_int_equal(shmfault_ledger_live(objs, 4), 1);
    assert_int_equal(objs[0].id, b);
    shmctl(b, IPC_RMID, NULL);
    assert_int_equal(shmfault_ledger_live(NULL, 0), 0);
    shmfault_reset();
    assert_int_equal(shmfault_last_injection(&inj), -1);
    shmfault_rules_clear();
}

/* ---- realistic errnos (realistic.def) --------------------------------------------------- */

/* Class values worth asking about: every flag combination and command the table classes. */
static const unsigned long class_values[] = {
    0, IPC_CREAT, IPC_CREAT | IPC_EXCL, IPC_NOWAIT, SEM_UNDO, IPC_NOWAIT | SEM_UNDO,
    IPC_RMID, IPC_SET, IPC_STAT, IPC_INFO, SHM_STAT, SHM_INFO, SHM_LOCK, SHM_UNLOCK,
    SEM_STAT, SEM_INFO, GETVAL, SETVAL, GETALL, SETALL, GETPID, GETNCNT, GETZCNT,
    O_CREAT, O_CREAT | O_EXCL, O_RDWR, MAP_SHARED, MAP_SHARED | MAP_LOCKED, MAP_ANONYMOUS,
};

static int has(const int *list, unsigned n, int err)
{
    for (unsigned i = 0; i < n; i++)
        if (list[i] == err)
            return 1;
    return 0;
}

static unsigned realistic(const char *fn, unsigned long cls, int peer, int *out)
{
    int i = shmfault_function_lookup(fn);
    assert_true(i >= 0);
    unsigned n = shmfault_errnos_realistic((unsigned)i, cls, peer, out, 16);
    assert_true(n <= 16);
    return n;
}

/* Every realistic or peer errno is one the man page documents; EFAULT never is realistic. */
static void realistic_subset_of_documented(void **state)
{
    (void)state;
    int out[16];
    for (unsigned f = 0; f < shmfault_function_count(); f++) {
        const int *doc;
        unsigned ndoc = shmfault_function_errnos(f, &doc);
        assert_non_null(shmfault_errnos_class(f, 0));
        for (size_t c = 0; c < sizeof(class_values) / sizeof(class_values[0]); c++) {
            unsigned n = shmfault_errnos_realistic(f, class_values[c], 1, out, 16);
            unsigned nreal = shmfault_errnos_realistic(f, class_values[c], 0, NULL, 0);
            assert_true(nreal <= n);
            for (unsigned k = 0; k < n; k++) {
                if (!has(doc, ndoc, out[k]))
                    fail_msg("%s: realistic %s is not documented", shmfault_function_name(f),
                             shmfault_errno_name(out[k]));
                assert_int_not_equal(out[k], EFAULT);
            }
        }
    }
    assert_int_equal(shmfault_errnos_realistic(shmfault_function_count(), 0, 1, out, 16), 0);
}

/* The impossible injections real programs were given (issue 11) are gone from the default. */
static void realistic_by_class(void **state)
{
    (void)state;
    int out[16];
    unsigned n = realistic("shmctl", IPC_RMID, 0, out);
    assert_int_equal(n, 1);
    assert_int_equal(out[0], EPERM); /* not EACCES, EFAULT, ENOMEM, EOVERFLOW, EIDRM */
    n = realistic("shmctl", IPC_RMID, 1, out);
    assert_true(has(out, n, EIDRM) && has(out, n, EINVAL) && !has(out, n, EACCES));
    n = realistic("shmctl", IPC_STAT, 0, out);
    assert_true(has(out, n, EACCES) && !has(out, n, EPERM));
    n = realistic("shm_unlink", 0, 0, out);
    assert_true(!has(out, n, ENOENT) && has(out, n, EACCES));
    assert_int_equal(realistic("sem_post", 0, 1, out), 0);
    assert_int_equal(realistic("munmap", 0, 1, out), 0);
    assert_int_equal(realistic("shmdt", 0, 1, out), 0);
    n = realistic("semop", IPC_NOWAIT, 0, out);
    assert_true(has(out, n, EAGAIN) && !has(out, n, EINTR) && !has(out, n, ENOMEM));
    n = realistic("semop", 0, 0, out);
    assert_true(has(out, n, EINTR) && !has(out, n, EAGAIN) && !has(out, n, EIDRM));
    n = realistic("semop", SEM_UNDO, 0, out);
    assert_true(has(out, n, ENOMEM) && has(out, n, EINTR));
    n = realistic("shmget", IPC_CREAT | IPC_EXCL, 0, out);
    assert_true(has(out, n, EEXIST) && has(out, n, ENOSPC) && !has(out, n, ENOENT));
    n = realistic("shmget", 0, 1, out);
    assert_true(has(out, n, ENOENT) && !has(out, n, ENOSPC));
    n = realistic("semctl", SETVAL, 0, out);
    assert_true(has(out, n, EACCES) && !has(out, n, ERANGE));
    assert_string_equal(shmfault_errnos_class((unsigned)shmfault_function_lookup("semctl"),
                                              IPC_RMID), "IPC_RMID");
    n = realistic("mmap", MAP_SHARED, 0, out);
    assert_true(n == 1 && out[0] == ENOMEM);
}

/* image=NAME (rules.c): a command name of 1..15 characters, not together with caller=. */
static void image_selector(void **state)
{
    (void)state;
    struct shmfault_error err;
    assert_int_equal(shmfault_rules_check("shmat@1=ENOMEM,image=e-reader,proc=first", &err), 0);
    assert_int_equal(shmfault_rules_check("shmat@1=ENOMEM,image=", &err), -1);
    assert_int_equal(shmfault_rules_check("shmat@1=ENOMEM,image=sixteen-chars-xx", &err), -1);
    assert_non_null(strstr(err.msg, "image="));
    assert_int_equal(shmfault_rules_check("shmat@1=ENOMEM,image=a,caller=b", &err), -1);
    assert_int_equal(shmfault_rules_check("shmat@1=ENOMEM,caller=b,image=a", &err), -1);
    /* this test's own command name selects its calls; another name selects none */
    char comm[17] = "", rule[64];
    assert_int_equal(prctl(PR_GET_NAME, comm, 0, 0, 0), 0);
    snprintf(rule, sizeof(rule), "shmget@1=ENOSPC,image=%s", comm);
    assert_int_equal(shmfault_rules_set(rule, &err), 0);
    shmfault_arm();
    int id = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
    int e = errno;
    shmfault_disarm();
    assert_int_equal(id, -1);
    assert_int_equal(e, ENOSPC);
    assert_int_equal(shmfault_rules_set("shmget@1=ENOSPC,image=someone-else", &err), 0);
    shmfault_arm();
    id = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
    shmfault_disarm();
    assert_true(id >= 0);
    shmctl(id, IPC_RMID, NULL);
    shmfault_rules_clear();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rows_match_man_pages),
        cmocka_unit_test(errno_names),
        cmocka_unit_test(linked_interposers),
        cmocka_unit_test(realistic_subset_of_documented),
        cmocka_unit_test(realistic_by_class),
        cmocka_unit_test(image_selector),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
