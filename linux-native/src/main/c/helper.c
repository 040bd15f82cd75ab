/*
 * stevedore-helper: executes a container plan computed by the Java side (dev.stevedore.linux).
 *
 * All policy (which namespaces, which mounts, which defaults) lives in Java; this program only
 * runs the flat list of operations it is sent, in order, and reports every failure as
 * step + path + errno. It stays the container's parent to relay signals and the exit status, and
 * dies with the JVM (PR_SET_PDEATHSIG), taking the container with it.
 *
 * Usage: stevedore-helper SOCKET_FD|SOCKET_PATH JVM_PID [CONTROL EXIT_FILE]
 *   SOCKET_FD is the descriptor of a Unix socket the JVM connected for it before spawning it, so a
 *   helper that dies at any point leaves the JVM an end of file, never a wait for a connection.
 *   SOCKET_PATH (absolute) is a Unix socket the JVM listens on, which the helper connects to
 *   itself: so a JVM that starts it without native calls (java.lang.ProcessBuilder, which passes
 *   no descriptor beyond 2); that JVM stops waiting for the connection when the helper exits, and
 *   may bind the socket just after the helper started (see connect_jvm).
 *   With CONTROL and EXIT_FILE (the runc-style command line), the helper outlives the JVM: it
 *   listens on the Unix socket CONTROL for later commands (each connection replaces the previous
 *   one as the receiver of messages) and writes the exit status to EXIT_FILE when the child ends.
 *
 * Wire format (native byte order, the JVM is on the same machine):
 *   plan (Java -> helper), in two frames: the operations up to CLONE and the child's first ones,
 *     which it runs at once, then the rest of the child's operations (a helper prepared in advance
 *     clones and runs those first ones before the second arrives); each frame is
 *     u32 size, then ops: u8 code, u16 argc, argc x (u32 len, bytes)
 *   commands (Java -> helper): 'G' (go ahead), 'C' (continue after a pause), 'K' + i32 signal
 *   messages (helper -> Java): u32 size, u8 type, i32 value, 3 x (u32 len, bytes)
 *     'P' pid, 'R' set up and waiting for go, 'H' paused for the runtime's hooks,
 *     'S' exec done or child gone, 'X' exit status,
 *     'E' errno + step + path + path2
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Opcodes: keep in sync with dev.stevedore.linux.Op. */
enum {
    OP_SETNS_PID = 1, OP_CLONE = 2, OP_CGROUP_PROCS = 3, OP_ID_MAP = 4,
    OP_SETNS = 10, OP_UNSHARE = 11, OP_LOOPBACK = 12, OP_HOSTNAME = 13, OP_MOUNT = 14,
    OP_FSMOUNT = 15, OP_OPEN_TREE = 16, OP_MOVE_MOUNT = 17, OP_PIVOT = 18, OP_MKNOD = 19,
    OP_SYMLINK = 20, OP_MASK = 21, OP_REMOUNT_RO = 22, OP_MKDIR_P = 24, OP_GO = 25,
    OP_RLIMIT = 30, OP_OOM_SCORE_ADJ = 31, OP_UMASK = 32, OP_NO_NEW_PRIVS = 33, OP_USER = 34,
    OP_CAPS = 35, OP_CHDIR = 36, OP_ENV = 37, OP_ARG = 38, OP_EXEC = 39, OP_BOUNDING = 40, OP_DOMAINNAME = 41, OP_WRITE = 42,
    OP_SECCOMP = 43, OP_HOOK = 44, OP_PAUSE = 45,
    OP_CONSOLE_SOCKET = 50, OP_CONSOLE = 51, OP_CHROOT = 52, OP_CHECK_EXEC = 53,
};

/* Mount target flags sent with OP_MOUNT / OP_MOVE_MOUNT. */
#define T_MKDIR 1
#define T_MKFILE 2
#define T_OPTIONAL 4

/* Not in musl 1.2.3's headers. */
#define FSCONFIG_SET_FLAG 0
#define FSCONFIG_SET_STRING 1
#define FSCONFIG_CMD_CREATE 6
#define MOVE_MOUNT_F_EMPTY_PATH 0x4
#define OPEN_TREE_CLONE 1
#define AT_RECURSIVE 0x8000
#define MOUNT_ATTR_RDONLY 0x1
#define CLOSE_RANGE_CLOEXEC 4
#define CAP_LAST_PROBE 63
#define PR_CAP_AMBIENT 47
#define PR_CAP_AMBIENT_RAISE 2
#define PR_CAP_AMBIENT_CLEAR_ALL 4
struct mount_attr { uint64_t attr_set, attr_clr, propagation, userns_fd; };

#define MAX_OPS 4096
#define MAX_TREES 256

struct op { int code, argc; char **argv; };

static struct op ops[MAX_OPS];
static int nops;
static int report_fd = -1;          /* socket in the parent, error pipe in the child */
static int tree_fds[MAX_TREES];
static char *env[MAX_OPS + 1], *args[MAX_OPS + 1];
static int nenv, nargs;

static void put_str(char *buf, size_t *at, const char *s) {
    uint32_t len = s ? strlen(s) : 0;
    if (*at + 4 + len > 4000) len = 4000 - *at - 4;
    memcpy(buf + *at, &len, 4);
    memcpy(buf + *at + 4, s, len);
    *at += 4 + len;
}

/* A peer that hung up must not raise SIGPIPE: the helper forwards its signals to the child. */
static void send_all(int fd, const void *buf, size_t len) {
    if (send(fd, buf, len, MSG_NOSIGNAL) < 0 && errno == ENOTSOCK) (void) !write(fd, buf, len);
}

static void send_msg(char type, int32_t value, const char *s1, const char *s2, const char *s3) {
    char buf[4096];
    size_t at = 4;
    buf[at++] = type;
    memcpy(buf + at, &value, 4);
    at += 4;
    put_str(buf, &at, s1);
    put_str(buf, &at, s2);
    put_str(buf, &at, s3);
    uint32_t size = at - 4;
    memcpy(buf, &size, 4);
    /* One write: frames from the child stay whole on a pipe (< PIPE_BUF). */
    if (report_fd >= 0) send_all(report_fd, buf, at);
}

