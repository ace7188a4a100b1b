/*
 * inside.c - the hostile peer inside a call (x86-64 Linux only; see docs/harness.md).
 *
 * The program's shared objects are what peer.poke addresses: the System V segments of the
 * private namespace (/proc/sysvipc/shm) and the files of its private /dev/shm. While an adapter
 * op runs with the mechanism active, this process's mappings of them (found in
 * /proc/self/maps: "/SYSV<key>" with the segment's id as inode, "/dev/shm/<name>") are PROT_NONE.
 * Named semaphores (/dev/shm/sem.*) stay accessible (glibc's own state, which the peer never
 * writes either). futex calls on protected words are trapped and performed with the words'
 * pages open (on_sys, a seccomp filter installed at the first arming). Each access faults into
 * on_segv, which counts and records it, lets the peer write when the plan says so, opens the page
 * with its own protection and sets the trap flag; on_trap, one instruction later, closes it again.
 * A fault that is not an access to a protected page puts everything back as it was and returns: the
 * instruction faults again and meets the handler that was there before (the harness's death
 * collection, ASan's report), exactly as without this file.
 *
 * Handlers: async-signal-safe (mprotect, pwrite, fstat, sigaction, raw futex, static memory only).
 * Everything that allocates (reading /proc, dladdr, printing) runs before or after the op.
 * Elsewhere than x86-64 Linux (the page-fault error code, the trap flag) the op is skipped.
 */
#include "inside.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <ucontext.h>
#include <unistd.h>

#if defined(__x86_64__) && defined(__linux__)
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/futex.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#endif

#include "exec_internal.h"
#include "peer_objects.h"
#include "shmfault.h"

const char *const sfz_inside_at_names[SFZ_INSIDE_MAX_AT] = {
    "1",  "2",  "3",  "4",  "5",  "6",  "7",  "8",  "9",  "10", "11", "12", "13", "14", "15", "16",
    "17", "18", "19", "20", "21", "22", "23", "24", "25", "26", "27", "28", "29", "30", "31", "32"};
int sfz_inside_wanted;

#if defined(__x86_64__) && defined(__linux__)
#define PAGE 4096u
#define TRAP_FLAG 0x100ull /* EFLAGS.TF: trap after the next instruction */
#define ERR_WRITE 0x2ull   /* page-fault error code bit 1: the access was a write */
#define MAX_RANGES 32u
#define MAX_OPEN 4u /* pages one instruction may touch (movs: source and target) */
#define MAX_READS 512u
#define MAX_PAIRS 16u
#define MAX_REPORTED 256u
#define MAX_SUPPRESS 64u

static const uint32_t len_values[] = {1, 4, 8}; /* peer.poke's len choices */

static enum { MODE_OFF, MODE_LINT, MODE_TRACE } mode;
static char suppress[MAX_SUPPRESS][96];
static unsigned nsuppress;

/* The pending plan (peer.inside), consumed by the next adapter op of this worker. */
static struct {
    int pending;
    uint32_t at, seg, off, len;
    uint8_t byte;
} plan;

/* The state of one protected op: written before the op, read and changed by the handlers. */
struct range {
    uintptr_t lo, hi;
    unsigned long ino;
    int prot;
};
struct access {
    uintptr_t addr, rip;
    uint32_t size;
};
static struct {
    volatile sig_atomic_t active;
    struct range r[MAX_RANGES];
    unsigned nr;
    uintptr_t open[MAX_OPEN];
    int open_prot[MAX_OPEN];
    unsigned nopen;
    unsigned long accesses, reads, writes;
    /* the peer's write: an attachment of its own (System V) or the file (pwrite) */
    unsigned char *alias;
    size_t alias_size;
    int fd;
    uint64_t where;
    int fired;
    struct access rd[MAX_READS];
    unsigned nrd;
    struct access pair[MAX_PAIRS][2];
    unsigned npairs;
    struct sigaction old_segv, old_trap;
    stack_t old_stack;
    int own_stack;
    unsigned long injections; /* the layer's count at arm: did the plan itself fail a call? */
} st = {.fd = -1};
static char altstack[64 * 1024];

/* Sites already reported by this process: each pair once. */
static uintptr_t reported[MAX_REPORTED][2];
static unsigned nreported;

/* AFL++'s coverage map and test-case buffer: System V segments of the host's namespace, which
   a segment of the program's may share an id with. Never protected (one fault per edge). */
static long afl_ids[2] = {-1, -1};

static int read_suppressions(const char *path, char *err, size_t size)
{
    FILE *f = fopen(path, "re");
    char line[160];
    if (f == NULL) {
        snprintf(err, size, "SHMFUZZ_INSIDE_SUPPRESS=%s: %s", path, strerror(errno));
        return -1;
    }
    for (unsigned n = 1; fgets(line, sizeof(line), f) != NULL; n++) {
        line[strcspn(line, "\r\n")] = '\0';
        if (line[0] == '#' || line[0] == '\0')
            continue;
        if (strncmp(line, "double-fetch:", 13) != 0 || line[13] == '\0' ||
            strlen(line + 13) >= sizeof(suppress[0]) || nsuppress == MAX_SUPPRESS) {
            snprintf(err, size,
                     "%s:%u: expected 'double-fetch:FUNCTION', 'double-fetch:MODULE' "
                     "or 'double-fetch:MODULE+0xOFFSET' (at most %u lines)",
                     path, n, MAX_SUPPRESS);
            fclose(f);
            return -1;
        }
        snprintf(suppress[nsuppress++], sizeof(suppress[0]), "%s", line + 13);
    }
    fclose(f);
    return 0;
}

