// Looking at a root filesystem from outside it without following its symlinks onto the
// host: an image's /etc/passwd -> /somewhere must resolve inside the image.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "den_shim.h"

struct den_open_how_resolve {
    uint64_t flags;
    uint64_t mode;
    uint64_t resolve;
};

int den_open_in_root(const char *root, const char *path, int flags) {
    int root_fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (root_fd < 0) return -errno;
    // RESOLVE_IN_ROOT (0x10) | RESOLVE_NO_MAGICLINKS (0x02)
    struct den_open_how_resolve how = {.flags = (uint64_t)(flags | O_CLOEXEC), .mode = 0, .resolve = 0x10 | 0x02};
    int fd = (int)syscall(SYS_openat2, root_fd, path, &how, sizeof how);
    int saved = errno;
    close(root_fd);
    return fd >= 0 ? fd : -saved;
}