/* Reports a failed step and ends this process; the exit code follows runc's for exec. */
static void __attribute__((noreturn)) fail(const char *step, const char *path, const char *path2, int err) {
    send_msg('E', err, step, path, path2);
    _exit(err == ENOENT && !strncmp(step, "exec", 4) ? 127 : !strncmp(step, "exec", 4) ? 126 : 1);
}

/* Reads until EOF or the buffer is full; returns the count. */
static ssize_t read_upto(int fd, char *buf, size_t len) {
    size_t done = 0;
    while (done < len) {
        ssize_t n = read(fd, buf + done, len - done);
        if (n == 0 || (n < 0 && errno != EINTR)) break;
        if (n > 0) done += n;
    }
    return done;
}

static int read_full(int fd, void *buf, size_t len) {
    for (size_t done = 0; done < len;) {
        ssize_t n = read(fd, (char *) buf + done, len - done);
        if (n == 0) return -1;
        if (n < 0) { if (errno == EINTR) continue; return -1; }
        done += n;
    }
    return 0;
}

/* The number of arguments each operation reads; a plan that gives fewer is refused before anything runs. */
static int arity(int code) {
    switch (code) {
    case OP_LOOPBACK: case OP_GO: case OP_NO_NEW_PRIVS: case OP_PAUSE: return 0;
    case OP_HOOK: return 6;
    case OP_SETNS_PID: case OP_CLONE: case OP_CGROUP_PROCS: case OP_UNSHARE: case OP_HOSTNAME: case OP_DOMAINNAME:
    case OP_PIVOT:
    case OP_MASK: case OP_OOM_SCORE_ADJ: case OP_UMASK: case OP_CHDIR: case OP_ENV: case OP_ARG: case OP_EXEC:
    case OP_BOUNDING: case OP_CONSOLE_SOCKET: case OP_CHROOT: return 1;
    case OP_SETNS: case OP_SYMLINK: case OP_MKDIR_P: case OP_FSMOUNT: case OP_USER: case OP_WRITE: case OP_ID_MAP: return 2;
    case OP_SECCOMP: return 2;
    case OP_REMOUNT_RO: case OP_RLIMIT: case OP_CHECK_EXEC: return 3;
    case OP_MKNOD: case OP_MOVE_MOUNT: case OP_CAPS: case OP_CONSOLE: return 4;
    case OP_OPEN_TREE: return 6;
    case OP_MOUNT: return 8;
    default: return -1;
    }
}

static void read_plan(int fd) {
    uint32_t size;
    if (read_full(fd, &size, 4) < 0) fail("read plan", "", "", errno);
    char *p = malloc(size + 1), *end = p + size;
    if (!p || read_full(fd, p, size) < 0) fail("read plan", "", "", errno ? errno : ENOMEM);
    while (p < end) {
        uint16_t argc;
        if (nops == MAX_OPS || end - p < 3) fail("parse plan", "", "", EINVAL);
        struct op *o = &ops[nops++];
        o->code = (unsigned char) *p++;
        memcpy(&argc, p, 2);
        p += 2;
        o->argc = argc;
        o->argv = calloc(argc + 1, sizeof(char *));
        if (!o->argv) fail("parse plan", "", "", ENOMEM);
        if (arity(o->code) < 0 || o->argc < arity(o->code)) fail("parse plan", "bad operation", "", EINVAL);
        for (int i = 0; i < o->argc; i++) {
            uint32_t len;
            if (end - p < 4) fail("parse plan", "", "", EINVAL);
            memcpy(&len, p, 4);
            if ((uint32_t) (end - p - 4) < len) fail("parse plan", "", "", EINVAL);
            /* Shift the bytes left over the length so each argument ends with a NUL in place. */
            memmove(p, p + 4, len);
            p[len] = '\0';
            o->argv[i] = p;
            p += 4 + len;
        }
    }
}

static unsigned long long num(const char *s) { return strtoull(s, NULL, 0); }

static void write_file(const char *path, const char *value, const char *step) {
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0 || write(fd, value, strlen(value)) < 0) fail(step, path, "", errno);
    close(fd);
}

/* mkdir -p; runs after pivot_root or on host paths Java chose, so symlinks stay confined. */
static int mkdir_p(const char *path, mode_t mode) {
    char buf[4096];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *s = buf + 1; ; s++) {
        if (*s == '/' || *s == '\0') {
            char c = *s;
            *s = '\0';
            if (mkdir(buf, mode) < 0 && errno != EEXIST) return -1;
            if (!(*s = c)) return 0;
        }
    }
}

static void prepare_target(const char *target, int tflags, const char *step, const char *src) {
    struct stat st;
    if (!(tflags & (T_MKDIR | T_MKFILE)) || stat(target, &st) == 0) return;
    char parent[4096];
    snprintf(parent, sizeof parent, "%s", target);
    char *slash = strrchr(parent, '/');
    if (slash && slash != parent) *slash = '\0';
    if (tflags & T_MKFILE) {
        if (slash && slash != parent && mkdir_p(parent, 0755) < 0) fail(step, src, target, errno);
        int fd = open(target, O_CREAT | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0644);
        if (fd < 0) fail(step, src, target, errno);
        close(fd);
    } else if (mkdir_p(target, 0755) < 0) {
        fail(step, src, target, errno);
    }
}

static void do_mount(struct op *o) {
    /* src target fstype flags data tflags propagation remount-flags */
    const char *src = o->argv[0], *target = o->argv[1], *type = o->argv[2];
    unsigned long flags = num(o->argv[3]), prop = num(o->argv[6]), remount = num(o->argv[7]);
    int tflags = num(o->argv[5]);
    prepare_target(target, tflags, "mount", src);
    if ((*src || *type) && mount(src, target, type, flags, o->argv[4]) < 0) {
        if ((tflags & T_OPTIONAL) && errno == ENOENT) return;
        fail("mount", src, target, errno);
    }
    if (remount && mount("", target, NULL, MS_REMOUNT | MS_BIND | remount, NULL) < 0)
        fail("remount", src, target, errno);
    if (prop && mount("", target, NULL, prop, NULL) < 0) fail("set propagation of", target, "", errno);
}

