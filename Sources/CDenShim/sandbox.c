// The sandbox child: carries out a plan made by the Swift parent (see den_shim.h).
//
// Runs from a constructor, before the Swift runtime exists, because unsharing the user and
// mount namespaces requires a single-threaded process. It is an interpreter of a linear
// plan: it decides nothing on its own. Any failure is reported as {op, errno, detail} on
// the report pipe and ends the process; the parent turns it into an error with a fix.
//
// Processes: the re-executed den (A) unshares the user namespace and the others, then forks
// pid 1 of the new pid namespace (B, the env's init). A stays outside to forward signals and
// pass B's exit status up; B mounts, pivots, forks the command (C), reaps zombies and exits
// with C's status.
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "den_shim.h"
#include "sandbox_internal.h"

// The new mount API and openat2 have no glibc wrappers before 2.36 and their headers clash
// with <sys/mount.h>: declare the few constants used here.
#ifndef OPEN_TREE_CLONE
#define OPEN_TREE_CLONE 1
#endif
#ifndef OPEN_TREE_CLOEXEC
#define OPEN_TREE_CLOEXEC O_CLOEXEC
#endif
#ifndef MOVE_MOUNT_F_EMPTY_PATH
#define MOVE_MOUNT_F_EMPTY_PATH 0x00000004
#endif
#ifndef MOVE_MOUNT_T_EMPTY_PATH
#define MOVE_MOUNT_T_EMPTY_PATH 0x00000040
#endif
#ifndef AT_RECURSIVE
#define AT_RECURSIVE 0x8000
#endif
#define DEN_MOUNT_ATTR_RDONLY 0x00000001
#define DEN_MOUNT_ATTR_NOSUID 0x00000002
#define DEN_MOUNT_ATTR_NODEV 0x00000004
#define DEN_RESOLVE_NO_MAGICLINKS 0x02
#define DEN_RESOLVE_IN_ROOT 0x10
#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

struct den_open_how {
    uint64_t flags;
    uint64_t mode;
    uint64_t resolve;
};

struct den_mount_attr {
    uint64_t attr_set;
    uint64_t attr_clr;
    uint64_t propagation;
    uint64_t userns_fd;
};


struct op {
    uint32_t code;
    uint32_t argc;
    char **argv;
};

int control_fd = -1;
int report_fd = -1;
static int root_fd = -1;        // the env's root, before and after pivot_root
static char **command_env;      // from DEN_OP_ENV
static int current_op;          // for error reports
static pid_t den_pid;           // the den that started us, to notice its death
static int joined;              // set once this process has entered a running env
int listen_fd = -1;             // the env's session socket, when this process is its init

void report(int kind, int error, int value, const char *detail) {
    struct den_report record;
    memset(&record, 0, sizeof record);
    record.kind = kind;
    record.op = current_op;
    record.error = error;
    record.value = value;
    if (detail) snprintf(record.detail, sizeof record.detail, "%s", detail);
    if (report_fd >= 0) {
        ssize_t ignored = write(report_fd, &record, sizeof record);
        (void)ignored;
    }
}

void fail(int error, const char *detail) {
    report(DEN_REPORT_ERROR, error, 0, detail);
    _exit(DEN_EXIT_SETUP);
}

