/*
 * ceiling_kv.c - the ceiling of figure 2: the same libshmipc kv calls the benchmark's fuzz
 * programs make (corpus/shmipc-kv/seeds lifecycle.txt and writer-reader.txt), in a bare C
 * loop with no harness, no decoder and no oracle. What the harness reaches is reported as a
 * percentage of this.
 *
 * usage: bench-ceiling-kv PROGRAM SECONDS
 *   PROGRAM  lifecycle          one process (the seed "lifecycle")
 *            writer-reader      two processes, the peer kept alive across rounds and driven
 *                               over pipes at every process switch (what a reused worker costs)
 *            writer-reader-fork the same with the peer forked and reaped every round (the
 *                               cost of "the forks needed" when nothing is reused)
 *            four-procs         four processes (bench/programs/four-procs.txt): a writer and
 *                               three readers kept alive, driven over pipes at every switch
 * Prints one JSON line {"program","rounds","seconds","per_sec"}. Runs in its own IPC
 * namespace, like the harness, so fixed keys never meet another process's objects.
 * Exit: 0 measured, 1 a call failed (the ceiling would be wrong), 2 usage, 77 no namespace.
 *
 * Built with BENCH_CEILING_AFL (afl preset: bench-afl-ceiling-kv PROGRAM, under afl-fuzz) the
 * same rounds run one per input of AFL++'s persistent loop, as the AFL++ driver runs its inputs
 * (figure 2's ceiling-afl-loop; the main at the end of this file).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "shmipc.h"
#ifdef BENCH_CEILING_AFL
#include "afl_relay.h" /* its fork server, as the AFL++ driver's (harness/drivers) */
#endif

#define KEY 0x53460201

static const char text64[] = "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijkl";

static void fail(const char *what)
{
    fprintf(stderr, "bench-ceiling-kv: %s: %s\n", what, strerror(errno));
    exit(1);
}

/* lifecycle.txt: create 64, put 17, get, put 1, get, destroy. */
static void round_lifecycle(void)
{
    char buf[256];
    struct shmipc_kv *kv = shmipc_kv_create(KEY, 64);
    if (kv == NULL)
        fail("create");
    if (shmipc_kv_put(kv, text64, 17) != 0 || shmipc_kv_get(kv, buf, sizeof(buf)) < 0 ||
        shmipc_kv_put(kv, text64, 1) != 0 || shmipc_kv_get(kv, buf, sizeof(buf)) < 0)
        fail("put/get");
    if (shmipc_kv_destroy(kv) != 0)
        fail("destroy");
}

/* One byte each way is the smallest handoff between two processes. */
static void send_byte(int fd)
{
    char c = 1;
    if (write(fd, &c, 1) != 1)
        fail("pipe write");
}

static int recv_byte(int fd)
{
    char c;
    ssize_t n = read(fd, &c, 1);
    if (n < 0)
        fail("pipe read");
    return n == 1;
}

/* A reader's side: open, get (and put 3 when PUT) | close, two turns per round, for ROUNDS rounds
   (< 0: until the writer closes the pipe). writer-reader.txt's p1 puts; in four-procs.txt
   readers 1..3 do, the last one puts. */
static void reader_turns(int in, int out, int put, long rounds)
{
    char buf[256];
    for (long i = 0; rounds < 0 || i < rounds; i++) {
        if (!recv_byte(in))
            return;
        struct shmipc_kv *kv = shmipc_kv_open(KEY);
        if (kv == NULL)
            fail("reader open");
        if (shmipc_kv_get(kv, buf, sizeof(buf)) < 0 || (put && shmipc_kv_put(kv, text64, 3) != 0))
            fail("reader get/put");
        send_byte(out);
        if (!recv_byte(in))
            fail("reader lost the writer");
        if (shmipc_kv_close(kv) != 0)
            fail("reader close");
        send_byte(out);
    }
}

#define READERS 3 /* four-procs' readers; writer-reader has one */
struct reader {
    pid_t pid;
    int to, from; /* the pipe to it and the pipe from it */
};

/* Forks N readers, each for ROUNDS rounds (< 0: until the writer closes its pipe); the last one
   puts (writer-reader.txt's p1; four-procs.txt's p3). */
static void start_readers(struct reader *r, int n, long rounds)
{
    for (int i = 0; i < n; i++) {
        int to[2], from[2];
        if (pipe(to) != 0 || pipe(from) != 0)
            fail("pipe");
        pid_t pid = fork();
        if (pid < 0)
            fail("fork");
        if (pid == 0) {
            for (int k = 0; k < i; k++) {
                close(r[k].to);
                close(r[k].from);
            }
            close(to[1]);
            close(from[0]);
            reader_turns(to[0], from[1], i == n - 1, rounds);
            _exit(0);
        }
        close(to[0]);
        close(from[1]);
        r[i] = (struct reader){pid, to[1], from[0]};
    }
}

static void stop_readers(const struct reader *r, int n)
{
    for (int i = 0; i < n; i++) {
        close(r[i].to);
        close(r[i].from);
        int st;
        if (waitpid(r[i].pid, &st, 0) != r[i].pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
            fprintf(stderr, "bench-ceiling-kv: the peer process failed\n");
            exit(1);
        }
    }
}

/* Each of the N readers takes one turn, in order. */
static void readers_turn(const struct reader *r, int n)
{
    for (int i = 0; i < n; i++) {
        send_byte(r[i].to);
        if (!recv_byte(r[i].from))
            fail("peer died");
    }
}

/* p0's side of writer-reader.txt and four-procs.txt: create 16, put 16 | each reader's first
   turn | get | each reader's second turn | destroy (the harness's teardown removes the key). */
