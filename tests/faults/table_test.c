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
#include <sys/ipc.h>
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rows_match_man_pages),
        cmocka_unit_test(errno_names),
        cmocka_unit_test(linked_interposers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