int sfz_inside_init(char *err, size_t size)
{
    const char *m = getenv("SHMFUZZ_INSIDE"), *s = getenv("SHMFUZZ_INSIDE_SUPPRESS");
    if (m != NULL && strcmp(m, "lint") == 0)
        mode = MODE_LINT;
    else if (m != NULL && strcmp(m, "trace") == 0)
        mode = MODE_TRACE;
    else if (m != NULL && m[0] != '\0' && strcmp(m, "off") != 0) {
        snprintf(err, size, "SHMFUZZ_INSIDE=%s: expected lint, trace or off", m);
        return -1;
    }
    if (s != NULL && s[0] != '\0' && read_suppressions(s, err, size) != 0)
        return -1;
    const char *afl[2] = {getenv("__AFL_SHM_ID"), getenv("__AFL_SHM_FUZZ_ID")};
    for (unsigned i = 0; i < 2; i++)
        afl_ids[i] = afl[i] != NULL ? strtol(afl[i], NULL, 10) : -1;
    sfz_inside_wanted = mode != MODE_OFF;
    return 0;
}

void sfz_inside_reset(void)
{
    plan.pending = 0;
    sfz_inside_wanted = mode != MODE_OFF;
}

int sfz_inside_op(struct sfz_ctx *ctx, const uint32_t *argv)
{
    (void)ctx;
    if (!sfz_state.private_sysv || !sfz_state.private_posix)
        return SFZ_SKIPPED; /* as peer.poke: never touch an object of the host */
    plan.pending = 1;
    plan.at = argv[0] + 1u;
    plan.seg = argv[1];
    plan.off = argv[2];
    plan.len = len_values[argv[3] % 3u];
    plan.byte = (uint8_t)argv[4];
    sfz_inside_wanted = 1;
    return SFZ_OK;
}

/* ---- the memory access size, from the instruction bytes (common forms; else 1) ---- */

static uint32_t vex_size(uint8_t l)
{
    return l ? 32u : 16u;
}

static uint32_t two_byte_size(uint8_t op, uint32_t osz, int rep, int rep2, int opsz)
{
    switch (op) {
    case 0xb6:
    case 0xbe:
        return 1;
    case 0xb7:
    case 0xbf:
        return 2;
    case 0x10:
    case 0x11:
        return rep ? 4u : rep2 ? 8u : 16u; /* movss / movsd / movups */
    case 0x28:
    case 0x29:
        return 16;
    case 0x6f:
    case 0x7f:
        return rep || opsz ? 16u : 8u; /* movdqu / movdqa / movq mm */
    case 0x6e:
    case 0x7e:
        return rep ? 8u : osz == 8 ? 8u : 4u;
    case 0xd6:
    case 0x12:
    case 0x13:
    case 0x16:
    case 0x17:
        return 8;
    case 0xb0:
        return 1;
    case 0xb1:
    case 0xc1:
    case 0xaf:
        return osz; /* cmpxchg xadd imul */
    default:
        return (op & 0xf0) == 0x40 ? osz : 1u; /* cmov */
    }
}

static uint32_t access_size(const uint8_t *ip)
{
    uint32_t osz = 4;
    int rep = 0, rep2 = 0, opsz = 0;
    for (unsigned n = 0; n < 14; n++, ip++) {
        uint8_t b = *ip;
        if (b == 0x66) {
            osz = 2;
            opsz = 1;
        } else if (b == 0xf3) {
            rep = 1;
        } else if (b == 0xf2) {
            rep2 = 1;
        } else if (b == 0x67 || b == 0xf0 || b == 0x2e || b == 0x36 || b == 0x3e || b == 0x26 ||
                   b == 0x64 || b == 0x65) {
            continue;
        } else {
            break;
        }
    }
    if ((*ip & 0xf0) == 0x40) {
        if (*ip & 0x08)
            osz = 8;
        ip++;
    }
    uint8_t op = ip[0];
    if (op == 0xc5)
        return vex_size(ip[1] & 0x04);
    if (op == 0xc4)
        return vex_size(ip[2] & 0x04);
    if (op == 0x62)
        return 16u << ((ip[3] >> 5) & 3u); /* EVEX L'L */
    if (op == 0x0f)
        return two_byte_size(ip[1], osz, rep, rep2, opsz);
    if (op < 0x40 && (op & 7) < 4)
        return op & 1 ? osz : 1u; /* add or adc sbb and sub xor cmp */
    switch (op) {
    case 0x80:
    case 0x82:
    case 0x84:
    case 0x86:
    case 0x88:
    case 0x8a:
    case 0xc6:
    case 0xf6:
    case 0xfe:
    case 0xa4:
    case 0xa6:
    case 0xaa:
    case 0xac:
    case 0xae:
    case 0xc0:
    case 0xd0:
    case 0xd2:
        return 1;
    case 0x81:
    case 0x83:
    case 0x85:
    case 0x87:
    case 0x89:
    case 0x8b:
    case 0xc7:
    case 0xf7:
    case 0xff:
    case 0xa5:
    case 0xa7:
    case 0xab:
    case 0xad:
    case 0xaf:
    case 0x69:
    case 0x6b:
    case 0xc1:
    case 0xd1:
    case 0xd3:
        return osz;
    case 0x63:
        return 4; /* movsxd */
    default:
        return 1;
    }
}

/* ---- the handlers ---- */

static int range_of(uintptr_t a)
{
    for (unsigned i = 0; i < st.nr; i++)
        if (a >= st.r[i].lo && a < st.r[i].hi)
            return (int)i;
    return -1;
}

