/*
 * table_test.c - libshmfault's function table against the Linux man pages' facts (ERRORS
 * sections of shmget(2), shmop(2), shmctl(2), ftok(3), semget(2), semop(2), semctl(2),
 * shm_open(3), memfd_create(2), truncate(2), mmap(2), sem_open(3), sem_close(3),
 * sem_unlink(3), sem_wait(3), sem_post(3), fork(2)), written here independently of
 * functions.def, plus the lookups of the public API. Also an in-process check of the linked
 * interposers: armed faults fire, disarmed calls pass, the ledger sees what is created; and
 * every row's traced-argument column against what its (generated or hand-written) interposer
 * really prints in the trace.
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
#include <sys/wait.h>
#include <semaphore.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

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
    /* what the code asked after the failure, not before it (the bad-error oracle's question) */
    assert_int_equal(shmfault_calls_after_injection(), 0);
    struct shmid_ds ds;
    assert_int_equal(shmctl(b, IPC_STAT, &ds), 0);
    assert_int_equal(shmfault_calls_after_injection(), 1);
    /* the kernel's own failures are counted apart from injected ones (an IPC_STAT of no
       segment: EINVAL); disarmed calls are not counted */
    assert_int_equal(shmfault_failures(), 0);
    assert_int_equal(shmctl(-1, IPC_STAT, &ds), -1);
    assert_int_equal(shmfault_failures(), 1);
    shmfault_disarm();
    assert_int_equal(shmctl(-1, IPC_STAT, &ds), -1);
    assert_int_equal(shmfault_failures(), 1);
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
    assert_int_equal(shmfault_calls_after_injection(), 0);
    assert_int_equal(shmfault_failures(), 0);
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

/* ---- traced arguments: functions.def's column is what the trace prints ------------------- */

/* The table's own column, read from the source (not from the library under test). */
static const struct {
    const char *fn, *args;
} table_args[] = {
#define SF_FN(name, fail, effect, args, errs) {#name, args},
#include "../../faults/src/functions.def"
#undef SF_FN
};
#define NROWS (sizeof(table_args) / sizeof(table_args[0]))

/* Next space-separated word of *P into W; 0 at the end (the trace's args end at their closing
 * quote). KEYS: only a key (up to '='); a word with no '=' continues the value before it (a
 * value such as "(bad address)" has a space). */
static int next_word(const char **p, char *w, size_t size, int keys)
{
    for (;;) {
        size_t n = 0;
        while (**p == ' ')
            (*p)++;
        if (**p == '\0' || **p == '"')
            return 0;
        for (; **p && **p != ' ' && **p != '"'; (*p)++)
            if (n + 1 < size)
                w[n++] = **p;
        w[n] = '\0';
        if (!keys)
            return 1;
        char *eq = strchr(w, '=');
        if (eq) {
            *eq = '\0';
            return 1;
        }
    }
}

/* Do the keys of ARGS (the trace's text, up to its closing quote) follow COLUMN? A [key] in
 * the column may be there or not. */
static int keys_follow(const char *column, const char *args)
{
    char want[32], got[64];
    const char *c = column, *a = args;
    int have = next_word(&a, got, sizeof(got), 1);
    while (next_word(&c, want, sizeof(want), 0)) {
        size_t len = strlen(want);
        if (want[0] == '[' && want[len - 1] == ']') {
            want[len - 1] = '\0';
            if (have && strcmp(got, want + 1) == 0)
                have = next_word(&a, got, sizeof(got), 1);
            continue;
        }
        if (!have || strcmp(got, want) != 0)
            return 0;
        have = next_word(&a, got, sizeof(got), 1);
    }
    return !have;
}

