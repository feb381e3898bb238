// Questions about the host that Glibc does not let Swift ask.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <sys/vfs.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "den_shim.h"

int den_has_file_capabilities(const char *path) {
    return getxattr(path, "security.capability", NULL, 0) > 0;
}

long den_filesystem_type(const char *path) {
    struct statfs info;
    return statfs(path, &info) == 0 ? (long)info.f_type : -errno;
}

int den_sync_filesystem(const char *path) {
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return -errno;
    int rc = syncfs(fd) == 0 ? 0 : -errno;
    close(fd);
    return rc;
}