static int page_open(uintptr_t page)
{
    for (unsigned i = 0; i < st.nopen; i++)
        if (st.open[i] == page)
            return 1;
    return 0;
}

/* Every protected page back to its own protection, handlers back to what they were. Used on
   the way out of an op and, from a handler, when a fault is not ours. */
static void unprotect_all(void)
{
    for (unsigned i = 0; i < st.nr; i++)
        (void)mprotect((void *)st.r[i].lo, st.r[i].hi - st.r[i].lo, st.r[i].prot);
    st.nopen = 0;
}

static void restore_handlers(void)
{
    (void)sigaction(SIGSEGV, &st.old_segv, NULL);
    (void)sigaction(SIGTRAP, &st.old_trap, NULL);
    if (st.own_stack)
        (void)sigaltstack(&st.old_stack, NULL);
    st.own_stack = 0;
}

static void give_up(void)
{
    st.active = 0;
    unprotect_all();
    restore_handlers();
}

static void peer_write(void)
{
    unsigned char buf[8];
    memset(buf, plan.byte, sizeof(buf));
    if (st.alias != NULL) {
        memcpy(st.alias + st.where, buf, plan.len);
    } else {
        struct stat s;
        /* the file may have shrunk since: a peer's write past the end is no write */
        if (fstat(st.fd, &s) != 0 || (uint64_t)s.st_size < st.where + plan.len ||
            pwrite(st.fd, buf, plan.len, (off_t)st.where) != (ssize_t)plan.len)
            return;
    }
    st.fired = 1;
    __atomic_add_fetch(&sfz_state.area->peer_writes, 1u, __ATOMIC_RELAXED);
}

/* A pair of sites in either order: a loop that reads A, B, then A again is one double fetch. */
static int same_sites(uintptr_t a1, uintptr_t a2, uintptr_t b1, uintptr_t b2)
{
    return (a1 == b1 && a2 == b2) || (a1 == b2 && a2 == b1);
}

static void note_pair(const struct access *first, const struct access *again)
{
    for (unsigned i = 0; i < st.npairs; i++)
        if (same_sites(st.pair[i][0].rip, st.pair[i][1].rip, first->rip, again->rip))
            return;
    if (st.npairs < MAX_PAIRS) {
        st.pair[st.npairs][0] = *first;
        st.pair[st.npairs++][1] = *again;
    }
}

/* Lint: a read of bytes an earlier read of this op took, by another instruction. The op's own
   write to them makes them its own again (they are no longer what the peer left). */
static void record(uintptr_t addr, uint32_t size, int write, uintptr_t rip)
{
    struct access a = {addr, rip, size};
    if (write) {
        st.writes++;
        for (unsigned i = 0; i < st.nrd;)
            if (st.rd[i].addr < addr + size && addr < st.rd[i].addr + st.rd[i].size)
                st.rd[i] = st.rd[--st.nrd];
            else
                i++;
        return;
    }
    st.reads++;
    for (unsigned i = 0; i < st.nrd; i++)
        if (st.rd[i].rip != rip && st.rd[i].addr < addr + size &&
            addr < st.rd[i].addr + st.rd[i].size)
            note_pair(&st.rd[i], &a);
    if (st.nrd < MAX_READS)
        st.rd[st.nrd++] = a;
}

static void on_segv(int sig, siginfo_t *si, void *ucv)
{
    ucontext_t *uc = ucv;
    uintptr_t a = (uintptr_t)si->si_addr, page = a & ~(uintptr_t)(PAGE - 1);
    int r = st.active ? range_of(a) : -1, saved = errno;
    greg_t *g = uc->uc_mcontext.gregs;
    (void)sig;
    if (r < 0 || si->si_code != SEGV_ACCERR || page_open(page) || st.nopen == MAX_OPEN) {
        /* not ours: the instruction faults again under the old handler, not stepped */
        give_up();
        g[REG_EFL] &= ~(greg_t)TRAP_FLAG;
        errno = saved;
        return;
    }
    if (st.nopen == 0) { /* the first page this instruction touches: a new access */
        st.accesses++;
        if (plan.pending && !st.fired && st.accesses == plan.at)
            peer_write();
    }
    record(a, access_size((const uint8_t *)g[REG_RIP]), ((uint64_t)g[REG_ERR] & ERR_WRITE) != 0,
           (uintptr_t)g[REG_RIP]);
    if (mprotect((void *)page, PAGE, st.r[r].prot) != 0) {
        give_up();
        g[REG_EFL] &= ~(greg_t)TRAP_FLAG;
        errno = saved;
        return;
    }
    st.open[st.nopen] = page;
    st.open_prot[st.nopen++] = st.r[r].prot;
    g[REG_EFL] |= (greg_t)TRAP_FLAG;
    errno = saved;
}

static void on_trap(int sig, siginfo_t *si, void *ucv)
{
    ucontext_t *uc = ucv;
    (void)si;
    int saved = errno;
    if (!st.active || st.nopen == 0) { /* not our step: the old disposition takes it */
        give_up();
        (void)raise(sig);
        errno = saved;
        return;
    }
    for (unsigned i = 0; i < st.nopen; i++)
        (void)mprotect((void *)st.open[i], PAGE, PROT_NONE);
    st.nopen = 0;
    uc->uc_mcontext.gregs[REG_EFL] &= ~(greg_t)TRAP_FLAG;
    errno = saved;
}

