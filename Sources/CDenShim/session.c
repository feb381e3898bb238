// The client side of an env's session socket (served by the init, see init.c).
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "den_shim.h"

int den_connect_env(const char *directory, const char *name, const unsigned char *request, int request_length, int *peer_pid) {
    struct sockaddr_un address = {.sun_family = AF_UNIX};
    int dir = -1;
    // A long store path would overflow sun_path: then through the directory's fd. Most
    // fit, and skip an open and a walk through /proc (every entry connects up to 3 times).
    if ((size_t)snprintf(address.sun_path, sizeof address.sun_path, "%s/%s", directory, name) >= sizeof address.sun_path) {
        dir = open(directory, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (dir < 0) return -errno;
        snprintf(address.sun_path, sizeof address.sun_path, "/proc/self/fd/%d/%s", dir, name);
    }
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int error = 0;
    if (fd < 0) {
        error = errno;
    } else if (connect(fd, (struct sockaddr *)&address, sizeof address) != 0) {
        error = errno;
    } else {
        struct ucred credentials;
        socklen_t length = sizeof credentials;
        // The listener's pid, translated into our pid namespace: the init's host pid.
        if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &credentials, &length) != 0) error = errno;
        else *peer_pid = credentials.pid;
        if (!error && write(fd, request, (size_t)request_length) != request_length) error = errno;
    }
    if (dir >= 0) close(dir);
    if (error) {
        if (fd >= 0) close(fd);
        return -error;
    }
    return fd;
}