/* New mount API: one fsconfig call per option, so 128+ overlay lowerdir+ entries fit. */
static void do_fsmount(struct op *o) {
    const char *type = o->argv[0], *target = o->argv[1];
    int fs = syscall(SYS_fsopen, type, 1 /* FSOPEN_CLOEXEC */);
    if (fs < 0) fail("fsopen", type, target, errno);
    for (int i = 2; i < o->argc; i++) {
        char *eq = strchr(o->argv[i], '=');
        int r;
        if (eq) {
            *eq = '\0';
            r = syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, o->argv[i], eq + 1, 0);
            *eq = '=';
        } else {
            r = syscall(SYS_fsconfig, fs, FSCONFIG_SET_FLAG, o->argv[i], NULL, 0);
        }
        if (r < 0) fail("mount option", o->argv[i], target, errno);
    }
    if (syscall(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0) fail("mount", type, target, errno);
    int mnt = syscall(SYS_fsmount, fs, 1 /* FSMOUNT_CLOEXEC */, 0);
    if (mnt < 0) fail("mount", type, target, errno);
    if (syscall(SYS_move_mount, mnt, "", AT_FDCWD, target, MOVE_MOUNT_F_EMPTY_PATH) < 0)
        fail("mount", type, target, errno);
    close(mnt);
    close(fs);
}

/* Detaches a copy of a host path before pivot_root, so it can be attached inside afterwards. */
static unsigned tree_index(const char *arg) {
    unsigned long long idx = num(arg);
    if (idx >= MAX_TREES) fail("parse plan", "bind mount index", arg, EINVAL);
    return idx;
}

static void do_open_tree(struct op *o) {
    /* index src recursive MOUNT_ATTR_* propagation target(for messages) */
    unsigned idx = tree_index(o->argv[0]);
    const char *src = o->argv[1];
    int fd = syscall(SYS_open_tree, AT_FDCWD, src, OPEN_TREE_CLONE | O_CLOEXEC | (num(o->argv[2]) ? AT_RECURSIVE : 0));
    if (fd < 0) fail("mount", src, o->argv[5], errno);
    struct mount_attr attr = { .attr_set = num(o->argv[3]), .propagation = num(o->argv[4]) };
    if ((attr.attr_set || attr.propagation) &&
        syscall(SYS_mount_setattr, fd, "", AT_EMPTY_PATH | (num(o->argv[2]) ? AT_RECURSIVE : 0), &attr, sizeof attr) < 0)
        fail("set attributes of mount", src, o->argv[5], errno);
    tree_fds[idx] = fd;
}

static void do_move_mount(struct op *o) {
    /* index target tflags src(for messages) */
    const char *target = o->argv[1];
    unsigned idx = tree_index(o->argv[0]);
    prepare_target(target, num(o->argv[2]), "mount", o->argv[3]);
    if (syscall(SYS_move_mount, tree_fds[idx], "", AT_FDCWD, target, MOVE_MOUNT_F_EMPTY_PATH) < 0)
        fail("mount", o->argv[3], target, errno);
    close(tree_fds[idx]);
}

/*
 * pivot_root refuses a new root whose parent mount is shared (rootfsPropagation "shared"), so
 * that mount is made private, as runc does: the nearest mount point above the root, found by
 * trying each ancestor (a propagation change on a path that is no mount point gives EINVAL).
 */
static void make_parent_mount_private(const char *root) {
    char path[4096];
    snprintf(path, sizeof path, "%s", root);
    /* The root itself is a mount point; its parent mount is what counts. */
    for (size_t n = strlen(path); n > 1 && (path[n - 1] == '/' || (path[n - 1] == '.' && path[n - 2] == '/'));)
        path[--n] = '\0';
    for (;;) {
        char *slash = strrchr(path, '/');
        if (!slash) return;
        if (slash == path) slash[1] = '\0'; else *slash = '\0';
        if (mount("", path, NULL, MS_PRIVATE, NULL) == 0) return;
        if (errno != EINVAL) fail("make the rootfs parent mount private", path, "", errno);
        if (!strcmp(path, "/")) return;
    }
}

/*
 * Unmounting the old root waits for an RCU grace period before it frees the mounts, milliseconds on
 * a busy host, but it has detached them and released the mount namespace's lock before that wait.
 * So a thread (sharing our memory, root and working directory) unmounts while the other mounts
 * go on, and whatever hands control to anyone else (the go-ahead, a hook, exec) waits for it.
 */
static char unmount_stack[16384] __attribute__((aligned(16)));
static volatile int unmount_tid, unmount_err;
static const char *pivoted_root;

static int unmount_old_root(void *unused) {
    (void) unused;
    /* errno is the main thread's too (no TLS of its own): read at once, and only on failure. */
    unmount_err = umount2(".", MNT_DETACH) < 0 ? errno : 0;
    return 0;
}

static void await_unmount(void) {
    /* The kernel clears the tid when the thread has exited, and wakes this futex. */
    for (int tid; (tid = unmount_tid) != 0;) syscall(SYS_futex, &unmount_tid, 0 /* FUTEX_WAIT */, tid, NULL, NULL, 0);
    if (unmount_err) fail("unmount old root", pivoted_root, "", unmount_err);
}

static void do_pivot(const char *root) {
    make_parent_mount_private(root);
    /* pivot_root(".", ".") also refuses a shared new root; the planner restores its propagation after. */
    if (mount("", root, NULL, MS_PRIVATE, NULL) < 0) fail("make the rootfs mount private", root, "", errno);
    if (chdir(root) < 0) fail("chdir to rootfs", root, "", errno);
    /* pivot_root(".", ".") stacks the old root on the new one; detaching it leaves no way back. */
    if (syscall(SYS_pivot_root, ".", ".") < 0) fail("pivot_root", root, "", errno);
    if (mount("", ".", NULL, MS_SLAVE | MS_REC, NULL) < 0) fail("make old root slave", root, "", errno);
    pivoted_root = root;
    if (clone(unmount_old_root, unmount_stack + sizeof unmount_stack, CLONE_VM | CLONE_FS | CLONE_FILES
              | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM | CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID,
              NULL, &unmount_tid, NULL, &unmount_tid) < 0)
        fail("unmount old root", root, "", errno);
}