/* ---- futex on protected pages ----
 *
 * The kernel reads a futex word itself: on a PROT_NONE page futex(2) fails with EFAULT instead
 * of faulting, and glibc aborts on that ("The futex facility returned an unexpected error
 * code") in sem_post, sem_timedwait and process-shared mutexes and condition variables living
 * in the segment. So the first time a worker arms, a seccomp filter makes every process-shared
 * futex call (no FUTEX_PRIVATE_FLAG: a word other processes use is in shared memory by
 * definition) raise SIGSYS instead, except the one issued by raw_syscall below. on_sys opens
 * the pages of the words that are ours, performs the call there, closes them again and hands
 * the kernel's return to the caller. Private futexes (glibc's own locks, thread joins, the
 * sanitizers' mutexes, where signals may be blocked) never trap. A filter cannot be removed:
 * the worker keeps it, and pays one signal per shared futex call from then on.
 */

/* long raw_syscall(nr, a0..a5): the layer's own system call site; the filter lets what comes
   from raw_syscall_ret (the address after the syscall instruction) through. */
__asm__(".text\n"
        ".p2align 4\n"
        ".globl sfz_inside_raw_syscall\n"
        ".hidden sfz_inside_raw_syscall\n"
        ".type sfz_inside_raw_syscall, @function\n"
        "sfz_inside_raw_syscall:\n"
        "  movq %rdi, %rax\n"
        "  movq %rsi, %rdi\n"
        "  movq %rdx, %rsi\n"
        "  movq %rcx, %rdx\n"
        "  movq %r8, %r10\n"
        "  movq %r9, %r8\n"
        "  movq 8(%rsp), %r9\n"
        "  syscall\n"
        ".globl sfz_inside_raw_syscall_ret\n"
        ".hidden sfz_inside_raw_syscall_ret\n"
        "sfz_inside_raw_syscall_ret:\n"
        "  ret\n"
        ".size sfz_inside_raw_syscall, .-sfz_inside_raw_syscall\n");
long sfz_inside_raw_syscall(long nr, long a0, long a1, long a2, long a3, long a4, long a5)
    __attribute__((visibility("hidden")));
extern const char sfz_inside_raw_syscall_ret[] __attribute__((visibility("hidden")));

#ifndef __NR_futex_waitv
#define __NR_futex_waitv 449
#endif
#ifndef __NR_futex_wake
#define __NR_futex_wake 454
#endif
#ifndef __NR_futex_wait
#define __NR_futex_wait 455
#endif
#define WAITV_MAX 128u /* FUTEX_WAITV_MAX */

struct waitv { /* struct futex_waitv (linux/futex.h, 5.16) */
    uint64_t val, uaddr;
    uint32_t flags, reserved;
};

static int filtered; /* this process has the filter (inherited by its forks) */

/* The pages a trapped call's words lie on that are closed now, opened for the call. */
static unsigned open_word(uintptr_t addr, uintptr_t *pages, unsigned n, unsigned max)
{
    uintptr_t page = addr & ~(uintptr_t)(PAGE - 1);
    int r = st.active ? range_of(addr) : -1;
    if (r < 0 || n == max || page_open(page))
        return n;
    for (unsigned i = 0; i < n; i++)
        if (pages[i] == page)
            return n;
    if (mprotect((void *)page, PAGE, st.r[r].prot) != 0)
        return n;
    pages[n] = page;
    return n + 1;
}

/* futex(2) ops that take a second word (uaddr2, the fifth argument). */
static int has_uaddr2(long op)
{
    switch (op & FUTEX_CMD_MASK) {
    case FUTEX_REQUEUE:
    case FUTEX_CMP_REQUEUE:
    case FUTEX_WAKE_OP:
    case FUTEX_CMP_REQUEUE_PI:
    case FUTEX_WAIT_REQUEUE_PI:
        return 1;
    default:
        return 0;
    }
}

/* SIGSYS from the filter: the call, performed from our own site with the words' pages open.
   The kernel's return (or -errno) goes to the caller's RAX as the call itself would have. An
   interrupted wait returns -EINTR, or is restarted by the kernel when the signal's handler has
   SA_RESTART, exactly as it would have been (the restart re-enters at our own site). */
