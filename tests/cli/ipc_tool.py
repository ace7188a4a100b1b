#!/usr/bin/env python3
"""ipc_tool.py: real System V and POSIX IPC objects for the clean and raw-fallback tests.

Keys are hex (0x...); a key >= 0x80000000 is passed as the negative key_t it is.
  shm KEY [MODE]             create a 4096-byte segment (IPC_CREAT|IPC_EXCL), fill it with 'F',
                             print its id
  sem KEY [MODE]             create a set of one semaphore with value 5, print its id
  psem NAME [MODE]           create POSIX semaphore NAME with value 7 (sem_open)
  stamp shm|sem ID           print "key=0x... ctime=... cuid=..." (IPC_STAT), or "gone"
  peek shm|sem ID            print what the object holds: the first 8 bytes, nattch; the
                             value, waiters
  attach ID                  shmat ID, print "attached", hold it until stdin closes
  semwait ID                 print "waiting", block in semop(-1) on ID; then print the outcome
  hold PATH map|fd           map PATH (then close it) or only hold it open; print "held",
                             keep it until stdin closes
  post ID N                  semop(+N) on semaphore 0 of ID
  rawkeys PID                print the raw op set's fallback keys for slots 0..3 of PID
"""
import ctypes
import errno
import os
import sys

libc = ctypes.CDLL(None, use_errno=True)
IPC_CREAT, IPC_EXCL, IPC_STAT, IPC_NOWAIT = 0o1000, 0o2000, 2, 0o4000
GETVAL, SETVAL, GETNCNT, GETZCNT = 12, 16, 14, 15


class IpcPerm(ctypes.Structure):
    _fields_ = [("key", ctypes.c_int), ("uid", ctypes.c_uint), ("gid", ctypes.c_uint),
                ("cuid", ctypes.c_uint), ("cgid", ctypes.c_uint), ("mode", ctypes.c_ushort),
                ("pad1", ctypes.c_ushort), ("seq", ctypes.c_ushort), ("pad2", ctypes.c_ushort),
                ("unused1", ctypes.c_ulong), ("unused2", ctypes.c_ulong)]


class ShmidDs(ctypes.Structure):  # x86-64 and arm64 glibc layout
    _fields_ = [("perm", IpcPerm), ("segsz", ctypes.c_size_t), ("atime", ctypes.c_long),
                ("dtime", ctypes.c_long), ("ctime", ctypes.c_long), ("cpid", ctypes.c_int),
                ("lpid", ctypes.c_int), ("nattch", ctypes.c_ulong), ("unused", ctypes.c_ulong * 2)]


class SemidDs(ctypes.Structure):
    _fields_ = [("perm", IpcPerm), ("otime", ctypes.c_long), ("unused1", ctypes.c_ulong),
                ("ctime", ctypes.c_long), ("unused2", ctypes.c_ulong), ("nsems", ctypes.c_ulong),
                ("unused3", ctypes.c_ulong * 2)]


class Sembuf(ctypes.Structure):
    _fields_ = [("num", ctypes.c_ushort), ("op", ctypes.c_short), ("flg", ctypes.c_short)]


libc.shmat.restype = ctypes.c_void_p
libc.shmat.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_int]
libc.sem_open.restype = ctypes.c_void_p
libc.sem_open.argtypes = [ctypes.c_char_p, ctypes.c_int, ctypes.c_uint, ctypes.c_uint]


def key_of(text):
    k = int(text, 16)
    return k - (1 << 32) if k >= (1 << 31) else k


def check(rc, what):
    if rc == -1 or rc is None:
        sys.exit(f"ipc_tool: {what}: {os.strerror(ctypes.get_errno())}")
    return rc


def stat(kind, ident):
    ds = ShmidDs() if kind == "shm" else SemidDs()
    rc = (libc.shmctl(ident, IPC_STAT, ctypes.byref(ds)) if kind == "shm"
          else libc.semctl(ident, 0, IPC_STAT, ctypes.byref(ds)))
    return ds if rc == 0 else None


def main(argv):
    cmd, args = argv[0], argv[1:]
    mode = lambda i, d: int(args[i], 8) if len(args) > i else d  # noqa: E731
    if cmd == "shm":
        ident = check(libc.shmget(key_of(args[0]), ctypes.c_size_t(4096),
                                  IPC_CREAT | IPC_EXCL | mode(1, 0o600)), "shmget")
        addr = libc.shmat(ident, None, 0)
        ctypes.memset(addr, ord("F"), 4096)
        libc.shmdt(ctypes.c_void_p(addr))
        print(ident)
    elif cmd == "sem":
        ident = check(libc.semget(key_of(args[0]), 1, IPC_CREAT | IPC_EXCL | mode(1, 0o600)),
                      "semget")
        check(libc.semctl(ident, 0, SETVAL, 5), "SETVAL")
        print(ident)
    elif cmd == "psem":
        os.umask(0)
        if not libc.sem_open(args[0].encode(), os.O_CREAT | os.O_EXCL, mode(1, 0o600), 7):
            check(-1, "sem_open")
    elif cmd == "stamp":
        ds = stat(args[0], int(args[1]))
        print("gone" if ds is None else
              f"key=0x{ds.perm.key & 0xffffffff:08x} ctime={ds.ctime} cuid={ds.perm.cuid}")
    elif cmd == "peek":
        ident = int(args[1])
        if args[0] == "shm":
            ds = stat("shm", ident)
            if ds is None:
                print("gone")
                return
            addr = libc.shmat(ident, None, 0o10000)  # SHM_RDONLY
            data = ctypes.string_at(addr, 8)
            libc.shmdt(ctypes.c_void_p(addr))
            print(f"data={data.decode(errors='replace')} nattch={ds.nattch}")
        else:
            val = libc.semctl(ident, 0, GETVAL)
            print("gone" if val == -1 else
                  f"value={val} ncnt={libc.semctl(ident, 0, GETNCNT)} zcnt={libc.semctl(ident, 0, GETZCNT)}")
    elif cmd == "attach":
        addr = libc.shmat(int(args[0]), None, 0)
        if addr in (None, ctypes.c_void_p(-1).value):
            check(-1, "shmat")
        print("attached", flush=True)
        sys.stdin.read()
    elif cmd == "semwait":
        print("waiting", flush=True)
        op = Sembuf(0, -10, 0)  # more than the value: blocks until the set changes
        rc = libc.semop(int(args[0]), ctypes.byref(op), 1)
        err = ctypes.get_errno()
        print("done" if rc == 0 else f"error {errno.errorcode.get(err, err)}", flush=True)
    elif cmd == "hold":
        fd = os.open(args[0], os.O_RDWR)
        if args[1] == "map":  # libc's mmap: Python's mmap module keeps a descriptor
            os.ftruncate(fd, 4096)
            libc.mmap.restype = ctypes.c_void_p
            libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int,
                                  ctypes.c_int, ctypes.c_long]
            if libc.mmap(None, 4096, 3, 1, fd, 0) == ctypes.c_void_p(-1).value:  # RW, SHARED
                check(-1, "mmap")
            os.close(fd)
        print("held", flush=True)
        sys.stdin.read()
    elif cmd == "post":
        op = Sembuf(0, int(args[1]), 0)
        check(libc.semop(int(args[0]), ctypes.byref(op), 1), "semop")
    elif cmd == "rawkeys":
        pid = int(args[0])
        print(" ".join(f"0x{0x5300000 + ((pid & 0xffff) << 4) + s:08x}" for s in range(4)))
    else:
        sys.exit(f"ipc_tool: unknown command {cmd}")


if __name__ == "__main__":
    main(sys.argv[1:])
