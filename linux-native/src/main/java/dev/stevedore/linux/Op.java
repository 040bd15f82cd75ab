package dev.stevedore.linux;

/** The helper's operations; the codes are the opcodes in {@code helper.c}. */
enum Op {
    /**
     * Parent, before clone: join a pid namespace so the child is born in it. Args: path, and
     * optionally another namespace type (a rootless exec joins the user namespace this way first).
     */
    SETNS_PID(1),
    /** Clone the container process. Args: namespace clone flags. */
    CLONE(2),
    /** Parent, before clone: join a cgroup, so the child is born in it. Args: cgroup.procs path. */
    CGROUP_PROCS(3),
    /**
     * Parent, written right after clone: a new user namespace's mapping. Args: uid_map, gid_map or
     * setgroups, content; or an absolute path to newuidmap or newgidmap, run with the child's pid
     * and the content's numbers.
     */
    ID_MAP(4),
    /** Args: path, nstype. */
    SETNS(10),
    /** Args: flags. */
    UNSHARE(11),
    LOOPBACK(12),
    /** Args: name. */
    HOSTNAME(13),
    /** Args: source, target, fstype, flags, data, target flags, propagation, bind remount flags. */
    MOUNT(14),
    /** New mount API, one option per fsconfig call. Args: fstype, target, options... */
    FSMOUNT(15),
    /** Detached copy of a host path, taken before pivot_root. Args: index, source, recursive, attrs, propagation, target. */
    OPEN_TREE(16),
    /** Attach a detached tree. Args: index, target, target flags, source. */
    MOVE_MOUNT(17),
    /** Args: new root. */
    PIVOT(18),
    /** Device node. Args: path, mode with S_IFCHR or S_IFBLK, major, minor. */
    MKNOD(19),
    /** Args: target, link path. */
    SYMLINK(20),
    /** Args: path. */
    MASK(21),
    /** Args: path, recursive, bind onto itself first. */
    REMOUNT_RO(22),
    /** Args: path, mode. */
    MKDIR_P(24),
    /** Report "ready" and wait for the go-ahead. */
    GO(25),
    /** Args: resource, soft, hard. */
    RLIMIT(30),
    /** Args: value. */
    OOM_SCORE_ADJ(31),
    /** Args: mask. */
    UMASK(32),
    NO_NEW_PRIVS(33),
    /** Args: uid, gid, supplementary gids... */
    USER(34),
    /** Args: effective, permitted, inheritable, ambient masks. */
    CAPS(35),
    /** Args: path. */
    CHDIR(36),
    /** Args: NAME=value. */
    ENV(37),
    /** Args: one argv entry. */
    ARG(38),
    /** Args: PATH to search. */
    EXEC(39),
    /** Args: mask of capabilities kept in the bounding set. */
    BOUNDING(40),
    /** Args: NIS domain name. */
    DOMAINNAME(41),
    /** Write a value to an existing file, such as a sysctl under /proc/sys. Args: path, value. */
    WRITE(42),
    /** Install a seccomp filter. Args: SECCOMP_FILTER_FLAG_* bits, the sock_filter array in hex. */
    SECCOMP(43),
    /** Run an OCI hook inside. Args: kind, timeout, state before and after the pid, path, argc, argv..., env... */
    HOOK(44),
    /** Report 'H' and wait for the go-ahead while Java runs the runtime namespace's hooks. */
    PAUSE(45),
    /** Parent, before clone: connect to a console socket; the child inherits the connection. Args: path. */
    CONSOLE_SOCKET(50),
    /**
     * Open a pty in the container's devpts, send its master over the console socket and make the slave
     * stdio and controlling terminal. Args: owner uid (-1: unchanged), rows, columns, bind on /dev/console (1/0).
     */
    CONSOLE(51),
    /** chroot(2) and chdir("/"), for a container in the runtime's mount namespace. Args: new root. */
    CHROOT(52),
    /** Fail unless the program can be found and executed, as root. Args: file, PATH, working directory. */
    CHECK_EXEC(53);

    final int code;

    Op(int code) {
        this.code = code;
    }
}