static void on_sys(int sig, siginfo_t *si, void *ucv)
{
    ucontext_t *uc = ucv;
    greg_t *g = uc->uc_mcontext.gregs;
    int saved = errno;
    long nr = si->si_syscall;
    long a[6] = {g[REG_RDI], g[REG_RSI], g[REG_RDX], g[REG_R10], g[REG_R8], g[REG_R9]};
    uintptr_t pages[2 * MAX_OPEN];
    unsigned n = 0;
    (void)sig;
    if (si->si_code != 1) /* SYS_SECCOMP (not in every libc's headers) */
        return;
    if (nr == __NR_futex) {
        n = open_word((uintptr_t)a[0], pages, n, 2 * MAX_OPEN);
        if (has_uaddr2(a[1]))
            n = open_word((uintptr_t)a[4], pages, n, 2 * MAX_OPEN);
    } else if (nr == __NR_futex_wake || nr == __NR_futex_wait) {
        n = open_word((uintptr_t)a[0], pages, n, 2 * MAX_OPEN);
    } else if (nr == __NR_futex_waitv && st.active && (unsigned long)a[1] <= WAITV_MAX) {
        /* the vector itself may be shared: opened first, then each word's page */
        const struct waitv *w = (const struct waitv *)a[0];
        n = open_word((uintptr_t)w, pages, n, 2 * MAX_OPEN);
        n = open_word((uintptr_t)(w + a[1]) - 1, pages, n, 2 * MAX_OPEN);
        for (long i = 0; i < a[1]; i++)
            n = open_word((uintptr_t)w[i].uaddr, pages, n, 2 * MAX_OPEN);
    }
    g[REG_RAX] = sfz_inside_raw_syscall(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
    for (unsigned i = 0; i < n; i++)
        if (st.active)
            (void)mprotect((void *)pages[i], PAGE, PROT_NONE);
    errno = saved;
}

/* Once per process, at its first arming: the SIGSYS handler (kept for good, as the filter),
   then the filter. Without CAP_SYS_ADMIN seccomp needs no_new_privs, set only then. */
static void install_filter(void)
{
    uint64_t ret = (uint64_t)(uintptr_t)sfz_inside_raw_syscall_ret;
    /* The harness's own channel words (the live page, exec_internal.h: an anonymous shared
       mapping, never one of the program's objects, so never protected) need nothing from
       on_sys: a FUTEX_WAIT or FUTEX_WAKE on them is let through, saving a signal per call
       (~3 us here; ~4 per input while fuzzing). Empty when the page's bounds differ in their
       upper 32 bits (the filter compares 32-bit halves). */
    uint64_t live_lo = (uint64_t)(uintptr_t)sfz_state.live,
             live_hi = live_lo + ((sizeof(struct sfz_live) + PAGE - 1) & ~(uint64_t)(PAGE - 1));
    if (sfz_state.live == NULL || (live_lo >> 32) != (live_hi >> 32))
        live_lo = live_hi = 0;
    struct sock_filter f[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_futex, 4, 0),       /* -> op in args[1] */
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_futex_wake, 5, 0),  /* -> flags in args[3] */
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_futex_wait, 4, 0),  /* -> flags in args[3] */
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_futex_waitv, 5, 0), /* -> site */
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[1])),
        BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, FUTEX_PRIVATE_FLAG, 16, 2), /* private: allow */
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[3])),
        BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, FUTEX_PRIVATE_FLAG, 14, 0), /* FUTEX2_PRIVATE */
        /* site: low half of the instruction pointer, then the high half (little endian) */
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, instruction_pointer)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)ret, 0, 2), /* -> channel words */
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, instruction_pointer) + 4),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)(ret >> 32), 10, 0), /* -> allow */
        /* channel words: futex(2) WAIT or WAKE with uaddr (args[0]) in the live page */
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_futex, 0, 9),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[1])),
        BPF_STMT(BPF_ALU | BPF_AND | BPF_K, (uint32_t)FUTEX_CMD_MASK),
        BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, FUTEX_WAKE, 6, 0), /* FUTEX_WAIT 0, FUTEX_WAKE 1 */
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[0]) + 4),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)(live_lo >> 32), 0, 4),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[0])),
        BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, (uint32_t)live_lo, 0, 2),
        BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, (uint32_t)live_hi, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRAP),
    };
    struct sock_fprog prog = {.len = sizeof(f) / sizeof(f[0]), .filter = f};
    struct sigaction sa;
    if (filtered)
        return;
    memset(&sa, 0, sizeof(sa));
    /* SA_NODEFER: a wait performed in on_sys may be interrupted by a signal whose handler
       makes a shared futex call of its own (the harness's SIGCHLD handler does); a SIGSYS
       blocked then would kill the process instead of nesting. */
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
    sigemptyset(&sa.sa_mask);
    sa.sa_sigaction = on_sys;
    if (sigaction(SIGSYS, &sa, NULL) != 0)
        return;
    if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) != 0 &&
        (errno != EACCES || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
         syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) != 0)) {
        fprintf(stderr,
                "shmfuzz: inside: no seccomp filter (%s): a futex on a protected "
                "page fails with EFAULT\n",
                strerror(errno));
        filtered = -1;
        return;
    }
    filtered = 1;
}

/* ---- before the op: which mappings, the peer's own way in, the handlers ---- */

static int is_program_object(const char *path, unsigned long ino, const struct sfz_segment *seg,
                             unsigned nseg)
{
    unsigned key;
    if (sscanf(path, "/SYSV%8x", &key) == 1) {
        if ((long)ino == afl_ids[0] || (long)ino == afl_ids[1])
            return 0;
        for (unsigned i = 0; i < nseg; i++)
            if ((unsigned long)seg[i].id == ino && (unsigned)seg[i].key == key)
                return 1;
        return 0;
    }
    return strncmp(path, "/dev/shm/", 9) == 0 && strncmp(path + 9, "sem.", 4) != 0;
}

static int prot_of(const char *perms)
{
    return (perms[0] == 'r' ? PROT_READ : 0) | (perms[1] == 'w' ? PROT_WRITE : 0) |
           (perms[2] == 'x' ? PROT_EXEC : 0);
}

/* The permissions of a maps line in the kernel's own shape ("LO-HI PERM ...", lower-case hex,
   four permission letters), else NULL. Lines in that shape are sorted out on their
   permissions alone, before the sscanf below, which then sees only the few shared mappings:
   under ASan sscanf costs ~1 us a line, and an engine's process has ~200 lines. A line in
   any other shape (none from the kernel) takes the sscanf path as before. */