static void do_mask(const char *path) {
    struct stat st;
    if (stat(path, &st) < 0) {
        if (errno == ENOENT) return;
        fail("mask", path, "", errno);
    }
    int r = S_ISDIR(st.st_mode) ? mount("tmpfs", path, "tmpfs", MS_RDONLY, "size=0")
                                : mount("/dev/null", path, NULL, MS_BIND, NULL);
    if (r < 0) fail("mask", path, "", errno);
}

static void do_remount_ro(const char *path, int recursive, int bind_first) {
    if (bind_first && mount(path, path, NULL, MS_BIND | MS_REC, NULL) < 0) {
        if (errno == ENOENT) return;
        fail("make read-only", path, "", errno);
    }
    struct mount_attr attr = { .attr_set = MOUNT_ATTR_RDONLY };
    if (syscall(SYS_mount_setattr, AT_FDCWD, path, recursive ? AT_RECURSIVE : 0, &attr, sizeof attr) < 0)
        fail("make read-only", path, "", errno);
}

static void loopback_up(void) {
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    struct ifreq ifr = { 0 };
    strcpy(ifr.ifr_name, "lo");
    if (s < 0 || ioctl(s, SIOCGIFFLAGS, &ifr) < 0) fail("bring up loopback", "lo", "", errno);
    ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
    if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0) fail("bring up loopback", "lo", "", errno);
    close(s);
}

static void set_caps(struct op *o) {
    /* effective permitted inheritable ambient, each a 64-bit mask */
    uint64_t e = num(o->argv[0]), p = num(o->argv[1]), i = num(o->argv[2]), a = num(o->argv[3]);
    struct { uint32_t version; int pid; } hdr = { 0x20080522 /* _LINUX_CAPABILITY_VERSION_3 */, 0 };
    struct { uint32_t e, p, i; } data[2] = { { e, p, i }, { e >> 32, p >> 32, i >> 32 } };
    if (syscall(SYS_capset, &hdr, data) < 0) fail("set capabilities", "", "", errno);
    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
    for (int c = 0; c <= CAP_LAST_PROBE; c++)
        if ((a >> c & 1) && prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, c, 0, 0) < 0)
            fail("raise ambient capability", o->argv[3], "", errno);
}

static void drop_bounding(uint64_t keep) {
    for (int c = 0; c <= CAP_LAST_PROBE; c++)
        if (!(keep >> c & 1) && prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0 && errno != EINVAL)
            fail("drop capability from bounding set", "", "", errno);
}

/* A user namespace made by an unprivileged user (a single mapping) may not change its groups at all. */
static int setgroups_denied(void) {
    char buf[8] = "";
    int fd = open("/proc/self/setgroups", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 0;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    return n > 0 && !strncmp(buf, "deny", 4);
}

static void set_user(struct op *o) {
    /* uid gid groups... */
    int ngroups = o->argc - 2;
    gid_t groups[ngroups + 1];
    for (int i = 0; i < ngroups; i++) groups[i] = num(o->argv[i + 2]);
    if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0) fail("keep capabilities", "", "", errno);
    if (setgroups(ngroups, groups) < 0 && !(errno == EPERM && ngroups == 0 && setgroups_denied()))
        fail("setgroups", "", "", errno);
    if (setgid(num(o->argv[1])) < 0) fail("setgid", o->argv[1], "", errno);
    if (setuid(num(o->argv[0])) < 0) fail("setuid", o->argv[0], "", errno);
}

static int hex_digit(char c) {
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* The filter was compiled in Java (dev.stevedore.linux.seccomp); this only decodes and installs it. */
static void install_seccomp(struct op *o) {
    /* flags, struct sock_filter[] in hex */
    const char *hex = o->argv[1];
    size_t len = strlen(hex) / 2;
    if (strlen(hex) % 16 || len == 0 || len > 4096 * 8) fail("parse plan", "seccomp filter", "", EINVAL);
    unsigned char *filter = malloc(len);
    if (!filter) fail("install seccomp filter", "", "", ENOMEM);
    for (size_t i = 0; i < len; i++) {
        int hi = hex_digit(hex[2 * i]), lo = hex_digit(hex[2 * i + 1]);
        if (hi < 0 || lo < 0) fail("parse plan", "seccomp filter", "", EINVAL);
        filter[i] = hi << 4 | lo;
    }
    struct { unsigned short len; void *filter; } prog = { len / 8, filter };
    if (syscall(SYS_seccomp, 1 /* SECCOMP_SET_MODE_FILTER */, (unsigned) num(o->argv[0]), &prog) < 0)
        fail("install seccomp filter", "", "", errno);
}

/*
 * Terminals (process.terminal), as runc's --console-socket: the socket is connected on the host,
 * before clone, and the child inherits it; once the container's /dev is in place, the child opens
 * a pty there and sends its master over the socket (SCM_RIGHTS, with the name "/dev/ptmx" as the
 * data, like runc), then makes the slave its stdio and controlling terminal.
 */
static int console_fd = -1;

/* Returns a close-on-exec socket connected to the Unix socket at path, or -1 with errno set. */
static int connect_unix(const char *path) {
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    if (strlen(path) >= sizeof addr.sun_path) {
        errno = ENAMETOOLONG;
        return -1;
    }
    strcpy(addr.sun_path, path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd >= 0 && connect(fd, (struct sockaddr *) &addr, sizeof addr) < 0) {
        int err = errno;
        close(fd);
        errno = err;
        return -1;
    }
    return fd;
}

/*
 * Connects to the JVM's socket. The JVM may bind it only after it started this helper (it does the
 * two at once on a fresh JVM's first helper): absent or not listening yet, it is tried again, for at
 * most about a second (a JVM that dies meanwhile kills this helper, see PR_SET_PDEATHSIG).
 */
static int connect_jvm(const char *path) {
    const struct timespec pause = { .tv_nsec = 200000 };
    for (int tries = 1;; tries++) {
        int fd = connect_unix(path);
        if (fd >= 0 || (errno != ENOENT && errno != ECONNREFUSED) || tries == 5000) return fd;
        nanosleep(&pause, NULL);
    }
}

static void connect_console(const char *path) {
    console_fd = connect_unix(path);
    if (console_fd < 0) fail("connect to the console socket", path, "", errno);
}

static void send_fd(int sock, int fd, const char *name) {
    char control[CMSG_SPACE(sizeof fd)];
    memset(control, 0, sizeof control);
    struct iovec iov = { (void *) name, strlen(name) };
    struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control, .msg_controllen = sizeof control };
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof fd);
    memcpy(CMSG_DATA(c), &fd, sizeof fd);
    if (sendmsg(sock, &msg, MSG_NOSIGNAL) < 0) fail("send the terminal to the console socket", name, "", errno);
}

