package dev.stevedore.linux.net;

import dev.stevedore.linux.Libc;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Opens netlink sockets inside other processes' network namespaces.
 *
 * <p>A netlink socket belongs for life to the namespace it was created in, so the container-side
 * work (the container end's address, link state and default route) only needs a socket created
 * there; the requests themselves can then go out from any thread. Of the ways to create one:
 * <ul>
 * <li>setns(2) on a JVM thread: network namespaces are per thread (unlike mount namespaces, a
 *     multi-threaded process may switch them), so one dedicated thread switches in, creates the
 *     socket and switches straight back. No other code ever runs on it while it is switched.
 *     If switching back ever failed the thread would be unusable; it then refuses all further
 *     work instead of creating sockets in the wrong place.
 * <li>helper plan operations (the helper configuring its own interface) would put addresses,
 *     routes and their error handling into C and tie network setup to the plan, before the pid
 *     and the veth exist.
 * <li>the helper opening a socket and passing it back over its Unix socket (SCM_RIGHTS) would
 *     need fd passing on both sides for the same result.
 * </ul>
 * The first is the smallest and keeps all policy in Java; it costs one thread hand-off per
 * attached container.
 */
final class NetnsSockets {
    private static final int O_RDONLY_CLOEXEC = 0x80000;
    private static final int CLONE_NEWNET = 0x40000000;

    private final ExecutorService thread = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "stevedore-netns");
        t.setDaemon(true);
        return t;
    });
    private int hostNamespace = -1;
    private String broken;

    /**
     * @param pid a process whose network namespace the socket is for
     * @return a socket in that namespace
     */
    Netlink open(long pid) {
        Future<Netlink> f = thread.submit(() -> openOnThread(pid));
        try {
            return f.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException) {
                throw (RuntimeException) e.getCause();
            }
            throw new IllegalStateException("cannot open a netlink socket in the network namespace of pid " + pid,
                    e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while entering the network namespace of pid " + pid, e);
        }
    }

    private Netlink openOnThread(long pid) {
        Libc libc = Netlink.libc();
        if (broken != null) {
            throw new IllegalStateException(broken);
        }
        if (hostNamespace < 0) {
            hostNamespace = libc.open("/proc/thread-self/ns/net", O_RDONLY_CLOEXEC);
            if (hostNamespace < 0) {
                throw new NetlinkException("cannot open /proc/thread-self/ns/net", Libc.errno());
            }
        }
        String path = "/proc/" + pid + "/ns/net";
        int target = libc.open(path, O_RDONLY_CLOEXEC);
        if (target < 0) {
            throw new NetlinkException("cannot open the network namespace '" + path + "'", Libc.errno());
        }
        try {
            if (libc.setns(target, CLONE_NEWNET) < 0) {
                throw new NetlinkException("cannot enter the network namespace '" + path + "'", Libc.errno());
            }
            try {
                return Netlink.open();
            } finally {
                if (libc.setns(hostNamespace, CLONE_NEWNET) < 0) {
                    broken = "the thread entering container network namespaces could not return to the host's"
                            + " (errno " + Libc.errno() + "); container networking is disabled";
                }
            }
        } finally {
            libc.close(target);
        }
    }
}