static void writer_turns(const struct reader *r, int n)
{
    char buf[256];
    struct shmipc_kv *kv = shmipc_kv_create(KEY, 16);
    if (kv == NULL)
        fail("create");
    if (shmipc_kv_put(kv, text64, 16) != 0)
        fail("put");
    readers_turn(r, n);
    if (shmipc_kv_get(kv, buf, sizeof(buf)) < 0)
        fail("get");
    readers_turn(r, n);
    if (shmipc_kv_destroy(kv) != 0)
        fail("destroy");
}

enum program { LIFECYCLE, WRITER_READER, WRITER_READER_FORK, FOUR_PROCS };
static const char *const names[] = {"lifecycle", "writer-reader", "writer-reader-fork",
                                    "four-procs"};

/* The program's readers, and whether they are kept alive across rounds (else forked per round). */
static int readers_of(enum program p)
{
    return p == FOUR_PROCS ? READERS : p == LIFECYCLE ? 0 : 1;
}

static int readers_kept(enum program p)
{
    return p == WRITER_READER || p == FOUR_PROCS;
}

/* One round of program P; N: its readers. */
static void one_round(enum program p, struct reader *readers, int n)
{
    if (p == LIFECYCLE) {
        round_lifecycle();
    } else if (p == WRITER_READER_FORK) {
        start_readers(readers, n, 1);
        writer_turns(readers, n);
        stop_readers(readers, n);
    } else {
        writer_turns(readers, n);
    }
}

#ifndef BENCH_CEILING_AFL
static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long run(enum program p, double seconds, double *elapsed)
{
    struct reader readers[READERS];
    int n = readers_of(p);
    if (readers_kept(p))
        start_readers(readers, n, -1);
    long rounds = 0;
    double start = now_s(), t = start;
    /* Check the clock every 16 rounds: a clock read per round would be part of the ceiling. */
    while (t - start < seconds) {
        for (int i = 0; i < 16; i++, rounds++)
            one_round(p, readers, n);
        t = now_s();
    }
    *elapsed = t - start;
    if (readers_kept(p))
        stop_readers(readers, n);
    return rounds;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: bench-ceiling-kv lifecycle|writer-reader|writer-reader-fork|"
                        "four-procs SECONDS\n");
        return 2;
    }
    int p = -1;
    for (int i = 0; i < 4; i++)
        if (strcmp(argv[1], names[i]) == 0)
            p = i;
    double seconds = strtod(argv[2], NULL);
    if (p < 0 || !(seconds > 0 && seconds <= 600)) {
        fprintf(stderr, "bench-ceiling-kv: unknown program '%s' or bad seconds '%s'\n", argv[1], argv[2]);
        return 2;
    }
    if (unshare(CLONE_NEWIPC) != 0) {
        fprintf(stderr, "bench-ceiling-kv: skipped: unshare(CLONE_NEWIPC): %s (needs root)\n",
                strerror(errno));
        return 77;
    }
    signal(SIGPIPE, SIG_IGN);
    double elapsed = 0;
    long rounds = run((enum program)p, seconds, &elapsed);
    printf("{\"program\":\"%s\",\"rounds\":%ld,\"seconds\":%.6f,\"per_sec\":%.1f}\n", names[p],
           rounds, elapsed, (double)rounds / elapsed);
    return 0;
}

#else /* BENCH_CEILING_AFL */

/* bench-afl-ceiling-kv PROGRAM (afl preset only): the same rounds as afl-fuzz's persistent target,
   one round per input, with the AFL++ driver's loop (harness/drivers/driver_afl.c: shared-memory
   test cases, the same loop count), so afl-fuzz's own cost per input (its forkserver's stop and
   continue, the pipes, the map) is in the bare loop as it is in the afl-fixed rows: figure 2's
   ceiling-afl-loop. The input is not read (afl-fixed runs the seed unchanged, whose work this
   round is); its length is, so afl-fuzz sees a target that takes its test cases in memory. */

/* AFL++'s macros store read()'s ssize_t in an unsigned length (as in harness/drivers). */
#pragma clang diagnostic ignored "-Wsign-conversion"
#pragma clang diagnostic ignored "-Wshorten-64-to-32"
#pragma clang diagnostic ignored "-Wconversion"

__AFL_FUZZ_INIT();

static volatile size_t sink;

int main(int argc, char **argv)
{
    int p = -1;
    for (int i = 0; argc == 2 && i < 4; i++)
        if (strcmp(argv[1], names[i]) == 0)
            p = i;
    if (p < 0) {
        fprintf(stderr, "usage: bench-afl-ceiling-kv lifecycle|writer-reader|writer-reader-fork|"
                        "four-procs (under afl-fuzz)\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    /* The namespace in the fuzzed process, after the forkserver has attached afl-fuzz's System V
       segments (the map and the test case live in the host's namespace), as the harness does. */
    int batch = sfz_afl_relay_batch(); /* as the AFL++ driver does */
    __AFL_INIT();
    sfz_afl_child_normal(batch);
    if (unshare(CLONE_NEWIPC) != 0) {
        fprintf(stderr, "bench-afl-ceiling-kv: unshare(CLONE_NEWIPC): %s (needs root)\n",
                strerror(errno));
        return 77;
    }
    /* The readers belong to the fuzzed process, as the harness's workers do. */
    struct reader readers[READERS];
    int n = readers_of((enum program)p);
    if (readers_kept((enum program)p))
        start_readers(readers, n, -1);
    while (__AFL_LOOP(10000)) {
        sink = (size_t)__AFL_FUZZ_TESTCASE_LEN;
        one_round((enum program)p, readers, n);
    }
    if (readers_kept((enum program)p))
        stop_readers(readers, n);
    return 0;
}
#endif /* BENCH_CEILING_AFL */