/* Args: owner uid (-1: keep), rows, columns (0 0: leave the size), 1 to bind it on /dev/console. */
static void setup_console(struct op *o) {
    if (console_fd < 0) fail("parse plan", "terminal without a console socket", "", EINVAL);
    int master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC), unlock = 0, n;
    if (master < 0) fail("open a terminal", "/dev/ptmx", "", errno);
    if (ioctl(master, TIOCSPTLCK, &unlock) < 0 || ioctl(master, TIOCGPTN, &n) < 0)
        fail("unlock the terminal", "/dev/ptmx", "", errno);
    char slave_path[32];
    snprintf(slave_path, sizeof slave_path, "/dev/pts/%d", n);
    int slave = open(slave_path, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (slave < 0) fail("open a terminal", slave_path, "", errno);
    struct winsize ws = { .ws_row = num(o->argv[1]), .ws_col = num(o->argv[2]) };
    if ((ws.ws_row || ws.ws_col) && ioctl(slave, TIOCSWINSZ, &ws) < 0) fail("set the terminal size", slave_path, "", errno);
    if (strcmp(o->argv[0], "-1") && fchown(slave, num(o->argv[0]), -1) < 0) fail("chown", slave_path, "", errno);
    if (num(o->argv[3])) {
        prepare_target("/dev/console", T_MKFILE, "mount", slave_path);
        if (mount(slave_path, "/dev/console", NULL, MS_BIND, NULL) < 0) fail("mount", slave_path, "/dev/console", errno);
    }
    send_fd(console_fd, master, "/dev/ptmx");
    close(master);
    close(console_fd);
    console_fd = -1;
    if (setsid() < 0 && errno != EPERM) fail("setsid", "", "", errno);
    if (ioctl(slave, TIOCSCTTY, 0) < 0) fail("make the terminal the controlling one", slave_path, "", errno);
    for (int fd = 0; fd < 3; fd++)
        if (dup2(slave, fd) < 0) fail("use the terminal as stdio", slave_path, "", errno);
    close(slave);
}

/*
 * A program that is not there fails create, as with runc, rather than start: a start that fails once
 * the process is gone could not leave the container as it was. Args: file, PATH, working directory.
 */
static void check_exec(struct op *o) {
    const char *file = o->argv[0];
    char buf[4096];
    if (strchr(file, '/')) {
        snprintf(buf, sizeof buf, "%s%s%s", file[0] == '/' ? "" : o->argv[2], file[0] == '/' ? "" : "/", file);
        if (access(buf, X_OK) < 0) fail("exec", file, "", errno);
        return;
    }
    for (const char *dir = o->argv[1]; dir; dir = strchr(dir, ':') ? strchr(dir, ':') + 1 : NULL) {
        int len = strchr(dir, ':') ? strchr(dir, ':') - dir : (int) strlen(dir);
        snprintf(buf, sizeof buf, "%.*s%s%s", len, dir, len ? "/" : "", file);
        if (access(buf, X_OK) == 0) return;
    }
    fail("exec-path", file, "", ENOENT);
}

/* The container process's pid as the host sees it, read before its own /proc is mounted. */
static char host_pid[24];

/*
 * Runs an OCI hook in the container's namespaces and waits for it, at most timeout seconds (0: no limit).
 * Args: kind, timeout, state before the pid, state after it, path, argc, argv..., env...
 */
static void run_hook(struct op *o) {
    const char *kind = o->argv[0], *path = o->argv[4];
    unsigned long long timeout = num(o->argv[1]), hargc = num(o->argv[5]);
    if (hargc == 0 || hargc > (unsigned long long) o->argc - 6) fail("parse plan", "hook", path, EINVAL);
    char **hargv = calloc(hargc + 1, sizeof(char *)), **henv = calloc(o->argc - 6 - hargc + 1, sizeof(char *));
    if (!hargv || !henv) fail(kind, path, "", ENOMEM);
    memcpy(hargv, &o->argv[6], hargc * sizeof(char *));
    memcpy(henv, &o->argv[6 + hargc], (o->argc - 6 - hargc) * sizeof(char *));
    int in[2];
    if (pipe2(in, O_CLOEXEC) < 0) fail(kind, path, "", errno);
    pid_t pid = fork();
    if (pid < 0) fail(kind, path, "", errno);
    if (pid == 0) {
        if (dup2(in[0], 0) < 0) _exit(126);
        execve(path, hargv, henv);
        _exit(errno == ENOENT ? 127 : 126);
    }
    close(in[0]);
    /* A hook that does not read its stdin must not kill us with SIGPIPE; the default comes back for exec. */
    signal(SIGPIPE, SIG_IGN);
    (void) !write(in[1], o->argv[2], strlen(o->argv[2]));
    (void) !write(in[1], host_pid, strlen(host_pid));
    (void) !write(in[1], o->argv[3], strlen(o->argv[3]));
    close(in[1]);
    signal(SIGPIPE, SIG_DFL);
    int status;
    for (unsigned long long waited = 0;; waited++) {
        pid_t r = waitpid(pid, &status, timeout ? WNOHANG : 0);
        if (r == pid) break;
        if (r < 0 && errno != EINTR) fail(kind, path, "", errno);
        if (timeout && waited == timeout * 100) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            char what[64];
            snprintf(what, sizeof what, "timed out after %llu s", timeout);
            fail(kind, path, what, ETIMEDOUT);
        }
        usleep(10000);
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        char what[64];
        snprintf(what, sizeof what, WIFEXITED(status) ? "exited with status %d" : "was killed by signal %d",
                 WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
        fail(kind, path, what, 0);
    }
    free(hargv);
    free(henv);
}

