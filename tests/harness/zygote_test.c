/*
 * zygote_test.c - the executor's workers come from its zygote (harness/src/exec_zygote.c):
 *   - sfz_exec_prefork starts the zygote before any worker, once (engines call it at their
 *     init, before their tables grow);
 *   - a worker is the executor's child (CLONE_PARENT), and so is exactly one other process, the
 *     zygote, which made it (a worker forked directly would leave the executor one child);
 *   - more workers: still one zygote, every worker the executor's child;
 *   - a zygote killed between requests is collected and replaced at the next one, and the
 *     worker it makes is the executor's child again;
 *   - shutdown ends every worker and the zygote: the executor has no child left;
 *   - the zygote holds no present page of zeros in its private anonymous memory (dropped:
 *     fewer entries to copy per clone) and every other page as the executor had it: a
 *     written page, and one whose only non-zero byte is its last, are there with their bytes
 *     (kernels with PROCMAP_QUERY and PAGEMAP_SCAN; else that part is skipped).
 * Processes are found by their parent in /proc/<pid>/stat. Prints one line per failure.
 */
#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "exec_internal.h"


static pid_t parent_of(pid_t pid)
{
    char path[64], buf[512];
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return -1;
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    const char *p = strrchr(buf, ')'); /* the command name may hold spaces */
    char state;
    int ppid;
    if (p == NULL || sscanf(p + 1, " %c %d", &state, &ppid) != 2 || state == 'Z')
        return -1; /* gone or a zombie: not a living child */
    return (pid_t)ppid;
}

/* This process's living children, up to MAX of them in OUT; returns how many there are. */
static unsigned children(pid_t *out, unsigned max)
{
    unsigned n = 0;
    DIR *d = opendir("/proc");
    struct dirent *e;
    while (d != NULL && (e = readdir(d)) != NULL) {
        if (!isdigit((unsigned char)e->d_name[0]))
            continue;
        pid_t pid = (pid_t)atoi(e->d_name);
        if (parent_of(pid) == getpid()) {
            if (n < max)
                out[n] = pid;
            n++;
        }
    }
    if (d != NULL)
        closedir(d);
    return n;
}

/* The one child that is not a worker (0 if none or several). */
static pid_t the_zygote(void)
{
    pid_t kids[16], found = 0;
    unsigned n = children(kids, 16), others = 0;
    for (unsigned i = 0; i < n && i < 16; i++) {
        int worker = 0;
        for (unsigned w = 0; w < SFZ_MAX_PROCS; w++)
            worker |= sfz_pool_alive(w) && sfz_pool_pid(w) == kids[i];
        if (!worker) {
            found = kids[i];
            others++;
        }
    }
    return others == 1 ? found : 0;
}

/* Memory of the executor's .bss before the zygote starts: zeros written (present), a page of
   a pattern, and a page of zeros but its last byte. */
static unsigned char zero_pages[3 * 4096] __attribute__((aligned(4096)));
static unsigned char data_page[4096] __attribute__((aligned(4096)));
static unsigned char edge_page[4096] __attribute__((aligned(4096)));

static void fill_pages(void)
{
    volatile unsigned char *z = zero_pages, *d = data_page, *e = edge_page;
    for (unsigned i = 0; i < sizeof(zero_pages); i++)
        z[i] = 0;
    for (unsigned i = 0; i < sizeof(data_page); i++)
        d[i] = (unsigned char)(0xa5 ^ i);
    for (unsigned i = 0; i < sizeof(edge_page); i++)
        e[i] = 0;
    e[sizeof(edge_page) - 1] = 1;
}

/* Whether process PID has the page at ADDR present (its pagemap entry's bit 63). */
static int present_in(pid_t pid, const void *addr)
{
    char path[64];
    uint64_t entry = 0;
    snprintf(path, sizeof(path), "/proc/%d/pagemap", (int)pid);
    int fd = open(path, O_RDONLY);
    ssize_t n = fd < 0 ? -1 : pread(fd, &entry, sizeof(entry), (off_t)((uintptr_t)addr / 4096 * 8));
    if (fd >= 0)
        close(fd);
    return n == (ssize_t)sizeof(entry) && (entry >> 63) != 0;
}

