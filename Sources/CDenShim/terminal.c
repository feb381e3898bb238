// The terminal of `den shell`: a pseudo-terminal from the env's own devpts, its slave the
// shell's controlling terminal, its master relayed to the user's terminal by den.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

#include "den_shim.h"

int den_send_fd(int socket, const struct den_report *record, int fd) {
    struct iovec data = {.iov_base = (void *)record, .iov_len = sizeof *record};
    union {
        char buffer[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } control;
    memset(&control, 0, sizeof control);
    struct msghdr message = {.msg_iov = &data, .msg_iovlen = 1, .msg_control = control.buffer,
                             .msg_controllen = sizeof control.buffer};
    struct cmsghdr *header = CMSG_FIRSTHDR(&message);
    header->cmsg_level = SOL_SOCKET;
    header->cmsg_type = SCM_RIGHTS;
    header->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(header), &fd, sizeof(int));
    return sendmsg(socket, &message, MSG_NOSIGNAL) == (ssize_t)sizeof *record ? 0 : -errno;
}

int den_read_report(int socket, struct den_report *record, int *received_fd) {
    *received_fd = -1;
    size_t done = 0;
    while (done < sizeof *record) {
        struct iovec data = {.iov_base = (char *)record + done, .iov_len = sizeof *record - done};
        union {
            char buffer[CMSG_SPACE(sizeof(int))];
            struct cmsghdr align;
        } control;
        struct msghdr message = {.msg_iov = &data, .msg_iovlen = 1, .msg_control = control.buffer,
                                 .msg_controllen = sizeof control.buffer};
        ssize_t n = recvmsg(socket, &message, MSG_CMSG_CLOEXEC);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return 0;
        for (struct cmsghdr *header = CMSG_FIRSTHDR(&message); header; header = CMSG_NXTHDR(&message, header)) {
            if (header->cmsg_level == SOL_SOCKET && header->cmsg_type == SCM_RIGHTS) {
                memcpy(received_fd, CMSG_DATA(header), sizeof(int));
            }
        }
        done += (size_t)n;
    }
    return 1;
}

static int resize_pipe[2] = {-1, -1};

static void on_resize(int signal_number) {
    (void)signal_number;
    int saved = errno;
    ssize_t ignored = write(resize_pipe[1], "w", 1);
    (void)ignored;
    errno = saved;
}

static int write_all(int fd, const char *buffer, ssize_t length) {
    while (length > 0) {
        ssize_t n = write(fd, buffer, (size_t)length);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return -1;
        buffer += n;
        length -= n;
    }
    return 0;
}

static struct termios saved_terminal;
static int terminal_is_raw;
static int input_closed;
static struct sigaction previous_resize_action;

void den_terminal_begin(int master) {
    struct termios raw;
    if (tcgetattr(STDIN_FILENO, &saved_terminal) == 0) {
        raw = saved_terminal;
        // Every key goes to the env's terminal, whose own line discipline handles ^C and ^Z.
        cfmakeraw(&raw);
        terminal_is_raw = tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0;
    }
    if (pipe2(resize_pipe, O_CLOEXEC | O_NONBLOCK) != 0) resize_pipe[0] = resize_pipe[1] = -1;
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = on_resize;
    action.sa_flags = SA_RESTART;
    sigemptyset(&action.sa_mask);
    sigaction(SIGWINCH, &action, &previous_resize_action);
    // The size may have changed while the env started.
    struct winsize size;
    if (ioctl(STDIN_FILENO, TIOCGWINSZ, &size) == 0) ioctl(master, TIOCSWINSZ, &size);
    input_closed = 0;
}

void den_terminal_end(void) {
    sigaction(SIGWINCH, &previous_resize_action, NULL);
    if (resize_pipe[0] >= 0) {
        close(resize_pipe[0]);
        close(resize_pipe[1]);
        resize_pipe[0] = resize_pipe[1] = -1;
    }
    if (terminal_is_raw) tcsetattr(STDIN_FILENO, TCSADRAIN, &saved_terminal);
    terminal_is_raw = 0;
}

int den_relay_terminal(int master, int report, int draining) {
    char buffer[16384];
    for (;;) {
        struct pollfd fds[4] = {
            {.fd = draining || input_closed ? -1 : STDIN_FILENO, .events = POLLIN},
            {.fd = master, .events = POLLIN},
            {.fd = report, .events = POLLIN},
            {.fd = resize_pipe[0], .events = POLLIN},
        };
        // Once the command has exited, wait only briefly for what it wrote last: a
        // background job that still holds the terminal must not keep den waiting.
        int ready = poll(fds, 4, draining ? 100 : -1);
        if (ready < 0 && errno == EINTR) continue;
        if (ready <= 0) return 0;
        if (fds[1].revents & (POLLIN | POLLHUP | POLLERR)) {
            ssize_t n = read(master, buffer, sizeof buffer);
            if (n > 0) write_all(STDOUT_FILENO, buffer, n);
            else if (!(n < 0 && errno == EINTR)) return 0;  // EIO: every process closed the terminal
        }
        if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
            ssize_t n = read(STDIN_FILENO, buffer, sizeof buffer);
            if (n > 0) write_all(master, buffer, n);
            else if (!(n < 0 && errno == EINTR)) input_closed = 1;  // keep relaying the output
        }
        if (fds[3].revents & POLLIN) {
            char drain[16];
            while (read(resize_pipe[0], drain, sizeof drain) > 0) {}
            struct winsize size;
            if (ioctl(STDIN_FILENO, TIOCGWINSZ, &size) == 0) ioctl(master, TIOCSWINSZ, &size);
        }
        if (fds[2].revents & (POLLIN | POLLHUP | POLLERR)) return 1;
    }
}

int den_terminal_size(int fd, int *rows, int *columns) {
    struct winsize size;
    if (!isatty(fd) || ioctl(fd, TIOCGWINSZ, &size) != 0) return 0;
    *rows = size.ws_row;
    *columns = size.ws_col;
    return 1;
}
