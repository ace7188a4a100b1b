/*
 * hostile.c - a real program that does what hostile hosts of libshmfault do to its files and
 * settings (tests/faults/hostile.sh). It does not link the library (one build of it links the
 * preload or the API library for the set-id cases). Subcommands:
 *   closefrom DATA [LOW]  closefrom(LOW, default 3), open DATA, write "data\n" to it, make
 *                      traced shm calls, take fds 960..1023 with dup2, leak one segment
 *                      (key 0x4c4c) and exit
 *   key KEY            create a segment with KEY (0x... allowed) and leave it
 *   names N1 N2        shm_open both names (O_CREAT), leave both
 *   spawn KEY SELF     fork; the child execs SELF key KEY+1; then leave a segment with KEY
 *   fifo-writer FIFO FILE  write FILE into FIFO through a one-page pipe (the reader gets it in
 *                      several read()s)
 *   hello              print "main reached"
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static int leave_segment(key_t key)
{
    int id = shmget(key, 4096, IPC_CREAT | 0600);
    if (id < 0) {
        perror("hostile: shmget");
        return 1;
    }
    printf("segment %d\n", id);
    return 0;
}

static int do_closefrom(const char *data, int low)
{
    closefrom(low); /* 2: a daemon that also lets go of stderr; DATA then becomes fd 2 */
    int fd = open(data, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) {
        perror("hostile: open");
        return 1;
    }
    for (int i = 0; i < 3; i++) { /* traced calls: none of their lines may land in DATA */
        int id = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
        if (id >= 0)
            shmctl(id, IPC_RMID, NULL);
    }
    if (write(fd, "data\n", 5) != 5)
        return 1;
    /* the layer's old numbers are the program's now: still never written into */
    for (int n = 1023; n >= 960; n--)
        (void)dup2(fd, n);
    int id = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
    if (id >= 0)
        shmctl(id, IPC_RMID, NULL);
    return leave_segment(0x4c4c);
}

static int do_names(const char *a, const char *b)
{
    const char *n[2] = {a, b};
    for (int i = 0; i < 2; i++) {
        int fd = shm_open(n[i], O_CREAT | O_RDWR, 0600);
        if (fd < 0) {
            perror("hostile: shm_open");
            return 1;
        }
        close(fd);
    }
    return 0;
}

static int do_spawn(key_t key, const char *self)
{
    char next[32];
    snprintf(next, sizeof(next), "%d", (int)key + 1);
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        execl(self, self, "key", next, (char *)NULL);
        _exit(127);
    }
    int st = 0;
    if (pid < 0 || waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
        return 1;
    return leave_segment(key);
}

static int fifo_writer(const char *fifo, const char *file)
{
    static char buf[1 << 17];
    int in = open(file, O_RDONLY);
    ssize_t n = in >= 0 ? read(in, buf, sizeof(buf)) : -1;
    int out = open(fifo, O_WRONLY);
    if (n < 0 || out < 0 || fcntl(out, F_SETPIPE_SZ, 4096) < 0) {
        perror("hostile: fifo-writer");
        return 1;
    }
    for (ssize_t off = 0; off < n;) {
        ssize_t w = write(out, buf + off, (size_t)(n - off));
        if (w <= 0)
            return 1;
        off += w;
    }
    return 0;
}

int main(int argc, char **argv)
{
    const char *cmd = argc > 1 ? argv[1] : "";
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (strcmp(cmd, "closefrom") == 0 && (argc == 3 || argc == 4))
        return do_closefrom(argv[2], argc == 4 ? atoi(argv[3]) : 3);
    if (strcmp(cmd, "key") == 0 && argc == 3)
        return leave_segment((key_t)strtoul(argv[2], NULL, 0));
    if (strcmp(cmd, "names") == 0 && argc == 4)
        return do_names(argv[2], argv[3]);
    if (strcmp(cmd, "spawn") == 0 && argc == 4)
        return do_spawn((key_t)strtoul(argv[2], NULL, 0), argv[3]);
    if (strcmp(cmd, "fifo-writer") == 0 && argc == 4)
        return fifo_writer(argv[2], argv[3]);
    if (strcmp(cmd, "hello") == 0) {
        puts("main reached");
        return 0;
    }
    fprintf(stderr,
            "usage: hostile closefrom DATA [LOW] | key KEY | names N1 N2 | spawn KEY SELF | "
            "fifo-writer FIFO FILE | hello\n");
    return 2;
}
