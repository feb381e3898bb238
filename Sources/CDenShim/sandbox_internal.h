#ifndef DEN_SANDBOX_INTERNAL_H
#define DEN_SANDBOX_INTERNAL_H

// Shared between sandbox.c (setup) and init.c (the processes that run while an env is in use).

#include <sys/types.h>

#define DEN_EXIT_SETUP 125

extern int control_fd;        // parent -> child: the plan, the id-map go-ahead, then EOF when den exits
extern int report_fd;         // child -> parent: struct den_report records
extern int listen_fd;         // the env's session socket (the init only), or -1

void report(int kind, int error, int value, const char *detail);
void fail(int error, const char *detail);
void report_exit(int status);
int exit_code(int status);

/// pid 1 of an env: reaps, forwards signals to the first session's command, serves the
/// session socket, and ends the env when the last session has gone.
void run_init(pid_t command) __attribute__((noreturn));
/// A joined session's process outside the pid namespace: waits for its command.
void run_session(pid_t command) __attribute__((noreturn));

/// Installs the seccomp filter that turns chown and set*id calls into successful no-ops (root
/// in a single-id env). Returns 0 or an errno.
int fake_ownership_changes(void);

#endif
