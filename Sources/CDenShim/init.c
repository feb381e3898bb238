// The processes that stay while an env is in use: the init (pid 1) and each joined
// session's waiter. See sandbox.c for how they are set up.
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "den_shim.h"
#include "sandbox_internal.h"

#define MAX_CLIENTS 64

// Signals the init and session waiters take with sigwaitinfo/signalfd (blocked since entry).
static void handled_signals(sigset_t *set) {
    sigemptyset(set);
    int signals[] = {SIGCHLD, SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGWINCH, SIGUSR1, SIGUSR2};
    for (size_t i = 0; i < sizeof signals / sizeof signals[0]; i++) sigaddset(set, signals[i]);
}

static long long now_ms(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (long long)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

// Leaving as pid 1 kills whatever is left in the pid namespace. The socket closes first:
// a den that connects from now on is refused at once and starts the env afresh, instead of
// reaching an init that is tearing down its namespaces (the kernel closes files late in an
// exit). The socket file stays (see op_listen).
static void end_env(int code) {
    close(listen_fd);
    _exit(code);
}

enum client_kind { CLIENT_NEW, CLIENT_SESSION, CLIENT_STOPPER };

struct client {
    int fd;
    enum client_kind kind;
};

void run_init(pid_t command) {
    sigset_t set;
    handled_signals(&set);
    int signals = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
    if (signals < 0) fail(errno, "signalfd");

    struct client clients[MAX_CLIENTS];
    int client_count = 0;
    // The den that started the env is a session too, for as long as its control pipe is open.
    int first_session = 1;
    int command_status = -1;
    long long stop_deadline = -1;

    for (;;) {
        int sessions = first_session;
        // A connection that has not said what it wants yet may be a joiner: keep the env for it.
        int pending = 0;
        for (int i = 0; i < client_count; i++) {
            sessions += clients[i].kind == CLIENT_SESSION;
            pending += clients[i].kind == CLIENT_NEW;
        }
        if (stop_deadline < 0 && sessions == 0 && pending == 0) end_env(command_status >= 0 ? exit_code(command_status) : 0);
        if (stop_deadline >= 0) {
            // kill(-1, 0) fails with ESRCH once nothing but the init is left.
            if (kill(-1, 0) != 0 && errno == ESRCH) end_env(143);
            if (now_ms() >= stop_deadline) {
                kill(-1, SIGKILL);
                end_env(137);
            }
        }

        struct pollfd fds[3 + MAX_CLIENTS];
        int count = 0;
        fds[count++] = (struct pollfd){.fd = signals, .events = POLLIN};
        fds[count++] = (struct pollfd){.fd = first_session ? control_fd : -1, .events = POLLIN};
        fds[count++] = (struct pollfd){.fd = listen_fd, .events = POLLIN};
        for (int i = 0; i < client_count; i++) fds[count++] = (struct pollfd){.fd = clients[i].fd, .events = POLLIN};
        int timeout = stop_deadline >= 0 ? 50 : -1;
        if (poll(fds, (nfds_t)count, timeout) < 0 && errno != EINTR) fail(errno, "poll");

        if (fds[0].revents & POLLIN) {
            struct signalfd_siginfo info;
            while (read(signals, &info, sizeof info) == sizeof info) {
                if (info.ssi_signo == SIGCHLD) {
                    int status;
                    pid_t done;
                    while ((done = waitpid(-1, &status, WNOHANG)) > 0) {
                        if (done != command || command_status >= 0) continue;
                        command_status = status;
                        report_exit(status);
                        close(report_fd);
                        report_fd = -1;
                    }
                } else if (info.ssi_code != SI_KERNEL && command_status < 0) {
                    // Terminal signals (SI_KERNEL) already reach the command's process group.
                    kill(command, (int)info.ssi_signo);
                }
            }
        }
        if (fds[1].revents & (POLLIN | POLLHUP)) {
            char byte;
            if (read(control_fd, &byte, 1) <= 0) {
                // The first den is gone (it finished, or was killed): so is its command.
                first_session = 0;
                close(control_fd);
                if (command_status < 0) kill(command, SIGKILL);
            }
        }
        if (fds[2].revents & POLLIN) {
            int fd;
            while ((fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK)) >= 0) {
                if (client_count == MAX_CLIENTS) {
                    close(fd);
                    continue;
                }
                clients[client_count++] = (struct client){.fd = fd, .kind = CLIENT_NEW};
            }
        }
        for (int i = 0; i < client_count; i++) {
            if (!(fds[3 + i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
            unsigned char request[2];
            ssize_t n = read(clients[i].fd, request, sizeof request);
            if (n < 0 && errno == EAGAIN) continue;
            int drop = n <= 0;
            if (!drop && clients[i].kind == CLIENT_NEW) {
                if (request[0] == 'S') {
                    // Joining: the connection stays open for as long as the session lasts.
                    clients[i].kind = CLIENT_SESSION;
                } else if (request[0] == 'Q') {
                    char answer[32];
                    int length = snprintf(answer, sizeof answer, "%d\n", sessions);
                    ssize_t ignored = write(clients[i].fd, answer, (size_t)length);
                    (void)ignored;
                    drop = 1;
                } else if (request[0] == 'X') {
                    // Stop: SIGTERM to everything, SIGKILL after the grace period (seconds in
                    // the second byte). The stopper sees EOF when the env has ended.
                    clients[i].kind = CLIENT_STOPPER;
                    int grace = n > 1 ? request[1] : 10;
                    kill(-1, SIGTERM);
                    stop_deadline = now_ms() + grace * 1000LL;
                } else {
                    drop = 1;
                }
            }
            if (drop) {
                close(clients[i].fd);
                clients[i--] = clients[--client_count];
                // fds[] is stale for the moved client; it is polled again next round.
                fds[3 + i + 1].revents = 0;
            }
        }
    }
}

void run_session(pid_t command) {
    sigset_t set;
    handled_signals(&set);
    for (;;) {
        siginfo_t info;
        if (sigwaitinfo(&set, &info) < 0) continue;
        if (info.si_signo != SIGCHLD) {
            if (info.si_code != SI_KERNEL) kill(command, info.si_signo);
            continue;
        }
        int status;
        pid_t done;
        while ((done = waitpid(-1, &status, WNOHANG)) > 0) {
            if (done != command) continue;
            report_exit(status);
            _exit(exit_code(status));
        }
    }
}