static void __attribute__((noreturn)) do_exec(const char *path_var) {
    const char *file = args[0];
    int err = ENOENT;
    syscall(SYS_close_range, 3, ~0U, CLOSE_RANGE_CLOEXEC);
    /* The JVM might have died while we set up; the parent-death signal was reset by setuid. */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (strchr(file, '/')) {
        execve(file, args, env);
        fail("exec", file, "", errno);
    }
    char buf[4096];
    for (const char *dir = path_var; dir; dir = strchr(dir, ':') ? strchr(dir, ':') + 1 : NULL) {
        int len = strchr(dir, ':') ? strchr(dir, ':') - dir : (int) strlen(dir);
        snprintf(buf, sizeof buf, "%.*s%s%s", len, dir, len ? "/" : "", file);
        execve(buf, args, env);
        /* Like execvp: a later PATH entry may still have it; remember why a candidate was refused. */
        if (errno != ENOENT && errno != ENOTDIR) err = errno;
    }
    fail(err == ENOENT ? "exec-path" : "exec", file, "", err);
}

/*
 * The JVM blocks some signals and ignores others, and both survive exec: give the container
 * process default dispositions and an empty mask. The raw syscall reaches the signals libc
 * reserves for itself (32-34), which the JVM's threads may have set too.
 */
static void reset_signals(void) {
    struct { void *handler; unsigned long flags; void *restorer; uint64_t mask; } dfl = { SIG_DFL, 0, 0, 0 };
    for (int sig = 1; sig <= 64; sig++)
        if (sig != SIGKILL && sig != SIGSTOP) syscall(SYS_rt_sigaction, sig, &dfl, NULL, 8);
    uint64_t none = 0;
    syscall(SYS_rt_sigprocmask, SIG_SETMASK, &none, NULL, 8);
}

/* Runs operations from..to-1 in the child; an EXEC among them does not return. */
static void run_ops(int from, int to, int go_fd) {
    char c;
    for (int i = from; i < to; i++) {
        struct op *o = &ops[i];
        switch (o->code) {
        case OP_SETNS: {
            int fd = open(o->argv[0], O_RDONLY | O_CLOEXEC);
            if (fd < 0 || setns(fd, num(o->argv[1])) < 0) fail("join namespace", o->argv[0], "", errno);
            close(fd);
            break;
        }
        case OP_UNSHARE: if (unshare(num(o->argv[0])) < 0) fail("unshare", o->argv[0], "", errno); break;
        case OP_LOOPBACK: loopback_up(); break;
        case OP_HOSTNAME:
            if (sethostname(o->argv[0], strlen(o->argv[0])) < 0) fail("sethostname", o->argv[0], "", errno);
            break;
        case OP_DOMAINNAME:
            if (setdomainname(o->argv[0], strlen(o->argv[0])) < 0) fail("setdomainname", o->argv[0], "", errno);
            break;
        case OP_MOUNT: do_mount(o); break;
        case OP_FSMOUNT: do_fsmount(o); break;
        case OP_OPEN_TREE: do_open_tree(o); break;
        case OP_MOVE_MOUNT: do_move_mount(o); break;
        case OP_PIVOT: do_pivot(o->argv[0]); break;
        case OP_MKNOD:
            if (mknod(o->argv[0], num(o->argv[1]), makedev(num(o->argv[2]), num(o->argv[3]))) < 0)
                fail("mknod", o->argv[0], "", errno);
            /* mknod's mode went through the umask. */
            if (chmod(o->argv[0], num(o->argv[1]) & 07777) < 0) fail("chmod", o->argv[0], "", errno);
            /* Optional owner: uid, gid. */
            if (o->argc >= 6 && chown(o->argv[0], num(o->argv[4]), num(o->argv[5])) < 0)
                fail("chown", o->argv[0], "", errno);
            break;
        case OP_SYMLINK: if (symlink(o->argv[0], o->argv[1]) < 0) fail("symlink", o->argv[0], o->argv[1], errno); break;
        case OP_MASK: do_mask(o->argv[0]); break;
        case OP_REMOUNT_RO: do_remount_ro(o->argv[0], num(o->argv[1]), num(o->argv[2])); break;
        case OP_MKDIR_P: if (mkdir_p(o->argv[0], num(o->argv[1])) < 0) fail("mkdir", o->argv[0], "", errno); break;
        case OP_GO:
            await_unmount();
            send_msg('R', 0, "", "", "");
            if (read(go_fd, &c, 1) != 1) _exit(1);
            break;
        case OP_PAUSE:
            await_unmount();
            /* Java runs the hooks of the runtime's namespaces, then sends the go-ahead. */
            send_msg('H', 0, "", "", "");
            if (read(go_fd, &c, 1) != 1) _exit(1);
            break;
        case OP_HOOK: await_unmount(); run_hook(o); break;
        case OP_CONSOLE: setup_console(o); break;
        case OP_CHECK_EXEC: check_exec(o); break;
        case OP_CHROOT:
            if (chdir(o->argv[0]) < 0 || chroot(".") < 0 || chdir("/") < 0) fail("chroot", o->argv[0], "", errno);
            break;
        case OP_RLIMIT: {
            struct rlimit rl = { num(o->argv[1]), num(o->argv[2]) };
            /* Optional 4th argument: the limit's name, for the message. */
            if (setrlimit(num(o->argv[0]), &rl) < 0) fail("setrlimit", o->argv[o->argc > 3 ? 3 : 0], "", errno);
            break;
        }
        case OP_OOM_SCORE_ADJ: write_file("/proc/self/oom_score_adj", o->argv[0], "set oom_score_adj"); break;
        case OP_WRITE: write_file(o->argv[0], o->argv[1], "write"); break;
        case OP_UMASK: umask(num(o->argv[0])); break;
        case OP_NO_NEW_PRIVS: if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) fail("no_new_privs", "", "", errno); break;
        case OP_BOUNDING: drop_bounding(num(o->argv[0])); break;
        case OP_USER: set_user(o); break;
        case OP_CAPS: set_caps(o); break;
        case OP_SECCOMP: install_seccomp(o); break;
        case OP_CHDIR: if (chdir(o->argv[0]) < 0) fail("chdir", o->argv[0], "", errno); break;
        case OP_ENV: env[nenv++] = o->argv[0]; break;
        case OP_ARG: args[nargs++] = o->argv[0]; break;
        case OP_EXEC: await_unmount(); do_exec(o->argv[0]);
        default: fail("parse plan", "operation out of place", "", EINVAL);
        }
    }
}