static const char *kernel_perms(const char *line)
{
    const char *p = line;
    for (int field = 0; field < 2; field++) {
        const char *start = p;
        while ((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f'))
            p++;
        if (p == start || *p != (field == 0 ? '-' : ' '))
            return NULL;
        p++;
    }
    for (int i = 0; i < 4; i++)
        if (p[i] == '\0' || strchr("rwxsp-", p[i]) == NULL)
            return NULL;
    return p[4] == ' ' ? p : NULL;
}

/* PROCMAP_QUERY (Linux 6.11, uapi linux/fs.h; older headers lack it): the kernel answers "the
   first mapping at or after an address", shared ones only if asked, from /proc/self/maps's
   descriptor without printing it. Printing an engine's ~200 lines twice per armed op was
   the kernel's largest share of it. The answers are what the lines say: permissions
   (VM_READ, VM_WRITE, VM_EXEC; shared is VM_MAYSHARE, maps's 's'), the inode, and the same
   path without maps's escaping and cut at the first space (the tests below look only at the
   object's prefix, which neither changes). Where the kernel has no such ioctl, the file. */
#define PROCMAP_QUERY_IOCTL 0xc0686611ul /* _IOWR('f', 17, struct vma_query) */
enum { Q_READ = 0x1, Q_WRITE = 0x2, Q_EXEC = 0x4, Q_SHARED = 0x8, Q_COVERING_OR_NEXT = 0x10 };
struct vma_query {
    uint64_t size, query_flags, query_addr;
    uint64_t vma_start, vma_end, vma_flags, vma_page_size, vma_offset, inode;
    uint32_t dev_major, dev_minor, vma_name_size, build_id_size;
    uint64_t vma_name_addr, build_id_addr;
};
static int no_query; /* the kernel said it has no PROCMAP_QUERY: the file from then on */

/* The first mapping at or after AT (with Q_SHARED in FLAGS, shared ones only), and its path in
   NAME if given: 1; 0 when there is none; -1 when the query cannot answer. */
static int next_vma(int fd, uintptr_t at, uint64_t flags, struct vma_query *q, char *name,
                    uint32_t size)
{
    memset(q, 0, sizeof(*q));
    q->size = sizeof(*q);
    q->query_flags = Q_COVERING_OR_NEXT | flags;
    q->query_addr = at;
    if (name != NULL) {
        name[0] = '\0';
        q->vma_name_size = size;
        q->vma_name_addr = (uintptr_t)name;
    }
    if (ioctl(fd, PROCMAP_QUERY_IOCTL, q) == 0)
        return 1;
    if (errno == ENOENT)
        return 0;
    if (errno == ENOTTY || errno == EINVAL)
        no_query = 1;
    return -1;
}

static int query_prot(const struct vma_query *q)
{
    return (q->vma_flags & Q_READ ? PROT_READ : 0) | (q->vma_flags & Q_WRITE ? PROT_WRITE : 0) |
           (q->vma_flags & Q_EXEC ? PROT_EXEC : 0);
}

/* find_ranges by PROCMAP_QUERY: 0, or -1 (nothing decided) when it cannot be used. */
static int query_ranges(const struct sfz_segment *seg, unsigned nseg)
{
    if (no_query)
        return -1;
    int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    static char name[4096]; /* PATH_MAX: a shorter buffer fails the query (ENAMETOOLONG) */
    struct vma_query q;
    uintptr_t at = 0;
    int r = 1;
    st.nr = 0;
    while (st.nr < MAX_RANGES && (r = next_vma(fd, at, Q_SHARED, &q, name, sizeof(name))) == 1) {
        at = (uintptr_t)q.vma_end;
        int prot = query_prot(&q);
        if (prot != 0 && is_program_object(name, (unsigned long)q.inode, seg, nseg))
            st.r[st.nr++] = (struct range){(uintptr_t)q.vma_start, (uintptr_t)q.vma_end,
                                           (unsigned long)q.inode, prot};
    }
    close(fd);
    return r < 0 ? -1 : 0;
}

/* The mappings of the program's objects this process holds now. */
static void find_ranges(const struct sfz_segment *seg, unsigned nseg)
{
    if (query_ranges(seg, nseg) == 0)
        return;
    FILE *f = fopen("/proc/self/maps", "re");
    char line[600];
    st.nr = 0;
    if (f == NULL)
        return;
    while (st.nr < MAX_RANGES && fgets(line, sizeof(line), f) != NULL) {
        unsigned long lo, hi, ino;
        char perms[8], path[400] = "";
        const char *kp = kernel_perms(line);
        if (kp != NULL && (kp[3] != 's' || prot_of(kp) == 0))
            continue; /* what the test below would say */
        if (sscanf(line, "%lx-%lx %7s %*s %*s %lu %399s", &lo, &hi, perms, &ino, path) < 4)
            continue;
        int prot = prot_of(perms);
        if (prot == 0 || perms[3] != 's' || !is_program_object(path, ino, seg, nseg))
            continue;
        st.r[st.nr++] = (struct range){lo, hi, ino, prot};
    }
    fclose(f);
}

/* The peer's own way to object SEG (peer.poke's numbering): an attachment of the segment, or
   the file open for pwrite. Nothing when it does not exist now. */
static void open_target(const struct sfz_segment *seg, unsigned nseg)
{
    if (plan.seg < nseg) {
        if (sfz_peer_place(seg[plan.seg].size, plan.off, plan.len, &st.where) != 0)
            return;
        void *p = shmat(seg[plan.seg].id, NULL, 0);
        if (p != (void *)-1) {
            st.alias = p;
            st.alias_size = seg[plan.seg].size;
        }
        return;
    }
    struct stat s;
    int fd = sfz_peer_file_open(plan.seg - nseg);
    if (fd >= 0 && fstat(fd, &s) == 0 &&
        sfz_peer_place((uint64_t)s.st_size, plan.off, plan.len, &st.where) == 0) {
        /* far above the op's own descriptors: its fd numbers stay what they were */
        int high = fcntl(fd, F_DUPFD_CLOEXEC, 768);
        st.fd = high >= 0 ? high : fd;
        if (high >= 0)
            close(fd);
        fd = -1;
    }
    if (fd >= 0)
        close(fd);
}

static void install_handlers(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    stack_t cur;
    st.own_stack = 0;
    /* an alternate stack someone set up (ASan does) is kept; else ours */
    if (sigaltstack(NULL, &cur) == 0 && (cur.ss_flags & SS_DISABLE)) {
        stack_t ours = {.ss_sp = altstack, .ss_size = sizeof(altstack), .ss_flags = 0};
        st.old_stack = cur;
        st.own_stack = sigaltstack(&ours, NULL) == 0;
    }
    sa.sa_sigaction = on_segv;
    (void)sigaction(SIGSEGV, &sa, &st.old_segv);
    sa.sa_sigaction = on_trap;
    (void)sigaction(SIGTRAP, &sa, &st.old_trap);
}

void sfz_inside_arm(void)
{
    struct sfz_segment seg[64];
    st.accesses = st.reads = st.writes = 0;
    st.nrd = st.npairs = 0;
    st.nopen = 0;
    st.fired = 0;
    st.alias = NULL;
    st.fd = -1;
    st.injections = shmfault_injections();
    if (!sfz_state.private_sysv || !sfz_state.private_posix) {
        static int said;
        if (mode != MODE_OFF && !said++)
            fprintf(stderr, "shmfuzz: inside: no private namespace (needs root): the host's "
                            "objects are not ours to stop at, nothing is protected\n");
        plan.pending = 0;
        return;
    }
    unsigned nseg = sfz_peer_segments(seg, 64, NULL); /* as peer.poke numbers them */
    find_ranges(seg, nseg);
    if (plan.pending)
        open_target(seg, nseg);
    install_filter();
    install_handlers();
    for (unsigned i = 0; i < st.nr;)
        if (mprotect((void *)st.r[i].lo, st.r[i].hi - st.r[i].lo, PROT_NONE) == 0)
            i++;
        else
            st.r[i] = st.r[--st.nr];
    st.active = 1;
}

/* ---- after the op: put back, report ---- */

/* A site as people and suppression files name it: module+0xoffset (function+0xoffset). The
   function from dladdr when it is exported, else from the module's .symtab (static ones). */
static void site(uintptr_t rip, char *buf, size_t size, char *fn, size_t fn_size, char *mod,
                 size_t msize)
{
    Dl_info info;
    struct link_map *map = NULL;
    fn[0] = '\0';
    if (dladdr1((void *)rip, &info, (void **)&map, RTLD_DL_LINKMAP) == 0 ||
        info.dli_fname == NULL) {
        snprintf(buf, size, "0x%lx", (unsigned long)rip);
        snprintf(mod, msize, "?");
        return;
    }
    const char *base = strrchr(info.dli_fname, '/');
    base = base ? base + 1 : info.dli_fname;
    snprintf(mod, msize, "%s", base);
    uint64_t off = 0;
    if (info.dli_sname != NULL) {
        snprintf(fn, fn_size, "%s", info.dli_sname);
        off = rip - (uintptr_t)info.dli_saddr;
    } else if (map != NULL) {
        /* the main program's dli_fname is "" or argv[0]: /proc/self/exe is the file */
        const char *file =
            map->l_name != NULL && map->l_name[0] != '\0' ? map->l_name : "/proc/self/exe";
        if (sfz_symtab_function(file, rip - map->l_addr, fn, fn_size, &off) != 0)
            fn[0] = '\0';
    }
    if (fn[0] != '\0')
        snprintf(buf, size, "%s+0x%lx (%s+0x%lx)", base,
                 (unsigned long)(rip - (uintptr_t)info.dli_fbase), fn, (unsigned long)off);
    else
        snprintf(buf, size, "%s+0x%lx", base, (unsigned long)(rip - (uintptr_t)info.dli_fbase));
}

/* A MODULE+0xOFFSET line names one instruction: a pair with it is suppressed. A FUNCTION or
   MODULE line names code someone vetted: only a pair with both reads in it (so suppressing a
   sequence lock's reader does not hide a check-then-use pair whose second read is in it). */
static int site_named(const char *where)
{
    size_t n = strcspn(where, " ");
    for (unsigned i = 0; i < nsuppress; i++)
        if (strstr(suppress[i], "+0x") != NULL && strlen(suppress[i]) == n &&
            strncmp(suppress[i], where, n) == 0)
            return 1;
    return 0;
}

static int code_named(const char *fn, const char *mod)
{
    for (unsigned i = 0; i < nsuppress; i++)
        if ((fn[0] != '\0' && strcmp(suppress[i], fn) == 0) || strcmp(suppress[i], mod) == 0)
            return 1;
    return 0;
}

static int suppressed(const char *a, const char *fa, const char *ma, const char *b,
                      const char *fb, const char *mb)
{
    return site_named(a) || site_named(b) || (code_named(fa, ma) && code_named(fb, mb));
}

/* The C library's own overlapping loads (memcpy of 17..31 bytes reads head and tail) are one
   fetch of the caller's, not two. */
static int inside_libc(const char *mod)
{
    return strncmp(mod, "libc.so", 7) == 0 || strncmp(mod, "libc-", 5) == 0;
}

static void report_pair(const char *op, const struct access *p)
{
    char a[320], b[320], ma[80], mb[80], fa[200], fb[200];
    for (unsigned i = 0; i < nreported; i++)
        if (same_sites(reported[i][0], reported[i][1], p[0].rip, p[1].rip))
            return;
    if (nreported < MAX_REPORTED) {
        reported[nreported][0] = p[0].rip;
        reported[nreported++][1] = p[1].rip;
    }
    site(p[0].rip, a, sizeof(a), fa, sizeof(fa), ma, sizeof(ma));
    site(p[1].rip, b, sizeof(b), fb, sizeof(fb), mb, sizeof(mb));
    if ((inside_libc(ma) && inside_libc(mb)) || suppressed(a, fa, ma, b, fb, mb))
        return;
    fprintf(stderr,
            "shmfuzz: lint double-fetch: %s read the same shared bytes twice (%u at "
            "0x%lx): first at %s, again at %s\n",
            op, p[1].size, (unsigned long)(p[1].addr & (PAGE - 1)), a, b);
}

/* restore_ranges by PROCMAP_QUERY, range by range (the mappings of one range are the lines
   the file would give for it; ranges do not overlap, so the order of the mprotect calls
   changes nothing): 0, or -1 when it cannot be used (the file then finishes the job: a page
   already put back is no longer PROT_NONE, so it is not touched twice). */
static int query_restore(void)
{
    if (no_query)
        return -1;
    int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    struct vma_query q;
    int r = 0;
    for (unsigned i = 0; i < st.nr && r >= 0; i++) {
        uintptr_t at = st.r[i].lo;
        while (at < st.r[i].hi && (r = next_vma(fd, at, 0, &q, NULL, 0)) == 1 &&
               q.vma_start < st.r[i].hi) {
            uintptr_t a = q.vma_start > st.r[i].lo ? (uintptr_t)q.vma_start : st.r[i].lo;
            uintptr_t b = q.vma_end < st.r[i].hi ? (uintptr_t)q.vma_end : st.r[i].hi;
            if (query_prot(&q) == 0 && q.inode == st.r[i].ino)
                (void)mprotect((void *)a, b - a, st.r[i].prot);
            at = (uintptr_t)q.vma_end;
        }
    }
    close(fd);
    return r < 0 ? -1 : 0;
}

/* Put every page we protected back, unless the op unmapped it (the address may hold another
   mapping now): only the same object's pages still PROT_NONE. */
static void restore_ranges(void)
{
    if (st.nr == 0 || query_restore() == 0) { /* nothing was protected, or done */
        st.nopen = 0;
        return;
    }
    FILE *f = fopen("/proc/self/maps", "re");
    char line[600];
    if (f == NULL) {
        unprotect_all();
        return;
    }
    while (fgets(line, sizeof(line), f) != NULL) {
        unsigned long lo, hi, ino;
        char perms[8];
        const char *kp = kernel_perms(line);
        if (kp != NULL && strncmp(kp, "---", 3) != 0)
            continue; /* what the test below would say */
        if (sscanf(line, "%lx-%lx %7s %*s %*s %lu", &lo, &hi, perms, &ino) != 4 ||
            strncmp(perms, "---", 3) != 0)
            continue;
        for (unsigned i = 0; i < st.nr; i++) {
            uintptr_t a = lo > st.r[i].lo ? lo : st.r[i].lo, b = hi < st.r[i].hi ? hi : st.r[i].hi;
            if (a < b && ino == st.r[i].ino)
                (void)mprotect((void *)a, b - a, st.r[i].prot);
        }
    }
    fclose(f);
    st.nopen = 0;
}

/* The plan's own EFAULT is not the protection's doing. */
static int injected_efault(void)
{
    struct shmfault_injection inj;
    return shmfault_injections() != st.injections && shmfault_last_injection(&inj) == 0 &&
           inj.action == SHMFAULT_ACT_ERRNO && inj.value == EFAULT;
}

void sfz_inside_disarm(const char *op, int op_errno)
{
    int was = st.active;
    st.active = 0;
    if (was) {
        restore_ranges();
        restore_handlers();
    }
    if (st.alias != NULL)
        (void)shmdt(st.alias);
    if (st.fd >= 0)
        close(st.fd);
    st.alias = NULL;
    st.fd = -1;
    plan.pending = 0;
    sfz_inside_wanted = mode != MODE_OFF;
    if (!was)
        return;
    for (unsigned i = 0; i < st.npairs; i++)
        report_pair(op, st.pair[i]);
    if (mode == MODE_TRACE)
        fprintf(stderr, "shmfuzz: inside: %s: %lu shared accesses (%lu reads, %lu writes)%s\n", op,
                st.accesses, st.reads, st.writes, st.fired ? ", the peer wrote" : "");
    if (op_errno == EFAULT && !injected_efault())
        fprintf(stderr,
                "shmfuzz: inside: %s failed with EFAULT while its shared mappings were "
                "protected: it gave shared memory to a system call, which cannot fault in "
                "(not the library's doing)\n",
                op);
}

#else /* not x86-64 Linux: peer.inside is skipped, SHMFUZZ_INSIDE refused */

int sfz_inside_init(char *err, size_t size)
{
    const char *m = getenv("SHMFUZZ_INSIDE");
    if (m != NULL && m[0] != '\0' && strcmp(m, "off") != 0) {
        snprintf(err, size, "SHMFUZZ_INSIDE=%s: the peer inside a call needs x86-64 Linux", m);
        return -1;
    }
    return 0;
}

void sfz_inside_reset(void) {}

int sfz_inside_op(struct sfz_ctx *ctx, const uint32_t *argv)
{
    (void)ctx;
    (void)argv;
    return SFZ_SKIPPED;
}

void sfz_inside_arm(void) {}

void sfz_inside_disarm(const char *op, int op_errno)
{
    (void)op;
    (void)op_errno;
}
#endif
