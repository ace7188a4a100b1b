/*
 * shmfault-memcheck.c - memcheck.c for `shmfuzz run` (scripts/shmfuzz_cli/memcheck.py):
 *
 *   shmfault-memcheck command [--valgrind] [--valgrind-supp FILE]... [--valgrind-reachable]
 *                     --logdir DIR -- PROGRAM [ARGS...]
 *       the command to run, NUL-separated on stdout (memcheck in front of PROGRAM with
 *       --valgrind, one XML file per process in DIR; PROGRAM itself without it).
 *   shmfault-memcheck judge DIR
 *       reads DIR/valgrind/ and DIR/stderr; prints "OUTCOME<TAB>why" (ok when nothing) and
 *       writes DIR/memcheck.txt. Exit status 0 ok, 1 a finding, 2 usage.
 */
#include <stdio.h>
#include <string.h>

#include "memcheck.h"

static int usage(void)
{
    fputs("usage: shmfault-memcheck command [--valgrind] [--valgrind-supp FILE]... "
          "[--valgrind-reachable] --logdir DIR -- PROGRAM [ARGS...]\n"
          "       shmfault-memcheck judge DIR\n",
          stderr);
    return 2;
}

static int command(int argc, char **argv)
{
    const char *logdir = NULL;
    int i = 2;
    for (; i < argc && strcmp(argv[i], "--") != 0; i++) {
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        int used = memcheck_option(argv[i], v);
        if (used == 0 && strcmp(argv[i], "--logdir") == 0 && v != NULL)
            logdir = v, used = 2;
        if (used <= 0)
            return usage();
        i += used - 1;
    }
    if (i + 1 >= argc || logdir == NULL)
        return usage();
    char **cmd = memcheck_command(argv + i + 1, logdir);
    if (cmd == NULL)
        return 2;
    for (; *cmd; cmd++)
        fwrite(*cmd, 1, strlen(*cmd) + 1, stdout);
    return fflush(stdout) == 0 ? 0 : 2;
}

int main(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "command") == 0)
        return command(argc, argv);
    if (argc != 3 || strcmp(argv[1], "judge") != 0)
        return usage();
    char why[2048] = "";
    const char *outcome = memcheck_judge(argv[2], "ok", why, sizeof(why));
    printf("%s\t%s\n", outcome, why);
    return strcmp(outcome, "ok") != 0;
}