/*
 * The child: first the operations that followed CLONE in the first part (a spare's namespaces get
 * ready before any container is asked for), then, once it arrives, the rest of the plan.
 */
static void __attribute__((noreturn)) run_child(int prelude, int plan_fd, int go_fd) {
    /*
     * If the parent died before this, nobody will ever send the go-ahead: the read of go_fd sees
     * EOF and the child exits (getppid() cannot tell, it is 0 in a new pid namespace).
     */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    ssize_t len = readlink("/proc/self", host_pid, sizeof host_pid - 1);
    host_pid[len > 0 ? len : 0] = '\0';
    int first = nops;
    run_ops(prelude, first, go_fd);
    read_plan(plan_fd);
    close(plan_fd);
    run_ops(first, nops, go_fd);
    fail("parse plan", "no exec operation", "", EINVAL);
}

/*
 * A mapping of ranges the caller may not write itself goes through the setuid newuidmap or
 * newgidmap, which check /etc/subuid and /etc/subgid: TOOL PID followed by the space-separated
 * "container host size" triples.
 */
static void run_id_map_tool(const char *tool, pid_t child, const char *triples) {
    char pid_text[24], buf[4096], *argv[3 + 3 * 340 + 1];
    int argc = 0;
    snprintf(pid_text, sizeof pid_text, "%d", child);
    snprintf(buf, sizeof buf, "%s", triples);
    argv[argc++] = (char *) tool;
    argv[argc++] = pid_text;
    for (char *tok = strtok(buf, " \n"); tok && argc < (int) (sizeof argv / sizeof *argv) - 1; tok = strtok(NULL, " \n"))
        argv[argc++] = tok;
    argv[argc] = NULL;
    int status = 0, out[2];
    if (pipe2(out, O_CLOEXEC) < 0) fail("write user namespace mapping with", tool, triples, errno);
    pid_t pid = fork();
    if (pid == 0) {
        /* Its complaint is the error's text; the helper's own stdout and stderr are the container's. */
        dup2(out[1], 1);
        dup2(out[1], 2);
        execv(tool, argv);
        _exit(127);
    }
    close(out[1]);
    char said[512] = "";
    ssize_t n = pid < 0 ? 0 : read_upto(out[0], said, sizeof said - 1);
    while (n > 0 && (said[n - 1] == '\n' || said[n - 1] == ' ')) n--;
    said[n > 0 ? n : 0] = '\0';
    close(out[0]);
    if (pid < 0 || waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        int err = pid < 0 ? errno : WIFEXITED(status) && WEXITSTATUS(status) == 127 ? ENOENT : EPERM;
        kill(child, SIGKILL);
        fail("write user namespace mapping with", tool, *said ? said : triples, err);
    }
}

/* Forwards child frames; returns 0 at EOF (exec happened or the child is gone). */
static int forward(int from, int sock) {
    char buf[4096];
    ssize_t n = read(from, buf, sizeof buf);
    if (n > 0 && sock >= 0) send_all(sock, buf, n);
    return n > 0 || (n < 0 && errno == EINTR);
}

/*
 * Copies the second part of the plan, the child's operations, from Java to the child. A child
 * that is gone already failed in its first operations: its report goes first.
 */
static void relay_plan(int sock, int to, pid_t child, int err_fd) {
    uint32_t size;
    char buf[4096];
    ssize_t n = 0;
    if (read_full(sock, &size, 4) < 0 || write(to, &size, 4) != 4) goto failed;
    while (size > 0) {
        n = read(sock, buf, size < sizeof buf ? size : sizeof buf);
        if (n <= 0 || write(to, buf, n) != n) goto failed;
        size -= n;
    }
    return;
failed:;
    int err = n == 0 ? EPIPE : errno;
    kill(child, SIGKILL);
    while (forward(err_fd, sock)) {}
    fail("read plan", "", "", err);
}

static int exit_status(int status) {
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* Binds the control socket of a detached helper before it reports anything, so "start" finds it. */
static int listen_control(const char *path) {
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    if (strlen(path) >= sizeof addr.sun_path) fail("bind control socket", path, "", ENAMETOOLONG);
    strcpy(addr.sun_path, path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || bind(fd, (struct sockaddr *) &addr, sizeof addr) < 0 || listen(fd, 8) < 0)
        fail("bind control socket", path, "", errno);
    return fd;
}

static void write_exit_file(const char *path, int status) {
    char tmp[4096], text[16];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    snprintf(text, sizeof text, "%d\n", status);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd >= 0) {
        (void) !write(fd, text, strlen(text));
        close(fd);
        rename(tmp, path);
    }
}

