/*
 * rules_test.c - the rule parser: a table of good rules (each accepted, with what it means
 * checked through the public API where visible) and every refusal with its position and the
 * words of its message. Tables as data; each case prints the rule when it fails.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/shm.h>

#include <cmocka.h>

#include "shmfault.h"

static const struct {
    const char *spec;
    unsigned rules;
} good[] = {
    {"shmat@2=ENOMEM", 1},
    {"semop@3+=EINTR", 1},
    {"shmget@1=SIGKILL,after", 1},
    {"shm_open@1=exit(1)", 1},
    {"shmctl(IPC_RMID)=EPERM", 1},
    {"semctl(IPC_RMID)@1=EINVAL", 1},
    {"mmap(MAP_SHARED)%3=ENOMEM", 1},
    {"shmat(SHM_RDONLY)@1-4=EACCES,times=2", 1},
    {"shmat@3-3=ENOMEM", 1}, /* a range of one call */
    {"shmget(IPC_CREAT)p0.25=ENOSPC", 1},
    {"shmatp0.5=ENOMEM;shmat@p0.5=ENOMEM;shmat@p0=ENOMEM", 3},
    {"semop(SEM_UNDO)p1=EAGAIN,proc=children", 1},
    {"sem_wait=EINTR,proc=first,count=tree", 1},
    {"shmdt=!ENOMEM", 1},
    {"fork@2=EAGAIN", 1},
    {"munmap=abort,caller=libfoo", 1},
    {"shmat@1=SIGSEGV;shmdt@1=SIGBUS", 2},
    {"  shmat@1=ENOMEM ;\n# comment\nsemop@1=EINTR # trailing comment\n", 2},
    {"shmat@1=ENOMEM;", 1},
    {"", 0},
    {"# only a comment\n\n", 0},
    {"shmget@1=exit(255),after,count=process", 1},
    {"semget@1=ENOSPC,image=control,run=2", 1},
    {"semget@1=ENOSPC,run=3,image=control,proc=first", 1}, /* image= may come after run= */
    {"semget@2+=ENOSPC,image=control,run=1000000", 1},
};

static const struct {
    const char *spec;
    int pos;
    const char *words;
} bad[] = {
    {"shmatt@1=ENOMEM", 0, "unknown function 'shmatt' (did you mean shmat?)"},
    {"frobnicate=EINVAL", 0, "unknown function 'frobnicate'"},
    {"shmat@2=ENOENT", 8, "shmat cannot fail with ENOENT (documented: EACCES EIDRM EINVAL ENOMEM"},
    {"shmat@x=ENOMEM", 6, "expected a call number after '@'"},
    {"shmat@0=ENOMEM", 6, "starts at 1"},
    {"shmat@99999999999999999=ENOMEM", 6, "too large"},
    {"shmat@5-2=ENOMEM", 8, "range ends before it starts"},
    {"shmat@3-2=ENOMEM", 8, "range ends before it starts"}, /* the boundary: one before */
    {"shmat%0=ENOMEM", 6, "starts at 1"},
    {"shmat p0.5=ENOMEM", 5, "expected '='"},
    {"shmatp1.5=ENOMEM", 6, "between 0 and 1"},
    {"shmat@p=ENOMEM", 7, "expected a probability"},
    {"shmat@1", 7, "expected '='"},
    {"shmat@1=", 8, "expected an action"},
    {"shmat@1=ENOPE", 8, "unknown errno or action 'ENOPE'"},
    {"shmat@1=ENOMEM,bogus", 15, "unknown option 'bogus'"},
    {"shmat@1=ENOMEM,after", 15, "'after' needs a crash action"},
    {"shmat@1=ENOMEM,times=0", 21, "starts at 1"},
    {"shmat@1=ENOMEM,proc=some", 20, "unknown value 'some' of proc="},
    {"shmat@1=ENOMEM,count=forest", 21, "of count="},
    {"shmat@1=ENOMEM,caller=", 22, "caller= needs"},
    {"shmat@1=ENOMEM junk", 14, "trailing junk ' junk'"},
    {"shmat@1=exit(256)", 13, "exit status is 0..255"},
    {"shmat@1=exit(1", 14, "expected ')'"},
    {"shmat@1=ENOMEM;;semop@1=EINTR", 15, "empty rule"},
    {";shmat@1=ENOMEM", 0, "empty rule"},
    {"shmctl(IPC_FOO)=EPERM", 7, "shmctl has no class 'IPC_FOO' (classes: IPC_STAT"},
    {"shmdt(X)=EINVAL", 6, "shmdt takes no class"},
    {"shmctl(IPC_RMID=EPERM", 15, "expected ')'"},
    {"shmget@1=ENOMEM;semop@2=ENOENT", 24, "semop cannot fail with ENOENT"},
    {"=ENOMEM", 0, "expected a function name"},
    {"semget@1=ENOSPC,image=control,run=0", 34, "starts at 1"},
    {"semget@1=ENOSPC,image=control,run=x", 34, "expected a run number in run=N"},
    {"semget@1=ENOSPC,image=control,run=", 34, "expected a run number in run=N"},
    {"semget@1=ENOSPC,image=control,run=2x", 35, "trailing junk 'x'"},
    {"semget@1=ENOSPC,image=control,run=1000001", 34, "run=N is at most 1000000"},
    {"semget@1=ENOSPC,image=control,run=99999999999999999999", 34, "too large"},
    {"semget@1=ENOSPC,run=2", 16, "run=N needs image=NAME"},
    {"semget@1=ENOSPC,run=2,proc=first", 16, "run=N needs image=NAME"},
    {"semget@1=ENOSPC,caller=libx,run=2", 28, "run=N needs image=NAME"},
};