/* Whether process PID holds at ADDR the SIZE bytes this process has there. */
static int same_bytes_in(pid_t pid, const unsigned char *addr, size_t size)
{
    char path[64];
    static unsigned char buf[4096];
    snprintf(path, sizeof(path), "/proc/%d/mem", (int)pid);
    int fd = open(path, O_RDONLY);
    ssize_t n = fd < 0 ? -1 : pread(fd, buf, size, (off_t)(uintptr_t)addr);
    if (fd >= 0)
        close(fd);
    return n == (ssize_t)size && memcmp(buf, addr, size) == 0;
}

/* Whether this kernel answers PROCMAP_QUERY (the zygote drops nothing without it). */
static int have_query(void)
{
    struct {
        uint64_t size, query_flags, query_addr;
        uint64_t rest[6];
        uint32_t dev_major, dev_minor, vma_name_size, build_id_size;
        uint64_t vma_name_addr, build_id_addr;
    } q;
    memset(&q, 0, sizeof(q));
    q.size = sizeof(q);
    q.query_flags = 0x10; /* covering or next */
    int fd = open("/proc/self/maps", O_RDONLY);
    int ok = fd >= 0 && ioctl(fd, 0xc0686611ul, &q) == 0;
    if (fd >= 0)
        close(fd);
    return ok;
}

static void check_zygote_memory(pid_t zygote)
{
    if (!have_query()) {
        printf("skip: no PROCMAP_QUERY here, the zygote keeps its zero pages\n");
        return;
    }
    for (unsigned i = 0; i < sizeof(zero_pages); i += 4096)
        CHECK(!present_in(zygote, zero_pages + i));
    CHECK(present_in(zygote, data_page) && same_bytes_in(zygote, data_page, sizeof(data_page)));
    CHECK(present_in(zygote, edge_page) && same_bytes_in(zygote, edge_page, sizeof(edge_page)));
    CHECK(present_in(getpid(), zero_pages)); /* the executor's own pages are its own */
}

static const struct sfz_adapter adapter = {
    "zygote-test", "workers from the zygote", NULL, 0, 0, 0, NULL, NULL, NULL, NULL};

int main(void)
{
    char err[256];
    struct sfz_exec_options opt = {0};
    opt.always_fork = 1;
    if (sfz_exec_init(&adapter, &opt, err, sizeof(err)) != 0) {
        printf("FAIL: sfz_exec_init: %s\n", err);
        return 1;
    }
    pid_t kids[16];

    fill_pages();
    sfz_exec_prefork();
    CHECK(children(kids, 16) == 1);
    pid_t zygote = the_zygote();
    CHECK(zygote > 0);
    if (zygote > 0)
        check_zygote_memory(zygote);
    sfz_exec_prefork();
    CHECK(children(kids, 16) == 1 && the_zygote() == zygote);

    CHECK(sfz_pool_ensure(0) == 0);
    CHECK(parent_of(sfz_pool_pid(0)) == getpid());
    CHECK(children(kids, 16) == 2);
    CHECK(the_zygote() == zygote); /* the worker came from the zygote started before it */
    CHECK(zygote > 0);

    CHECK(sfz_pool_ensure(1) == 0 && sfz_pool_ensure(2) == 0);
    CHECK(parent_of(sfz_pool_pid(1)) == getpid() && parent_of(sfz_pool_pid(2)) == getpid());
    CHECK(children(kids, 16) == 4);
    CHECK(the_zygote() == zygote);

    /* a dead zygote: replaced at the next request, its worker the executor's child again */
    if (zygote <= 0) { /* never kill(0): that is this whole process group */
        printf("FAIL: no zygote to kill\n");
        sfz_exec_shutdown();
        return 1;
    }
    CHECK(kill(zygote, SIGKILL) == 0);
    pid_t old_worker = sfz_pool_pid(1);
    sfz_pool_retire(1);
    CHECK(parent_of(old_worker) == -1);
    CHECK(sfz_pool_ensure(1) == 0);
    CHECK(sfz_pool_pid(1) != old_worker && parent_of(sfz_pool_pid(1)) == getpid());
    pid_t second = the_zygote();
    CHECK(second > 0 && second != zygote);
    CHECK(parent_of(zygote) == -1); /* the first one collected, not left a zombie */
    CHECK(children(kids, 16) == 4);

    sfz_exec_shutdown();
    CHECK(children(kids, 16) == 0);
    if (failures == 0)
        printf("ok: workers from one zygote, the executor's children; a dead zygote replaced\n");
    return failures != 0;
}
