/*
 * chain.c - one program a driver script runs several times in a row, like a control tool
 * (`chain create; chain use; chain remove`): create and use call semget first (call 1 of
 * semget is a point in each), create keeps the set's id in ./chain.id and remove removes that
 * id (a removal that fails leaves the set, which is the failed call's doing). Built twice: with
 * -DBUGGY=1 the second run's error path is wrong (it crashes on a failed open); the correct
 * twin reports the error and exits 1. `chain hold FIFO` / `chain release FIFO` are two runs
 * that are alive at the same time (each waits in main for the other): overlapping runs.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/sem.h>
#include <unistd.h>

#define KEY 0x5eed0c01

static int fail(const char *step, const char *call)
{
    fprintf(stderr, "chain %s: %s: %s\n", step, call, strerror(errno));
    return 1;
}

static int use(void)
{
    int id = semget(KEY, 1, 0600);
    if (id < 0) {
#if defined(BUGGY) && BUGGY
        /* the defect: the error path keeps its reason through a pointer that is never set */
        int *volatile reason = NULL;
        *reason = errno;
#endif
        return fail("use", "semget");
    }
    struct sembuf up = {0, 1, 0};
    return semop(id, &up, 1) != 0 ? fail("use", "semop") : 0;
}

int main(int argc, char **argv)
{
    const char *step = argc > 1 ? argv[1] : "";
    if (strcmp(step, "create") == 0) {
        int id = semget(KEY, 1, IPC_CREAT | IPC_EXCL | 0600);
        if (id < 0)
            return fail(step, "semget");
        FILE *f = fopen("chain.id", "w");
        if (f == NULL || fprintf(f, "%d\n", id) < 0 || fclose(f) != 0) {
            fail(step, "chain.id");
            semctl(id, 0, IPC_RMID);
            return 1;
        }
        return 0;
    }
    if (strcmp(step, "use") == 0)
        return use();
    if (strcmp(step, "remove") == 0) {
        int id = -1;
        FILE *f = fopen("chain.id", "r");
        if (f == NULL || fscanf(f, "%d", &id) != 1)
            return fail(step, "chain.id");
        fclose(f);
        return semctl(id, 0, IPC_RMID) != 0 ? fail(step, "semctl") : 0;
    }
    if ((strcmp(step, "hold") == 0 || strcmp(step, "release") == 0) && argc > 2) {
        /* a FIFO opens only when both ends do: each run waits here for the other */
        int fd = open(argv[2], step[0] == 'h' ? O_RDONLY : O_WRONLY);
        if (fd < 0)
            return fail(step, "open");
        close(fd);
        int id = semget(IPC_PRIVATE, 1, 0600);
        return id < 0 || semctl(id, 0, IPC_RMID) != 0 ? fail(step, "semget") : 0;
    }
    fprintf(stderr, "usage: chain create|use|remove | chain hold|release FIFO\n");
    return 2;
}
