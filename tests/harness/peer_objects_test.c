/*
 * peer_objects_test.c - the hostile peer's numbering of the program's objects
 * (harness/src/peer_objects.c) is what reading /proc/sysvipc/shm with stdio and sscanf and
 * /dev/shm with readdir gives, in a private IPC and mount namespace of its own:
 *   - 12 segments, every third removed (found by index), and 70, a few removed (more than
 *     the index walk takes: the file, over 4 KB); keys private, positive and negative as the
 *     file prints them, sizes 1 to ~1 MB: every segment in order with its key, id and size; a
 *     shorter MAX keeps the first ones and still counts all; none once they are removed;
 *   - 300 files of /dev/shm with long names (several getdents64 buffers), named semaphores and
 *     a dot file among them: the Nth file the peer may write, for every N, and none past them.
 * Exit 77 without the namespaces (not root).
 */
#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mount.h>
#include <sys/shm.h>
#include <unistd.h>

#include "check.h"
#include "exec_internal.h"
#include "peer_objects.h"

#define NSEG 70
#define NFILES 300

static int private_namespaces(void)
{
    if (unshare(CLONE_NEWIPC | CLONE_NEWNS) != 0)
        return -1;
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0)
        return -1;
    return mount("tmpfs", "/dev/shm", "tmpfs", 0, "size=8m");
}

/* The reference: the file as stdio and sscanf read it. */
static unsigned reference_segments(struct sfz_segment *seg, unsigned max)
{
    FILE *f = fopen("/proc/sysvipc/shm", "re");
    char line[512];
    unsigned n = 0;
    while (f != NULL && n < max && fgets(line, sizeof(line), f) != NULL) {
        unsigned perms;
        if (sscanf(line, "%ld %d %o %lu", &seg[n].key, &seg[n].id, &perms, &seg[n].size) == 4)
            n++;
    }
    if (f != NULL)
        fclose(f);
    return n;
}

/* A few segments with gaps (the kernel's index walk) and many (the file): the reference's. */
static void check_some(unsigned count, unsigned gap)
{
    int ids[NSEG];
    unsigned removed = 0;
    for (unsigned i = 0; i < count; i++) {
        key_t key = i % 3 == 0 ? IPC_PRIVATE : (key_t)(i % 3 == 1 ? 0x1000 + i : 0x80000000u + i);
        ids[i] = shmget(key, 1 + i * 15013u, IPC_CREAT | 0600);
        CHECK(ids[i] >= 0);
    }
    for (unsigned i = 5; i < count; i += gap, removed++)
        CHECK(shmctl(ids[i], IPC_RMID, NULL) == 0);
    static struct sfz_segment want[NSEG], got[NSEG];
    unsigned nwant = reference_segments(want, NSEG), total = 0;
    unsigned ngot = sfz_peer_segments(got, NSEG, &total);
    CHECK(nwant == count - removed);
    CHECK(ngot == nwant);
    CHECK(total == nwant);
    for (unsigned i = 0; i < ngot && i < nwant; i++) {
        CHECK(got[i].key == want[i].key);
        CHECK(got[i].id == want[i].id);
        CHECK(got[i].size == want[i].size);
    }
    int negative = 0;
    for (unsigned i = 0; i < nwant; i++)
        negative |= want[i].key < 0;
    CHECK(negative); /* the file prints keys as signed numbers: some are */
    ngot = sfz_peer_segments(got, 3, &total);
    CHECK(ngot == 3 && total == nwant);
    CHECK(got[2].id == want[2].id);
    for (unsigned i = 0; i < count; i++)
        (void)shmctl(ids[i], IPC_RMID, NULL);
    CHECK(sfz_peer_segments(got, NSEG, &total) == 0 && total == 0);
}

static void check_segments(void)
{
    check_some(12, 3);
    check_some(NSEG, 17);
}

static void check_files(void)
{
    char path[512];
    for (unsigned i = 0; i < NFILES; i++) {
        /* long names: a few dozen fill a getdents64 buffer */
        if (i % 50 == 7)
            snprintf(path, sizeof(path), "/dev/shm/sem.s%u", i);
        else if (i == 11)
            snprintf(path, sizeof(path), "/dev/shm/.hidden");
        else
            snprintf(path, sizeof(path), "/dev/shm/object-%03u-%0100u", i, i);
        int fd = open(path, O_CREAT | O_RDWR | O_CLOEXEC, 0600);
        CHECK(fd >= 0);
        if (fd >= 0)
            close(fd);
    }
    DIR *d = opendir("/dev/shm");
    unsigned n = 0, mismatches = 0;
    char name[256];
    CHECK(d != NULL);
    for (struct dirent *e; d != NULL && (e = readdir(d)) != NULL;) {
        if (!sfz_peer_file(e->d_name))
            continue;
        if (sfz_peer_file_nth(n, name, sizeof(name)) != 0 || strcmp(name, e->d_name) != 0)
            mismatches++;
        n++;
    }
    if (d != NULL)
        closedir(d);
    CHECK(mismatches == 0);
    CHECK(n == NFILES - 1 - 6); /* the dot file and six named semaphores are not the peer's */
    CHECK(sfz_peer_file_nth(n, name, sizeof(name)) == -1);
    CHECK(sfz_peer_file_nth(0, name, 8) == -1); /* a name that does not fit is no name */
}

int main(void)
{
    if (private_namespaces() != 0) {
        printf("SKIP: no private IPC and mount namespace (%s)\n", strerror(errno));
        return 77;
    }
    check_segments();
    check_files();
    return failures != 0;
}
