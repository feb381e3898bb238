#ifndef DEN_SHIM_H
#define DEN_SHIM_H

#include <stdint.h>
#include <sys/types.h>

// den's sandbox runs in two processes of the same binary. The Swift parent computes a plan
// (a list of operations) and re-executes /proc/self/exe with DEN_SANDBOX_ENV set; a
// constructor in sandbox.c sees it and carries the plan out before the Swift runtime
// starts, while the process is still single-threaded (unshare(CLONE_NEWUSER) and
// unshare(CLONE_NEWNS) fail in a threaded process). The C side only executes: every path,
// flag and id was decided, and can be tested, in Swift.

/// The environment variable that marks a sandbox child: "CONTROL_FD,REPORT_FD".
#define DEN_SANDBOX_ENV "_DEN_SANDBOX_FDS"

/// Plan operations. A plan is "DEN1", then records: u32 op, u32 argc, argc × (u32 length,
/// bytes). Arguments are text; numbers are decimal. The child forked before Swift started
/// (den_take_preforked) may get its plan in two parts, the first ending after the user
/// namespace step; any other plan ends with DEN_OP_EXEC or DEN_OP_REMOVE_TREE.
enum {
    /// uid-inside uid-outside gid-inside gid-outside: unshare the user namespace and write a
    /// single-id map ourselves (setgroups=deny).
    DEN_OP_USERNS_SINGLE = 1,
    /// uid gid: unshare the user namespace, ask the parent to write the maps
    /// (newuidmap/newgidmap), then become uid:gid inside (the env's root).
    DEN_OP_USERNS_HELPER = 2,
    /// clone-flags: unshare the remaining namespaces and fork; the child, pid 1 of the new pid
    /// namespace when CLONE_NEWPID is among the flags, runs the rest of the plan.
    DEN_OP_NAMESPACES = 3,
    /// mountpoint options uid gid: mount an overlay at a host path, make it the root of later
    /// targets, and give its top directory to uid:gid with mode 0755.
    DEN_OP_ROOT_OVERLAY = 4,
    /// fstype target mount-flags data: a new filesystem at a target inside the root.
    DEN_OP_MOUNT = 5,
    /// source target bind-flags: bind a host path (opened before pivot_root) at a target inside the root.
    DEN_OP_BIND = 6,
    /// target linkpath: a symlink inside the root (an existing entry is left alone).
    DEN_OP_SYMLINK = 7,
    /// path mode uid gid: a directory inside the root, created only if missing.
    DEN_OP_MKDIR = 8,
    /// path mode uid gid content: replace a file inside the root atomically.
    DEN_OP_WRITE = 9,
    /// make the root the process's root: pivot_root and detach the host's tree.
    DEN_OP_PIVOT = 10,
    /// bring the loopback interface up (in a new network namespace).
    DEN_OP_LOOPBACK = 11,
    /// name: sethostname.
    DEN_OP_HOSTNAME = 12,
    /// KEY=VALUE…: the command's environment (replaces, does not add).
    DEN_OP_ENV = 13,
    /// cwd fallback-cwd uid gid clear-groups nest terminal argv…: fork the command and exec it
    /// (nest: "1" puts it in a nested user namespace where uid:gid maps to the single mapped
    /// id, and makes ownership changes succeed without effect, see fake_ownership.c;
    /// terminal: "ROWS COLS" gives it a new pseudo-terminal, "-" passes stdio through).
    DEN_OP_EXEC = 14,
    /// init-pid: join the namespaces of a running env (user first); the command forked by
    /// DEN_OP_EXEC then lands in its pid namespace.
    DEN_OP_JOIN = 15,
    /// directory name uid gid: the init serves the env's session socket there (see init.c),
    /// owned by uid:gid (the user) with mode 0600. The file stays when the env ends.
    DEN_OP_LISTEN = 16,
    /// path: remove a directory tree (inside the user namespace, without following symlinks or
    /// crossing mount points) and exit.
    DEN_OP_REMOVE_TREE = 17,
    /// directory from to: rename `from` to `to` in `directory` unless `to` exists; the
    /// process that stays outside the env (DEN_OP_NAMESPACES) deletes `to` once the command
    /// runs. For the overlay's stale work directory (see sandbox.c).
    DEN_OP_SET_ASIDE = 18,
};

/// DEN_OP_BIND flags.
enum {
    DEN_BIND_READONLY = 1,
    DEN_BIND_RECURSIVE = 2,
    /// skip quietly when the source does not exist (e.g. /etc/hosts on an odd host).
    DEN_BIND_OPTIONAL = 4,
};

