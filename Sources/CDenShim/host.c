// Questions about the host that Glibc does not let Swift ask.
#define _GNU_SOURCE
#include <errno.h>
#include <stddef.h>
#include <sys/vfs.h>
#include <sys/xattr.h>

#include "den_shim.h"

int den_has_file_capabilities(const char *path) {
    return getxattr(path, "security.capability", NULL, 0) > 0;
}

long den_filesystem_type(const char *path) {
    struct statfs info;
    return statfs(path, &info) == 0 ? (long)info.f_type : -errno;
}