/* One valid call of every intercepted function (and the odd cases a row's column names). */
static void call_everything(void)
{
    struct sembuf two[2] = {{0, 1, IPC_NOWAIT}, {1, 1, SEM_UNDO}}, down = {0, -1, IPC_NOWAIT};
    struct timespec rel = {1, 0}, abs;
    struct shmid_ds ds;
    union {
        int val;
        void *ptr;
    } one = {.val = 1}; /* the caller's union semun */
    int shm = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
    void *at = shmat(shm, NULL, 0);
    assert_int_equal(shmdt(at), 0);
    assert_int_equal(shmctl(shm, IPC_STAT, &ds), 0);
    assert_int_equal(shmctl(shm, IPC_RMID, NULL), 0);
    assert_int_not_equal(ftok("/", 1), -1);
    int sem = semget(IPC_PRIVATE, 2, IPC_CREAT | 0600);
    assert_true(sem >= 0);
    assert_int_equal(semop(sem, two, 2), 0);
    assert_int_equal(semtimedop(sem, &down, 1, &rel), 0);
    assert_int_equal(semop(sem, (struct sembuf *)8, 1), -1); /* the kernel's EFAULT */
    assert_int_equal(semctl(sem, 0, SETVAL, one), 0);
    assert_int_equal(semctl(sem, 0, GETVAL), 1);
    assert_int_equal(semctl(sem, 0, IPC_RMID), 0);
    int fd = shm_open("/sf-table-args", O_CREAT | O_RDWR, 0600);
    assert_true(fd >= 0);
    assert_int_equal(ftruncate(fd, 4096), 0);
    void *m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    assert_true(m != MAP_FAILED);
    assert_int_equal(munmap(m, 4096), 0);
    assert_int_equal(shm_unlink("/sf-table-args"), 0);
    close(fd);
    fd = memfd_create("sf-table-args", 0);
    assert_true(fd >= 0);
    close(fd);
    sem_t *s = sem_open("/sf-table-sem", O_CREAT, 0600, 1);
    assert_true(s != SEM_FAILED);
    clock_gettime(CLOCK_REALTIME, &abs);
    abs.tv_sec += 5;
    assert_int_equal(sem_wait(s), 0);
    assert_int_equal(sem_trywait(s), -1); /* EAGAIN: 0 */
    assert_int_equal(sem_post(s), 0);
    assert_int_equal(sem_timedwait(s, &abs), 0);
    assert_int_equal(sem_post(s), 0);
    assert_int_equal(sem_clockwait(s, CLOCK_REALTIME, &abs), 0);
    assert_int_equal(sem_close(s), 0);
    assert_int_equal(sem_unlink("/sf-table-sem"), 0);
    pid_t pid = fork();
    if (pid == 0)
        _exit(0);
    assert_true(pid > 0);
    assert_int_equal(waitpid(pid, NULL, 0), pid);
}

static void traced_args_match_table(void **state)
{
    (void)state;
    char path[] = "/tmp/sf-table-trace.XXXXXX", line[1024];
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    unlink(path);
    assert_int_equal(NROWS, shmfault_function_count());
    shmfault_rules_clear();
    shmfault_reset();
    shmfault_trace_fd(fd);
    shmfault_arm();
    call_everything();
    shmfault_disarm();
    shmfault_trace_fd(-1);

    unsigned seen[NROWS] = {0}, lines = 0;
    int or_flags = 0, bad_sops = 0, setval = 0;
    FILE *f = fdopen(fd, "r");
    assert_non_null(f);
    rewind(f);
    while (fgets(line, sizeof(line), f)) {
        const char *fn = strstr(line, "\"fn\":\""), *args = strstr(line, "\"args\":\"");
        assert_non_null(fn);
        assert_non_null(args);
        fn += 6;
        args += 8;
        int i = -1;
        for (unsigned k = 0; k < NROWS && i < 0; k++)
            if (strncmp(fn, table_args[k].fn, strlen(table_args[k].fn)) == 0 &&
                fn[strlen(table_args[k].fn)] == '"')
                i = (int)k;
        assert_true(i >= 0);
        if (!keys_follow(table_args[i].args, args))
            fail_msg("%s: the table says \"%s\", the trace printed %s", table_args[i].fn,
                     table_args[i].args, args);
        seen[i]++;
        lines++;
        or_flags |= strncmp(fn, "semop\"", 6) == 0 && strstr(args, " flags=0x1800\"") != NULL;
        bad_sops |= strstr(args, "nsops=1 flags=(bad address)\"") != NULL;
        setval |= strstr(args, "cmd=16 val=1\"") != NULL;
        if (strncmp(fn, "semctl\"", 7) == 0 && strstr(args, "cmd=16 ") == NULL)
            assert_null(strstr(args, " val=")); /* [val]: SETVAL's only */
    }
    fclose(f);
    for (unsigned k = 0; k < NROWS; k++)
        if (seen[k] == 0)
            fail_msg("%s was never traced: no check of its column", table_args[k].fn);
    assert_true(lines >= NROWS);
    /* the values the table's names stand for: every operation's sem_flg, read safely */
    assert_true(or_flags);  /* IPC_NOWAIT (0x800) | SEM_UNDO (0x1000) of two operations */
    assert_true(bad_sops);  /* an unreadable sops: no crash, no made-up flags */
    assert_true(setval);    /* semctl's [val], SETVAL (16) only */
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
        cmocka_unit_test(traced_args_match_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