/// What the child tells the parent, one fixed-size record per write (below PIPE_BUF, so
/// records never interleave).
enum {
    /// value = the child's pid: write its uid/gid maps, then send one byte on the control pipe.
    DEN_REPORT_NEED_MAPS = 1,
    /// value = the host pid of the env's init (the pid namespace's pid 1).
    DEN_REPORT_INIT = 2,
    /// op = the failing operation, error = errno, detail = the path or argument involved.
    DEN_REPORT_ERROR = 3,
    /// the command could not be executed: error = errno, detail = the command.
    DEN_REPORT_EXEC_FAILED = 4,
    /// the command is running; value = its pid inside the env.
    DEN_REPORT_RUNNING = 5,
    /// the command's terminal: the master of its pseudo-terminal comes with the record
    /// (SCM_RIGHTS); den relays it to the user's terminal.
    DEN_REPORT_TERMINAL = 7,
    /// the command ended; value = its exit code (128+N for signal N), error = the signal
    /// that killed it or 0. The env is being torn down.
    DEN_REPORT_EXITED = 6,
};

struct den_report {
    int32_t kind;
    int32_t op;
    int32_t error;
    int32_t value;
    char detail[240];
};

/// The CLONE_NEW* flags, which Glibc hides from Swift.
enum {
    DEN_CLONE_NEWNS = 0x00020000,
    DEN_CLONE_NEWUTS = 0x04000000,
    DEN_CLONE_NEWIPC = 0x08000000,
    DEN_CLONE_NEWUSER = 0x10000000,
    DEN_CLONE_NEWPID = 0x20000000,
    DEN_CLONE_NEWNET = 0x40000000,
};

/// O_PATH, which Glibc hides from Swift (it needs _GNU_SOURCE).
enum { DEN_O_PATH = 010000000 };

/// mount(2) flags for DEN_OP_MOUNT, spelled out for Swift.
enum {
    DEN_MS_RDONLY = 1,
    DEN_MS_NOSUID = 2,
    DEN_MS_NODEV = 4,
    DEN_MS_NOEXEC = 8,
};

/// `output_fd` of den_spawn_sandbox: keep den's stdio, or point it all at /dev/null. Any
/// other value is a descriptor that gets stdout and stderr (stdin is /dev/null).
enum { DEN_OUTPUT_INHERIT = -1, DEN_OUTPUT_DISCARD = -2 };

/// Starts /proc/self/exe as a sandbox child: `control_fd` becomes its fd 3 and `report_fd`
/// its fd 4, every other descriptor above 2 is closed, `envp` plus the marker is its
/// environment; stdio as `output_fd` says. Returns the pid, or -errno.
int den_spawn_sandbox(int control_fd, int report_fd, char *const envp[], int output_fd);

/// The sandbox child that `den run` and `den shell` fork before Swift starts, with den's
/// stdio and environment, waiting for its plan: its pid, and den's ends of its control pipe
/// and report socket (for the caller to close). Once only; -1 when there is none.
pid_t den_take_preforked(int *control_fd, int *report_fd);

/// pipe2(fds, O_CLOEXEC), which Glibc hides from Swift. Returns 0 or -errno.
int den_pipe(int fds[2]);
/// socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC): the report channel, which can carry fds.
int den_socketpair(int fds[2]);

/// Opens `path` inside the directory tree `root`, resolved as if `root` were "/" (symlinks
/// cannot lead out of it), with open(2) `flags`. Returns the fd or -errno.
int den_open_in_root(const char *root, const char *path, int flags);

/// Connects to the session socket `name` in `directory` of a running env, sends `request`
/// ('S' join, 'Q' query, 'X' + grace seconds: stop) and stores the init's pid. Returns the
/// connected fd or -errno (-ENOENT / -ECONNREFUSED: the env is not running).
int den_connect_env(const char *directory, const char *name, const unsigned char *request, int request_length, int *peer_pid);

/// 1 when `path` carries file capabilities (security.capability), else 0.
int den_has_file_capabilities(const char *path);
/// syncfs(2) on the filesystem holding the directory `path`. Returns 0 or -errno.
int den_sync_filesystem(const char *path);
/// statfs(2)'s f_type of the filesystem holding `path` (e.g. 0x63677270 for cgroup2), or -errno.
long den_filesystem_type(const char *path);

/// Sends `record` with `fd` attached (SCM_RIGHTS) on a unix socket. Returns 0 or -errno.
int den_send_fd(int socket, const struct den_report *record, int fd);
/// Reads one record from the report socket, and the fd attached to it if any (else -1).
/// Returns 1, or 0 at the end of the stream.
int den_read_report(int socket, struct den_report *record, int *received_fd);
/// `den shell`'s terminal, relayed: puts the user's terminal in raw mode and follows its
/// window size onto `master` until den_terminal_end, which restores it.
void den_terminal_begin(int master);
void den_terminal_end(void);
/// Copies between the user's terminal and `master` until the report socket has something
/// to read (returns 1) or the terminal is closed (0). `draining`: the command has exited;
/// copy only what is left of its output, returning 0 after 100 ms of quiet.
int den_relay_terminal(int master, int report, int draining);

/// 1 and the window size when `fd` is a terminal, else 0.
int den_terminal_size(int fd, int *rows, int *columns);

/// In den's parent while a sandbox runs: forward SIGTERM, SIGHUP, SIGUSR1 and SIGUSR2 to
/// `child`, and ignore SIGINT and SIGQUIT (the terminal sends those to the command itself).
void den_forward_signals(int child);
/// Restore the default dispositions changed by den_forward_signals.
void den_restore_signals(void);

#endif