static void good_rules(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        struct shmfault_error err = {0};
        int rc = shmfault_rules_set(good[i].spec, &err);
        if (rc != 0)
            fail_msg("'%s' refused at %d: %s", good[i].spec, err.pos, err.msg);
        if (shmfault_rule_count() != good[i].rules)
            fail_msg("'%s': %u rules, expected %u", good[i].spec, shmfault_rule_count(), good[i].rules);
        assert_int_equal(shmfault_rules_check(good[i].spec, NULL), 0);
    }
}

static void bad_rules(void **state)
{
    (void)state;
    assert_int_equal(shmfault_rules_set("shmat@1=ENOMEM", NULL), 0);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct shmfault_error err = {0};
        if (shmfault_rules_set(bad[i].spec, &err) == 0)
            fail_msg("'%s' accepted", bad[i].spec);
        if (err.pos != bad[i].pos || strstr(err.msg, bad[i].words) == NULL)
            fail_msg("'%s': got position %d '%s', expected %d '%s'", bad[i].spec, err.pos,
                     err.msg, bad[i].pos, bad[i].words);
        assert_true(err.rule >= 1);
        assert_int_equal(shmfault_rules_check(bad[i].spec, NULL), -1);
        /* all or nothing: the active set is untouched */
        assert_int_equal(shmfault_rule_count(), 1);
    }
}

static void quoting(void **state)
{
    struct shmfault_error err;
    const char *spec = "shmget@1=ENOMEM; semop@2=ENOENT ;x";
    (void)state;
    assert_int_equal(shmfault_rules_set(spec, &err), -1);
    assert_int_equal(err.rule, 2);
    assert_int_equal(err.rule_pos, 17);
    assert_int_equal(err.rule_len, 14);
    assert_memory_equal(spec + err.rule_pos, "semop@2=ENOENT", 14);
}

/* Linked (no exec, no run count): the program is run 1 of its image; run=2 never matches.
   shmat(-1) makes no object: the real call fails with EINVAL, the injected one with ENOMEM. */
static void linked_run_is_one(void **state)
{
    char comm[17] = "", spec[96];
    (void)state;
    assert_int_equal(prctl(PR_GET_NAME, comm, 0, 0, 0), 0);
    for (int run = 1; run <= 2; run++) {
        snprintf(spec, sizeof(spec), "shmat@1=ENOMEM,image=%s,run=%d", comm, run);
        assert_int_equal(shmfault_rules_set(spec, NULL), 0);
        shmfault_reset();
        shmfault_arm();
        errno = 0;
        void *p = shmat(-1, NULL, 0);
        int err = errno;
        shmfault_disarm();
        assert_true(p == (void *)-1);
        assert_int_equal(err, run == 1 ? ENOMEM : EINVAL);
    }
    shmfault_rules_clear();
}

static void add_and_clear(void **state)
{
    (void)state;
    assert_int_equal(shmfault_rules_set("shmat@1=ENOMEM", NULL), 0);
    assert_int_equal(shmfault_rules_add("semop@1=EINTR;shmdt=EINVAL", NULL), 0);
    assert_int_equal(shmfault_rule_count(), 3);
    assert_int_equal(shmfault_rules_add("semop@1=ENOENT", NULL), -1);
    assert_int_equal(shmfault_rule_count(), 3);
    shmfault_rules_clear();
    assert_int_equal(shmfault_rule_count(), 0);
    char many[64 * 20 + 32] = "";
    for (int i = 0; i < 65; i++)
        strcat(many, "shmat@1=ENOMEM;");
    struct shmfault_error err;
    assert_int_equal(shmfault_rules_set(many, &err), -1);
    assert_non_null(strstr(err.msg, "too many rules"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(good_rules),
        cmocka_unit_test(bad_rules),
        cmocka_unit_test(quoting),
        cmocka_unit_test(add_and_clear),
        cmocka_unit_test(linked_run_is_one),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