int main(int argc, char **argv) {
    if (argc != 3 && argc != 5) {
        fprintf(stderr, "usage: %s SOCKET_FD|SOCKET_PATH JVM_PID [CONTROL EXIT_FILE]\n", argv[0]);
        return 2;
    }
    int detached = argc == 5, listener = -1, sock;
    if (!detached) prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != (pid_t) num(argv[2])) return 1;
    /*
     * posix_spawn keeps whatever the JVM opened without close-on-exec (the JDK's own files and
     * sockets, which its children close themselves): none of it is ours to hold.
     */
    if (argv[1][0] == '/') {
        syscall(SYS_close_range, 3, ~0U, 0);
        sock = connect_jvm(argv[1]);
        if (sock < 0) {
            fprintf(stderr, "stevedore-helper: cannot connect to %s: %s\n", argv[1], strerror(errno));
            return 2;
        }
    } else {
        sock = num(argv[1]);
        if (sock < 3 || fcntl(sock, F_SETFD, FD_CLOEXEC) < 0) {
            fprintf(stderr, "stevedore-helper: %s is not the descriptor of a socket\n", argv[1]);
            return 2;
        }
        if (sock > 3) syscall(SYS_close_range, 3, sock - 1, 0);
        syscall(SYS_close_range, sock + 1, ~0U, 0);
    }
    if (detached) {
        /* Its own session: a terminal's signals to the command line's process group spare it. */
        setsid();
        listener = listen_control(argv[3]);
    }
    report_fd = sock;
    read_plan(sock);

    int i = 0;
    unsigned long clone_flags = 0;
    for (; i < nops && ops[i].code != OP_CLONE; i++) {
        if (ops[i].code == OP_CGROUP_PROCS) {
            /* Joined before clone, so the container process is born in its cgroup. */
            write_file(ops[i].argv[0], "0", "join cgroup");
            continue;
        }
        if (ops[i].code == OP_ID_MAP) continue; /* written once the child exists, below */
        if (ops[i].code == OP_CONSOLE_SOCKET) {
            connect_console(ops[i].argv[0]);
            continue;
        }
        if (ops[i].code != OP_SETNS_PID) fail("parse plan", "operation before clone", "", EINVAL);
        /* Optional nstype: a rootless exec joins the container's user namespace first, to be let into the rest. */
        int fd = open(ops[i].argv[0], O_RDONLY | O_CLOEXEC), type = ops[i].argc > 1 ? num(ops[i].argv[1]) : CLONE_NEWPID;
        if (fd < 0 || setns(fd, type) < 0) fail("join namespace", ops[i].argv[0], "", errno);
        close(fd);
    }
    if (i == nops) fail("parse plan", "no clone operation", "", EINVAL);
    int clone_at = i;
    clone_flags = num(ops[i].argv[0]);

    sigset_t all;
    sigfillset(&all);
    sigprocmask(SIG_BLOCK, &all, NULL);
    int sigfd = signalfd(-1, &all, SFD_CLOEXEC);
    int go_pipe[2], err_pipe[2], plan_pipe[2];
    if (sigfd < 0 || pipe2(go_pipe, O_CLOEXEC) < 0 || pipe2(err_pipe, O_CLOEXEC) < 0
        || pipe2(plan_pipe, O_CLOEXEC) < 0)
        fail("create pipes", "", "", errno);
    pid_t pid = syscall(SYS_clone, clone_flags | SIGCHLD, 0, 0, 0, 0);
    if (pid < 0) fail("clone", "", "", errno);
    if (pid == 0) {
        reset_signals();
        close(sock);
        close(sigfd);
        close(err_pipe[0]);
        close(go_pipe[1]);
        close(plan_pipe[1]);
        report_fd = err_pipe[1];
        /* The namespaces exist already; the rest of the plan may come much later (a helper prepared in advance). */
        run_child(clone_at + 1, plan_pipe[0], go_pipe[0]);
    }
    close(err_pipe[1]);
    close(go_pipe[0]);
    close(plan_pipe[0]);
    if (console_fd >= 0) close(console_fd);
    /*
     * A new user namespace gets its mappings from here, the parent side, while the child still
     * waits for the rest of its plan: it has no privilege in its namespace before that.
     */
    for (int j = 0; j < clone_at; j++) {
        if (ops[j].code != OP_ID_MAP) continue;
        if (ops[j].argv[0][0] == '/') {
            run_id_map_tool(ops[j].argv[0], pid, ops[j].argv[1]);
            continue;
        }
        char path[64];
        snprintf(path, sizeof path, "/proc/%d/%s", pid, ops[j].argv[0]);
        int fd = open(path, O_WRONLY | O_CLOEXEC);
        if (fd < 0 || write(fd, ops[j].argv[1], strlen(ops[j].argv[1])) < 0) {
            int err = errno;
            kill(pid, SIGKILL);
            fail("write user namespace mapping", ops[j].argv[0], ops[j].argv[1], err);
        }
        close(fd);
    }
    /*
     * The container's mounts are torn down when the last reference to its mount namespace goes. In
     * the container's own exit that delays the exit status by the unmounting (and an RCU grace
     * period); held here, it happens when this helper exits, after the status is reported.
     */
    if (clone_flags & CLONE_NEWNS) {
        char path[64];
        snprintf(path, sizeof path, "/proc/%d/ns/mnt", pid);
        (void) open(path, O_RDONLY | O_CLOEXEC);
    }
    relay_plan(sock, plan_pipe[1], pid, err_pipe[0]);
    close(plan_pipe[1]);

    send_msg('P', pid, "", "", "");

    int err_fd = err_pipe[0];
    for (;;) {
        struct pollfd fds[4] = { { sigfd, POLLIN, 0 }, { sock, POLLIN, 0 }, { err_fd, POLLIN, 0 },
                                 { listener, POLLIN, 0 } };
        if (poll(fds, 4, -1) < 0) continue;
        if (fds[3].revents) {
            int conn = accept4(listener, NULL, NULL, SOCK_CLOEXEC);
            if (conn >= 0) {
                if (sock >= 0) close(sock);
                sock = report_fd = conn;
                continue;
            }
        }
        if (fds[2].revents) {
            if (!forward(err_fd, sock)) {
                close(err_fd);
                err_fd = -1;
                send_msg('S', 0, "", "", "");
            }
        }
        if (fds[1].revents) {
            char cmd;
            int32_t sig;
            if (read(sock, &cmd, 1) != 1) {
                /* Java closed its end: keep running the container, just stop listening. */
                close(sock);
                sock = -1;
                report_fd = -1;
            } else if (cmd == 'G' && go_pipe[1] >= 0) {
                if (write(go_pipe[1], "g", 1) != 1) fail("send go", "", "", errno);
                close(go_pipe[1]);
                go_pipe[1] = -1;
            } else if (cmd == 'K' && read_full(sock, &sig, 4) == 0) {
                kill(pid, sig);
            } else if (cmd == 'C') {
                /* Continue after a pause (OP_PAUSE); the final 'G' comes later. */
                if (write(go_pipe[1], "g", 1) != 1) fail("send continue", "", "", errno);
            }
        }
        if (fds[0].revents) {
            struct signalfd_siginfo si;
            if (read(sigfd, &si, sizeof si) != sizeof si) continue;
            if (si.ssi_signo != SIGCHLD) {
                kill(pid, si.ssi_signo);
                continue;
            }
            int status;
            if (waitpid(pid, &status, WNOHANG) != pid) continue;
            while (err_fd >= 0 && forward(err_fd, sock)) {}
            if (err_fd >= 0) send_msg('S', 0, "", "", "");
            if (detached) {
                write_exit_file(argv[4], exit_status(status));
                unlink(argv[3]);
            }
            send_msg('X', exit_status(status), "", "", "");
            return exit_status(status);
        }
    }
}
