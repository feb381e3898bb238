// Re-executing den as a sandbox child. posix_spawn (vfork + exec) is safe from a
// multithreaded Swift process, where fork is not.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "den_shim.h"

int den_spawn_sandbox(int control_fd, int report_fd, char *const envp[], int output_fd) {
    // Move both above the target numbers first: dup2(4, 3) then dup2(3, 4) would lose one.
    int control = fcntl(control_fd, F_DUPFD_CLOEXEC, 10);
    int report = fcntl(report_fd, F_DUPFD_CLOEXEC, 10);
    if (control < 0 || report < 0) {
        int saved = errno;
        if (control >= 0) close(control);
        if (report >= 0) close(report);
        return -saved;
    }
    posix_spawn_file_actions_t actions;
    int rc = posix_spawn_file_actions_init(&actions);
    if (rc != 0) return -rc;
    // Actions run in order: stdio first, while `output_fd` is still open (it may even be 3 or
    // 4), then the two channels, then everything else closes.
    if (output_fd != DEN_OUTPUT_INHERIT) {
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
        if (output_fd == DEN_OUTPUT_DISCARD) {
            posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
            posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
        } else {
            posix_spawn_file_actions_adddup2(&actions, output_fd, 1);
            posix_spawn_file_actions_adddup2(&actions, output_fd, 2);
        }
    }
    // dup2 onto fixed numbers clears close-on-exec, so exactly these two pass to the child.
    posix_spawn_file_actions_adddup2(&actions, control, 3);
    posix_spawn_file_actions_adddup2(&actions, report, 4);
    posix_spawn_file_actions_addclosefrom_np(&actions, 5);

    size_t count = 0;
    while (envp[count]) count++;
    char **env = calloc(count + 2, sizeof(char *));
    if (!env) {
        posix_spawn_file_actions_destroy(&actions);
        close(control);
        close(report);
        return -ENOMEM;
    }
    memcpy(env, envp, count * sizeof(char *));
    char marker[64];
    snprintf(marker, sizeof marker, "%s=3,4", DEN_SANDBOX_ENV);
    env[count] = marker;

    char *argv[] = {"den-sandbox", NULL};
    pid_t pid;
    rc = posix_spawn(&pid, "/proc/self/exe", &actions, NULL, argv, env);
    free(env);
    posix_spawn_file_actions_destroy(&actions);
    close(control);
    close(report);
    return rc == 0 ? pid : -rc;
}

int den_pipe(int fds[2]) {
    return pipe2(fds, O_CLOEXEC) == 0 ? 0 : -errno;
}

int den_socketpair(int fds[2]) {
    return socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) == 0 ? 0 : -errno;
}