int read_full(int fd, void *buffer, size_t length) {
    size_t done = 0;
    while (done < length) {
        ssize_t n = read(fd, (char *)buffer + done, length - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return -1;
        done += (size_t)n;
    }
    return 0;
}

static int write_file(const char *path, const char *text) {
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    ssize_t n = write(fd, text, strlen(text));
    int saved = errno;
    close(fd);
    errno = saved;
    return n == (ssize_t)strlen(text) ? 0 : -1;
}

// --- The plan -------------------------------------------------------------------------

static uint32_t take_u32(const char **cursor, const char *end) {
    uint32_t value;
    if (end - *cursor < 4) fail(EINVAL, "truncated plan");
    memcpy(&value, *cursor, 4);
    *cursor += 4;
    return value;
}

// Reads "length, blob" from the control pipe and splits it into operations. Strings are
// copied out NUL-terminated; the plan is trusted (it comes from our own parent) but still
// bounds-checked so a torn pipe cannot make us read past the buffer.
static struct op *read_plan(size_t *count) {
    uint32_t length;
    if (read_full(control_fd, &length, 4) != 0 || length < 4 || length > (64u << 20)) fail(EPROTO, "no plan from den");
    char *blob = malloc(length);
    if (!blob || read_full(control_fd, blob, length) != 0) fail(EPROTO, "short plan from den");
    if (memcmp(blob, "DEN1", 4) != 0) fail(EPROTO, "plan has the wrong version");
    const char *cursor = blob + 4, *end = blob + length;
    size_t capacity = 64, n = 0;
    struct op *ops = malloc(capacity * sizeof *ops);
    while (cursor < end) {
        if (n == capacity) ops = realloc(ops, (capacity *= 2) * sizeof *ops);
        if (!ops) fail(ENOMEM, "plan");
        ops[n].code = take_u32(&cursor, end);
        ops[n].argc = take_u32(&cursor, end);
        if (ops[n].argc > 1u << 16) fail(EPROTO, "plan argument count");
        ops[n].argv = calloc(ops[n].argc + 1, sizeof(char *));
        for (uint32_t i = 0; i < ops[n].argc; i++) {
            uint32_t size = take_u32(&cursor, end);
            if ((size_t)(end - cursor) < size) fail(EPROTO, "truncated plan argument");
            ops[n].argv[i] = strndup(cursor, size);
            cursor += size;
        }
        n++;
    }
    *count = n;
    return ops;
}

static unsigned long number(const char *text) {
    return strtoul(text, NULL, 10);
}

// --- Paths inside the root ------------------------------------------------------------

static int openat2_in_root(int dirfd, const char *path, int flags) {
    struct den_open_how how = {.flags = (uint64_t)(flags | O_CLOEXEC), .mode = 0,
                               .resolve = DEN_RESOLVE_IN_ROOT | DEN_RESOLVE_NO_MAGICLINKS};
    return (int)syscall(SYS_openat2, dirfd, path, &how, sizeof how);
}

// Opens `path` inside the root as an O_PATH fd. Every component is resolved by the kernel
// with the root as "/" (RESOLVE_IN_ROOT), so a symlink such as /etc/hosts -> /host/file
// lands inside the env, never on the host. A missing path is created when `create` is
// set: parents as directories, the last as a directory or (is_file) an empty file; a
// dangling symlink is followed (inside the root) and its target created instead.
static int open_in_root_depth(const char *path, int create, int is_file, int depth) {
    int fd = openat2_in_root(root_fd, path, O_PATH);
    if (fd >= 0 || errno != ENOENT || !create) return fd;
    if (depth > 40) {
        errno = ELOOP;
        return -1;
    }

    char parent[4096];
    snprintf(parent, sizeof parent, "%s", path);
    char *slash = strrchr(parent, '/');
    if (!slash || slash[1] == 0) return -1;
    const char *name = path + (slash - parent) + 1;
    if (slash == parent) strcpy(parent, "/"); else *slash = 0;
    int parent_fd = open_in_root_depth(parent, 1, 0, depth + 1);
    if (parent_fd < 0) return -1;
    // O_PATH fds cannot be used with mkdirat; reopen the parent as a directory.
    int dir = openat(parent_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    close(parent_fd);
    if (dir < 0) return -1;
    int made;
    if (is_file) {
        made = openat(dir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
        if (made >= 0) close(made);
    } else {
        made = mkdirat(dir, name, 0755);
    }
    int saved = errno;
    if (made < 0 && saved == EEXIST) {
        struct stat info;
        char target[4096];
        ssize_t length;
        if (fstatat(dir, name, &info, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(info.st_mode) &&
            (length = readlinkat(dir, name, target, sizeof target - 1)) > 0) {
            close(dir);
            target[length] = 0;
            char next[8192];
            if (target[0] == '/') snprintf(next, sizeof next, "%s", target);
            else snprintf(next, sizeof next, "%s/%s", parent, target);
            return open_in_root_depth(next, create, is_file, depth + 1);
        }
    }
    close(dir);
    if (made < 0 && saved != EEXIST) {
        errno = saved;
        return -1;
    }
    return openat2_in_root(root_fd, path, O_PATH);
}

static int open_in_root(const char *path, int create, int is_file) {
    return open_in_root_depth(path, create, is_file, 0);
}

static const char *fd_path(int fd, char *buffer, size_t size) {
    snprintf(buffer, size, "/proc/self/fd/%d", fd);
    return buffer;
}

// --- Operations -----------------------------------------------------------------------

// SIGKILL when the parent dies; if it already has, exit now.
static void die_with_parent(pid_t parent) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(DEN_EXIT_SETUP);
}

static void op_userns_single(char **argv) {
    if (unshare(CLONE_NEWUSER) != 0) fail(errno, "unshare(CLONE_NEWUSER)");
    char map[64];
    // setgroups must be denied before an unprivileged process may write its gid_map.
    if (write_file("/proc/self/setgroups", "deny") != 0) fail(errno, "/proc/self/setgroups");
    snprintf(map, sizeof map, "%s %s 1\n", argv[0], argv[1]);
    if (write_file("/proc/self/uid_map", map) != 0) fail(errno, "/proc/self/uid_map");
    snprintf(map, sizeof map, "%s %s 1\n", argv[2], argv[3]);
    if (write_file("/proc/self/gid_map", map) != 0) fail(errno, "/proc/self/gid_map");
}

static void op_userns_helper(char **argv) {
    if (unshare(CLONE_NEWUSER) != 0) fail(errno, "unshare(CLONE_NEWUSER)");
    // Only the setuid newuidmap/newgidmap may write a multi-id map, and they run outside:
    // ask the parent and wait for its go-ahead.
    report(DEN_REPORT_NEED_MAPS, 0, getpid(), NULL);
    char go;
    if (read_full(control_fd, &go, 1) != 0) fail(EPROTO, "den did not write the id maps");
    if (go != 1) fail(EPERM, "newuidmap/newgidmap failed");
    // Become the env's root: what the setup creates (mounts, /home/USER, /etc/passwd) must
    // belong to root inside, not to the user's own id. Host groups mean nothing here.
    gid_t gid = (gid_t)number(argv[1]);
    uid_t uid = (uid_t)number(argv[0]);
    if (setgroups(0, NULL) != 0) fail(errno, "setgroups");
    if (setresgid(gid, gid, gid) != 0) fail(errno, "setresgid");
    if (setresuid(uid, uid, uid) != 0) fail(errno, "setresuid");
    // Changing credentials cleared the parent-death signal and made the process
    // non-dumpable, which would hide its /proc/PID/ns from the user's later `den` commands
    // that join the env: restore both, and catch a den that died in between.
    prctl(PR_SET_DUMPABLE, 1);
    die_with_parent(den_pid);
}

// Points fds 0-2 at /dev/null.
void detach_stdio(void) {
    int null = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (null < 0) return;
    for (int fd = 0; fd <= 2; fd++) dup2(null, fd);
    if (null > 2) close(null);
}

static int remove_tree(int parent, const char *name, char *failed, size_t failed_size);

// The previous overlay's work directory, which DEN_OP_SET_ASIDE moved out of the way: the
// directory it is in, and its name there.
static int aside_dir = -1;
static const char *aside_name;

// directory from to: move `from` to `to`, both in `directory`, unless `to` is in the way.
// Mounting an overlay empties and recreates its work directory's "work"; on ext4 mounted
// with `discard`, freeing that directory's block waits for the disk (0.3-1 ms measured),
// on the critical path of every entry. Set aside, the overlay makes a new one, and the
// outside process deletes the old one while the command runs. Best effort: anything in the
// way (a leftover of a killed den) just leaves the emptying to the overlay this time.
static void op_set_aside(char **argv) {
    int dir = open(argv[0], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (dir < 0) return;
    renameat2(dir, argv[1], dir, argv[2], RENAME_NOREPLACE);
    aside_dir = dir;
    aside_name = argv[2];
}

static void delete_aside(void) {
    char ignored[1];
    remove_tree(aside_dir, aside_name, ignored, sizeof ignored);
    close(aside_dir);
    aside_dir = -1;
}

// The process that stays outside the pid namespace: it forwards the signals that den's
// parent sends it to the init and exits with the init's status.
static void run_outside(pid_t init) {
    report(DEN_REPORT_INIT, 0, init, NULL);
    close(report_fd);
    close(control_fd);
    detach_stdio();
    if (aside_dir >= 0) delete_aside();
    sigset_t all;
    sigemptyset(&all);
    sigaddset(&all, SIGCHLD);
    sigaddset(&all, SIGINT);
    sigaddset(&all, SIGTERM);
    sigaddset(&all, SIGHUP);
    sigaddset(&all, SIGQUIT);
    sigaddset(&all, SIGUSR1);
    sigaddset(&all, SIGUSR2);
    for (;;) {
        siginfo_t info;
        if (sigwaitinfo(&all, &info) < 0) continue;
        if (info.si_signo == SIGCHLD) {
            int status;
            pid_t done = waitpid(init, &status, WNOHANG);
            if (done == init) {
                if (WIFEXITED(status)) _exit(WEXITSTATUS(status));
                _exit(128 + WTERMSIG(status));
            }
        } else if (info.si_code != SI_KERNEL) {
            // Terminal signals (SI_KERNEL) already reach the command's process group.
            kill(init, info.si_signo);
        }
    }
}

static void op_namespaces(char **argv) {
    int flags = (int)number(argv[0]);
    if (unshare(flags) != 0) fail(errno, "unshare");
    // Nothing mounted from here on may propagate back to the host.
    if ((flags & CLONE_NEWNS) && mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0) fail(errno, "make / private");
    pid_t child = fork();
    if (child < 0) fail(errno, "fork");
    if (child > 0) run_outside(child);
    // No host directory may stay open in the env: root inside could follow /proc/1/fd/N/..
    // to the user's files on the host.
    if (aside_dir >= 0) close(aside_dir);
    aside_dir = -1;
    // The init outlives the den that started it while other sessions use the env; it
    // notices that den's end on the control pipe instead (see init.c).
    prctl(PR_SET_NAME, "den-init");
}

static void op_root_overlay(char **argv) {
    // EBUSY: the env's previous instance (its last session just ended) is still being torn
    // down by the kernel and holds the writable layer for a moment longer; wait for it.
    for (int attempt = 0; mount("overlay", argv[0], "overlay", 0, argv[1]) != 0; attempt++) {
        if (errno != EBUSY || attempt >= 10000) fail(errno, argv[0]);
        usleep(500);
    }
    root_fd = open(argv[0], O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (root_fd < 0) fail(errno, argv[0]);
    // The merged "/" takes the writable layer's owner and mode, which den created on the
    // host as the user with 0700: make it the env's root directory, 0755 root:root.
    // Only when needed: even a no-op chown changes the writable layer (its ctime), which the
    // kernel then has to commit when it syncs the layer at unmount.
    char path[64];
    uid_t uid = (uid_t)number(argv[2]);
    gid_t gid = (gid_t)number(argv[3]);
    struct stat st;
    if (fstat(root_fd, &st) != 0) fail(errno, "/");
    if ((st.st_uid != uid || st.st_gid != gid) && fchownat(root_fd, "", uid, gid, AT_EMPTY_PATH) != 0) fail(errno, "/");
    if ((st.st_mode & 07777) != 0755 && chmod(fd_path(root_fd, path, sizeof path), 0755) != 0) fail(errno, "/");
}

static void op_mount(char **argv) {
    int target = open_in_root(argv[1], 1, 0);
    if (target < 0) fail(errno, argv[1]);
    char path[64];
    unsigned long flags = 0, wanted = number(argv[2]);
    if (wanted & DEN_MS_RDONLY) flags |= MS_RDONLY;
    if (wanted & DEN_MS_NOSUID) flags |= MS_NOSUID;
    if (wanted & DEN_MS_NODEV) flags |= MS_NODEV;
    if (wanted & DEN_MS_NOEXEC) flags |= MS_NOEXEC;
    if (mount(argv[0], fd_path(target, path, sizeof path), argv[0], flags, argv[3][0] ? argv[3] : NULL) != 0) fail(errno, argv[1]);
    close(target);
}

static void op_bind(char **argv) {
    int flags = (int)number(argv[2]);
    int source = open(argv[0], O_PATH | O_CLOEXEC);
    if (source < 0) {
        if (errno == ENOENT && (flags & DEN_BIND_OPTIONAL)) return;
        fail(errno, argv[0]);
    }
    struct stat info;
    if (fstat(source, &info) != 0) fail(errno, argv[0]);
    int target = open_in_root(argv[1], 1, !S_ISDIR(info.st_mode));
    if (target < 0) fail(errno, argv[1]);

    // A detached copy of the source mount gets its flags before it becomes visible, and
    // mount_setattr only adds restrictions: flags the host locked (nosuid, noexec…) stay.
    int recursive = (flags & DEN_BIND_RECURSIVE) ? AT_RECURSIVE : 0;
    int tree = (int)syscall(SYS_open_tree, source, "", AT_EMPTY_PATH | OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | recursive);
    if (tree < 0) fail(errno, argv[0]);
    struct den_mount_attr attr = {.attr_set = DEN_MOUNT_ATTR_NOSUID};
    // Device nodes bound into /dev must stay usable.
    if (!S_ISCHR(info.st_mode) && !S_ISBLK(info.st_mode)) attr.attr_set |= DEN_MOUNT_ATTR_NODEV;
    if (flags & DEN_BIND_READONLY) attr.attr_set |= DEN_MOUNT_ATTR_RDONLY;
    if (syscall(SYS_mount_setattr, tree, "", AT_EMPTY_PATH | recursive, &attr, sizeof attr) != 0) fail(errno, argv[1]);
    if (syscall(SYS_move_mount, tree, "", target, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) != 0) fail(errno, argv[1]);
    close(tree);
    close(target);
    close(source);
}

// Opens the parent directory of `path` inside the root (creating it) and returns the last
// component through `name`.
static int open_parent_in_root(const char *path, const char **name) {
    char parent[4096];
    snprintf(parent, sizeof parent, "%s", path);
    char *slash = strrchr(parent, '/');
    if (!slash) return -1;
    *name = path + (slash - parent) + 1;
    if (slash == parent) strcpy(parent, "/"); else *slash = 0;
    int fd = open_in_root(parent, 1, 0);
    if (fd < 0) return -1;
    int dir = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    close(fd);
    return dir;
}

static void op_symlink(char **argv) {
    const char *name;
    int dir = open_parent_in_root(argv[1], &name);
    if (dir < 0) fail(errno, argv[1]);
    if (symlinkat(argv[0], dir, name) != 0 && errno != EEXIST) fail(errno, argv[1]);
    close(dir);
}

static void op_mkdir(char **argv) {
    const char *name;
    int dir = open_parent_in_root(argv[0], &name);
    if (dir < 0) fail(errno, argv[0]);
    if (mkdirat(dir, name, 0700) == 0) {
        // Owner and mode only for a directory made now: an existing one is the user's.
        if (fchownat(dir, name, (uid_t)number(argv[2]), (gid_t)number(argv[3]), AT_SYMLINK_NOFOLLOW) != 0) fail(errno, argv[0]);
        int fd = openat(dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0 || fchmod(fd, (mode_t)strtoul(argv[1], NULL, 8)) != 0) fail(errno, argv[0]);
        close(fd);
    } else if (errno != EEXIST) {
        fail(errno, argv[0]);
    }
    close(dir);
}

static void op_write(char **argv) {
    const char *name;
    int dir = open_parent_in_root(argv[0], &name);
    if (dir < 0) fail(errno, argv[0]);
    char temporary[64];
    snprintf(temporary, sizeof temporary, ".den-write.%d", getpid());
    unlinkat(dir, temporary, 0);
    int fd = openat(dir, temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) fail(errno, argv[0]);
    size_t length = strlen(argv[4]), done = 0;
    while (done < length) {
        ssize_t n = write(fd, argv[4] + done, length - done);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) fail(errno, argv[0]);
        done += (size_t)n;
    }
    if (fchown(fd, (uid_t)number(argv[2]), (gid_t)number(argv[3])) != 0) fail(errno, argv[0]);
    if (fchmod(fd, (mode_t)strtoul(argv[1], NULL, 8)) != 0) fail(errno, argv[0]);
    close(fd);
    // rename: readers see the old file or the new one, never half of it.
    if (renameat(dir, temporary, dir, name) != 0) fail(errno, argv[0]);
    close(dir);
}

static void op_pivot(void) {
    if (fchdir(root_fd) != 0) fail(errno, "chdir to the new root");
    // pivot_root(".", ".") stacks the old root on top of the new one; detaching it leaves
    // only the env's tree, with no path back to the host's.
    if (syscall(SYS_pivot_root, ".", ".") != 0) fail(errno, "pivot_root");
    if (umount2(".", MNT_DETACH) != 0) fail(errno, "detach the host root");
    if (chdir("/") != 0) fail(errno, "/");
}

static void op_loopback(void) {
    int sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (sock < 0) fail(errno, "socket");
    struct ifreq request;
    memset(&request, 0, sizeof request);
    strcpy(request.ifr_name, "lo");
    if (ioctl(sock, SIOCGIFFLAGS, &request) != 0) fail(errno, "lo");
    request.ifr_flags |= IFF_UP | IFF_RUNNING;
    if (ioctl(sock, SIOCSIFFLAGS, &request) != 0) fail(errno, "lo");
    close(sock);
}

static void op_env(struct op *op) {
    command_env = op->argv;
}

// Binds the env's session socket (a host path, before pivot_root hides the host): later
// `den` commands connect to it to join, to ask for the session count, or to stop the env.
// The init keeps no handle on the directory, not even to remove the socket at the end:
// root inside could follow /proc/1/fd/N/.. to the user's files on the host. The socket
// file stays when the env ends; nobody answers on it, and the next start replaces it.
static void op_listen(char **argv) {
    int dir = open(argv[0], O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (dir < 0) fail(errno, argv[0]);
    struct sockaddr_un address = {.sun_family = AF_UNIX};
    // Through the directory's fd, so a long store path cannot overflow sun_path.
    snprintf(address.sun_path, sizeof address.sun_path, "/proc/self/fd/%d/%s", dir, argv[1]);
    listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (listen_fd < 0) fail(errno, "socket");
    unlinkat(dir, argv[1], 0);
    if (bind(listen_fd, (struct sockaddr *)&address, sizeof address) != 0) fail(errno, argv[1]);
    // Only the user may join: the socket is theirs, 0600, in their 0700 runtime directory.
    if (fchownat(dir, argv[1], (uid_t)number(argv[2]), (gid_t)number(argv[3]), AT_SYMLINK_NOFOLLOW) != 0) fail(errno, argv[1]);
    if (fchmodat(dir, argv[1], 0600, 0) != 0) fail(errno, argv[1]);
    if (listen(listen_fd, 16) != 0) fail(errno, argv[1]);
    close(dir);
}

// Enters the namespaces of a running env through its init's /proc entries: the user
// namespace first (it grants the capabilities the others need), then the rest; the fork
// that follows puts the command in the env's pid namespace.
static void op_join(char **argv) {
    static const struct { const char *name; int type; } namespaces[] = {
        {"user", CLONE_NEWUSER}, {"mnt", CLONE_NEWNS}, {"uts", CLONE_NEWUTS},
        {"ipc", CLONE_NEWIPC}, {"net", CLONE_NEWNET}, {"pid", CLONE_NEWPID},
    };
    int fds[6];
    // Open all before entering any: after setns(mnt) the host's /proc is out of sight. A
    // namespace the env shares with the host (the network, unless network = "none") is
    // already ours, and entering it again would need privileges over the host's.
    for (int i = 0; i < 6; i++) {
        char path[64], own[64];
        snprintf(path, sizeof path, "/proc/%s/ns/%s", argv[0], namespaces[i].name);
        snprintf(own, sizeof own, "/proc/self/ns/%s", namespaces[i].name);
        fds[i] = open(path, O_RDONLY | O_CLOEXEC);
        if (fds[i] < 0) fail(errno, path);
        struct stat theirs, mine;
        if (fstat(fds[i], &theirs) == 0 && stat(own, &mine) == 0 && theirs.st_ino == mine.st_ino && theirs.st_dev == mine.st_dev) {
            close(fds[i]);
            fds[i] = -1;
        }
    }
    for (int i = 0; i < 6; i++) {
        if (fds[i] < 0) continue;
        if (setns(fds[i], namespaces[i].type) != 0) fail(errno, namespaces[i].name);
        close(fds[i]);
    }
    root_fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (root_fd < 0) fail(errno, "/");
    joined = 1;
    // The joining process stays outside the pid namespace, like a first session's: it
    // forwards signals and reports the command's exit.
    die_with_parent(den_pid);
}

// Removes everything below the directory `dir` (not `dir` itself): never follows a symlink
// and never descends into another filesystem (a mount point is left alone). Returns 0 or
// an errno; `path` names `dir` for error reports.
static int remove_contents(int dir, dev_t device, int depth, char *path, size_t path_size) {
    if (depth > 4096) return ELOOP;
    DIR *stream = fdopendir(dup(dir));
    if (!stream) return errno;
    int error = 0;
    struct dirent *entry;
    while ((entry = readdir(stream)) != NULL) {
        const char *name = entry->d_name;
        if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0) continue;
        struct stat info;
        if (fstatat(dir, name, &info, AT_SYMLINK_NOFOLLOW) != 0) continue;
        if (S_ISDIR(info.st_mode)) {
            if (info.st_dev != device) {
                error = EXDEV;
                snprintf(path, path_size, "%s", name);
                continue;
            }
            int child = openat(dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            // A directory without write or search permission for its owner is still ours:
            // root inside the user namespace can change its mode.
            if (child < 0 && errno == EACCES && fchmodat(dir, name, 0700, 0) == 0)
                child = openat(dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (child < 0) {
                error = errno;
                continue;
            }
            fchmod(child, 0700);
            int nested = remove_contents(child, device, depth + 1, path, path_size);
            close(child);
            if (nested) {
                error = nested;
                continue;
            }
            if (unlinkat(dir, name, AT_REMOVEDIR) != 0) error = errno;
        } else if (unlinkat(dir, name, 0) != 0) {
            error = errno;
        }
    }
    closedir(stream);
    return error;
}

// Removes the directory `name` in `parent` and everything below it (see remove_contents).
// Returns 0, also when it does not exist, or an errno; `failed` names what could not go.
static int remove_tree(int parent, const char *name, char *failed, size_t failed_size) {
    failed[0] = 0;
    int dir = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (dir < 0) return errno == ENOENT ? 0 : errno;
    struct stat info;
    int error = fstat(dir, &info) == 0 ? remove_contents(dir, info.st_dev, 0, failed, failed_size) : errno;
    close(dir);
    if (!error && unlinkat(parent, name, AT_REMOVEDIR) != 0) error = errno;
    return error;
}

// path: delete a tree from inside the user namespace, where files made by the env's root
// (host subordinate ids) belong to us; then exit. Used to throw envs and probes away.
static void op_remove_tree(char **argv) {
    char failed[256];
    int error = remove_tree(AT_FDCWD, argv[0], failed, sizeof failed);
    if (error) fail(error, failed[0] ? failed : argv[0]);
    _exit(0);
}

// Forks the command: the child takes the identity and working directory the plan names and
// execs. Returns its pid once it is running; an exec failure is reported.
static pid_t start_command(char **argv, uint32_t argc) {
    if (argc < 8) fail(EINVAL, "exec needs a command");
    uid_t uid = (uid_t)number(argv[2]);
    gid_t gid = (gid_t)number(argv[3]);
    int nest = argv[5][0] == '1';
    // `den shell`: a new pseudo-terminal from the env's devpts, so the shell has a terminal
    // of its own (job control in its pid namespace, a name `tty` can print) that den relays.
    int master = -1, slave = -1;
    if (strcmp(argv[6], "-") != 0) {
        master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (master < 0) fail(errno, "/dev/ptmx");
        int unlock = 0;
        if (ioctl(master, TIOCSPTLCK, &unlock) != 0) fail(errno, "/dev/ptmx");
        slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (slave < 0) fail(errno, "/dev/pts");
        unsigned rows = 24, columns = 80;
        sscanf(argv[6], "%u %u", &rows, &columns);
        struct winsize size = {.ws_row = (unsigned short)rows, .ws_col = (unsigned short)columns};
        ioctl(master, TIOCSWINSZ, &size);
        // The terminal belongs to the user (in a nested namespace, to the id root maps to).
        if (fchown(slave, nest ? getuid() : uid, nest ? getgid() : gid) != 0 || fchmod(slave, 0620) != 0) fail(errno, "/dev/pts");
    }
    int status_pipe[2];
    if (pipe2(status_pipe, O_CLOEXEC) != 0) fail(errno, "pipe");
    pid_t command = fork();
    if (command < 0) {
        // Joining an env whose init just left: its pid namespace takes no new process.
        // Reported as part of the join, which den retries by starting the env afresh.
        if (joined) current_op = DEN_OP_JOIN;
        fail(errno, "fork");
    }
    if (command == 0) {
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        int error = 0;
        if (slave >= 0) {
            // A session of its own with the new terminal as controlling terminal.
            if (setsid() < 0 || ioctl(slave, TIOCSCTTY, 0) != 0) error = errno;
            for (int fd = 0; fd <= 2 && !error; fd++) {
                if (dup2(slave, fd) < 0) error = errno;
            }
        }
        if (chdir(argv[0]) != 0 && chdir(argv[1]) != 0 && chdir("/") != 0) _exit(DEN_EXIT_SETUP);
        if (nest && !error) {
            // A single-id env has only the user's id; root inside it is a nested user
            // namespace that maps root to that id (what Charliecloud and `unshare -r` do).
            char map[64];
            uid_t outer_uid = getuid();
            gid_t outer_gid = getgid();
            if (unshare(CLONE_NEWUSER) != 0) error = errno;
            snprintf(map, sizeof map, "%u %u 1\n", uid, outer_uid);
            if (!error && write_file("/proc/self/uid_map", map) != 0) error = errno;
            snprintf(map, sizeof map, "%u %u 1\n", gid, outer_gid);
            if (!error && write_file("/proc/self/gid_map", map) != 0) error = errno;
        }
        // Host supplementary groups show up as nobody inside; drop them where the map allows.
        if (argv[4][0] == '1') setgroups(0, NULL);
        if (!error && (setresgid(gid, gid, gid) != 0 || setresuid(uid, uid, uid) != 0)) error = errno;
        if (nest && !error) error = fake_ownership_changes();
        // Set after the identity change, which clears it: the command dies with its session.
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        // Everything above fd 2 closes on exec: no descriptor of den's leaks into the env.
        syscall(SYS_close_range, 3, ~0U, CLOSE_RANGE_CLOEXEC);
        if (!error) {
            extern char **environ;
            static char *empty[] = {NULL};
            environ = command_env ? command_env : empty;
            execvp(argv[7], &argv[7]);
            error = errno;
        }
        ssize_t ignored = write(status_pipe[1], &error, sizeof error);
        (void)ignored;
        _exit(error == ENOENT ? 127 : 126);
    }
    close(status_pipe[1]);
    if (master >= 0) {
        close(slave);
        struct den_report record;
        memset(&record, 0, sizeof record);
        record.kind = DEN_REPORT_TERMINAL;
        record.op = current_op;
        den_send_fd(report_fd, &record, master);
        close(master);
    }
    int error = 0;
    if (read_full(status_pipe[0], &error, sizeof error) == 0) {
        report(DEN_REPORT_EXEC_FAILED, error, 0, argv[7]);
    } else {
        report(DEN_REPORT_RUNNING, 0, command, NULL);
    }
    close(status_pipe[0]);
    return command;
}

int exit_code(int status) {
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// den may exit with the command's status at once: unmounting the env (when the last process
// of its mount namespace leaves) need not delay the user's prompt.
void report_exit(int status) {
    report(DEN_REPORT_EXITED, WIFSIGNALED(status) ? WTERMSIG(status) : 0, exit_code(status), NULL);
}

static void op_exec(char **argv, uint32_t argc) {
    pid_t command = start_command(argv, argc);
    // Neither the init nor a session's process needs stdio; holding the user's terminal or
    // a pipe open would make a reader wait for the env's teardown instead of the command.
    detach_stdio();
    if (listen_fd >= 0) run_init(command);
    run_session(command);
}

// --- Entry ----------------------------------------------------------------------------

// The sandbox child forked by the constructor for `den run` and `den shell`, until Swift
// takes it (den_take_preforked).
static pid_t preforked_pid = -1;
static int preforked_control = -1, preforked_report = -1;

static void run_plan(int preforked);

// Entering an env is den's hot path. Re-executing the 90 MB binary for the sandbox child
// (exec, the dynamic loader, libc's start) costs ~0.8 ms on the critical path; a child
// forked here, before the Swift runtime exists and while the process is still
// single-threaded, costs ~0.1 ms and waits for its plan while Swift reads the manifest.
// It never runs Swift code: it is this file's interpreter from its first instruction, as
// the re-executed child is. Unused (den fails, or builds first and exits), it sees its
// control pipe close and leaves quietly.
static void prefork(void) {
    int control[2], report_pair[2];
    if (pipe2(control, O_CLOEXEC) != 0) return;
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, report_pair) != 0) {
        close(control[0]);
        close(control[1]);
        return;
    }
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0) {
        close(control[0]);
        close(control[1]);
        close(report_pair[0]);
        close(report_pair[1]);
        return;
    }
    if (pid == 0) {
        // The same descriptors as a re-executed child: control on 3, report on 4, stdio
        // as den's, nothing else. Both move above 4 first, so that neither dup2 can close
        // the other; dup2 clears close-on-exec, which the plan's exec sets again.
        int control_copy = fcntl(control[0], F_DUPFD_CLOEXEC, 5);
        int report_copy = fcntl(report_pair[1], F_DUPFD_CLOEXEC, 5);
        if (control_copy < 0 || report_copy < 0 || dup2(control_copy, 3) < 0 || dup2(report_copy, 4) < 0) {
            _exit(DEN_EXIT_SETUP);
        }
        syscall(SYS_close_range, 5, ~0U, 0);
        control_fd = 3;
        report_fd = 4;
        den_pid = parent;
        run_plan(1);
    }
    close(control[0]);
    close(report_pair[1]);
    preforked_pid = pid;
    preforked_control = control[1];
    preforked_report = report_pair[0];
}

pid_t den_take_preforked(int *control, int *report) {
    pid_t pid = preforked_pid;
    if (pid <= 0) return -1;
    *control = preforked_control;
    *report = preforked_report;
    preforked_pid = -1;
    return pid;
}

// glibc passes a constructor the program's arguments.
__attribute__((constructor)) static void den_sandbox_entry(int argc, char **argv) {
    const char *marker = getenv(DEN_SANDBOX_ENV);
    if (!marker) {
        // An ordinary den start: Swift's main runs. Signals blocked by whoever started den
        // (test harnesses, some shells' job runners) would silence den's SIGWINCH and
        // SIGTERM handling; start from an empty mask, while still single-threaded.
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        if (argc > 1 && (strcmp(argv[1], "run") == 0 || strcmp(argv[1], "shell") == 0)) prefork();
        return;
    }
    if (sscanf(marker, "%d,%d", &control_fd, &report_fd) != 2) _exit(DEN_EXIT_SETUP);
    unsetenv(DEN_SANDBOX_ENV);
    den_pid = getppid();
    run_plan(0);
}

// Carries out the plan read from control_fd; never returns.
static void run_plan(int preforked) {
    // den ignores SIGPIPE; ignored signals survive exec, and the command must get the default.
    signal(SIGPIPE, SIG_DFL);
    // If den dies, so do we (and with us the env's init and everything in its pid namespace).
    die_with_parent(den_pid);
    // Signals the outside process and the init forward are taken with sigwaitinfo, so they
    // stay blocked from here on; the command unblocks them before exec.
    sigset_t forwarded;
    sigemptyset(&forwarded);
    int signals[] = {SIGCHLD, SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGWINCH, SIGUSR1, SIGUSR2};
    for (size_t i = 0; i < sizeof signals / sizeof signals[0]; i++) sigaddset(&forwarded, signals[i]);
    sigprocmask(SIG_BLOCK, &forwarded, NULL);
    umask(022);

    // A preforked child's plan may come in two parts: den sends the user namespace step first
    // when it can start the id maps early (see Sandbox.prepareUserNamespace), the rest once
    // it has it.
    for (int part = 0;; part++) {
        // A preforked child whose den never needed it, or let it go after its first part:
        // no plan, no report.
        if (preforked) {
            struct pollfd waiting = {.fd = control_fd, .events = POLLIN};
            while (poll(&waiting, 1, -1) < 0 && errno == EINTR) {}
            if (!(waiting.revents & POLLIN)) _exit(0);
        }
        size_t count;
        struct op *ops = read_plan(&count);
        for (size_t i = 0; i < count; i++) {
            current_op = (int)ops[i].code;
            char **argv = ops[i].argv;
            switch (ops[i].code) {
            case DEN_OP_USERNS_SINGLE: op_userns_single(argv); break;
            case DEN_OP_USERNS_HELPER: op_userns_helper(argv); break;
            case DEN_OP_SET_ASIDE: op_set_aside(argv); break;
            case DEN_OP_NAMESPACES: op_namespaces(argv); break;
            case DEN_OP_ROOT_OVERLAY: op_root_overlay(argv); break;
            case DEN_OP_MOUNT: op_mount(argv); break;
            case DEN_OP_BIND: op_bind(argv); break;
            case DEN_OP_SYMLINK: op_symlink(argv); break;
            case DEN_OP_MKDIR: op_mkdir(argv); break;
            case DEN_OP_WRITE: op_write(argv); break;
            case DEN_OP_PIVOT: op_pivot(); break;
            case DEN_OP_LOOPBACK: op_loopback(); break;
            case DEN_OP_HOSTNAME:
                if (sethostname(argv[0], strlen(argv[0])) != 0) fail(errno, argv[0]);
                break;
            case DEN_OP_ENV: op_env(&ops[i]); break;
            case DEN_OP_LISTEN: op_listen(argv); break;
            case DEN_OP_REMOVE_TREE: op_remove_tree(argv); break;
            case DEN_OP_JOIN: op_join(argv); break;
            case DEN_OP_EXEC: op_exec(argv, ops[i].argc); break;
            default: fail(EPROTO, "unknown plan operation");
            }
        }
        if (!preforked || part > 0) fail(EPROTO, "the plan ended without a command");
    }
}
