// Root in a single-id env: a nested user namespace maps root to the user's one id, so every
// other id is unmapped and chown(2) to it fails with EINVAL. dpkg and maintainer scripts
// chown as a matter of course (root:shadow, _apt…) and would abort the build or an
// `apt-get install`. As Charliecloud does, a seccomp filter makes the ownership and
// identity-changing calls return success without doing anything: files stay the user's,
// processes keep running as root. What is lost is documented in the README.
#define _GNU_SOURCE
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#include "sandbox_internal.h"

#if defined(__x86_64__)
#define DEN_AUDIT_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define DEN_AUDIT_ARCH AUDIT_ARCH_AARCH64
#endif

int fake_ownership_changes(void) {
#ifdef DEN_AUDIT_ARCH
    static const int faked[] = {
#ifdef SYS_chown
        SYS_chown, SYS_lchown,
#endif
        SYS_fchown, SYS_fchownat,
        SYS_setuid, SYS_setgid, SYS_setreuid, SYS_setregid, SYS_setresuid, SYS_setresgid,
        SYS_setgroups, SYS_setfsuid, SYS_setfsgid,
    };
    enum { count = sizeof faked / sizeof faked[0] };
    // Load the arch; another arch (32-bit calls on x86_64) passes untouched. Then one
    // comparison per call: a match returns 0 ("success"), anything else is allowed.
    struct sock_filter program[4 + count + 2];
    int n = 0;
    program[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch));
    program[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, DEN_AUDIT_ARCH, 1, 0);
    program[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
    program[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
    for (int i = 0; i < count; i++) {
        // Jump to the "fake" return, which sits after the remaining comparisons and the allow.
        program[n] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned)faked[i], (unsigned char)(count - i), 0);
        n++;
    }
    program[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
    program[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | 0);
    struct sock_fprog filter = {.len = (unsigned short)n, .filter = program};
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return errno;
    if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &filter) != 0) return errno;
    return 0;
#else
    return 0;
#endif
}
