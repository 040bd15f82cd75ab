package dev.stevedore.internal.network;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Publishes container ports on host addresses. A TCP port has a thread accepting connections,
 * and each connection a thread per direction that moves the bytes with splice(2), from one
 * socket into a pipe and from the pipe into the other socket: the data never enters user space,
 * so relaying costs no copy, only the page references changing hands. UDP datagrams are relayed
 * by one selector thread per engine through a socket per client address.
 *
 * <p>Why a forwarder rather than nftables DNAT: DNAT of {@code 127.0.0.1} needs
 * {@code route_localnet} on the host (a host-wide sysctl that lets martian loopback packets
 * onto the wire) and SNAT on the bridge, rules in the nat chains that every other tool sharing
 * nftables can break, and rules outlive a crashed JVM; a container without an address (mode
 * {@code none}) could not be reached at all. A forwarder needs no privilege beyond binding the
 * port, the kernel reports "address in use" at bind time, the port is gone the moment the JVM
 * is, and it works whatever the host's firewall does.
 *
 * <p>Why splice with blocking threads: relaying through Java buffers copies every byte twice more
 * (into the JVM and out again), so where the CPUs are the limit a relayed bulk transfer got under
 * half the rate of a direct one; spliced, it keeps well above half ({@code PortForwarderBenchmark}).
 * A blocked thread per direction keeps each step a single system call and half-closes simple
 * (end of stream one way shuts down writing the other way, nothing else); published ports of test
 * containers carry few connections, so two threads each are cheap.
 */
final class PortForwarder implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(PortForwarder.class.getName());
    /** Bytes per splice; the pipe is enlarged to hold them where the user's pipe quota allows. */
    private static final int PIPE = 1 << 20;
    private static final int UDP_SESSIONS = 256;

    private final Set<TcpPort> tcpPorts = ConcurrentHashMap.newKeySet();
    private final Selector selector;
    private final Thread thread;
    private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    /** One datagram at a time, on the selector thread only. */
    private final ByteBuffer datagram = ByteBuffer.allocateDirect(65536);
    private volatile boolean closed;

    PortForwarder() {
        try {
            selector = Selector.open();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open a selector for port forwarding", e);
        }
        thread = daemon(this::loop, "stevedore-udp-ports");
        thread.start();
    }

    /** A bound host port (TCP or UDP). */
    interface Listener extends AutoCloseable {
        /** @return the bound host address and port */
        InetSocketAddress address();

        /** Closes the port and ends its connections; when this returns, the port is free again. */
        @Override
        void close();
    }

    /**
     * Binds a host address right away (so "in use" is reported to the caller) and relays its
     * connections to a target.
     *
     * @throws java.net.BindException when the address is in use or not the host's
     */
    Listener listen(InetSocketAddress bind, InetSocketAddress target) throws IOException {
        if (closed) {
            throw new IllegalStateException("the port forwarder is closed");
        }
        TcpPort port = new TcpPort(bind, target);
        tcpPorts.add(port);
        port.acceptor.start();
        return port;
    }

    /** A TCP port: its listening socket, the thread accepting on it and the live connections. */
    private final class TcpPort implements Listener {
        private final int fd;
        private final InetSocketAddress address;
        private final InetSocketAddress target;
        private final Thread acceptor;
        /** Guarded by this, as is {@code shut}. */
        private final Set<Connection> connections = new HashSet<>();
        private boolean shut;

        TcpPort(InetSocketAddress bind, InetSocketAddress target) throws IOException {
            fd = SpliceSockets.listen(bind, 128);
            try {
                address = SpliceSockets.localAddress(fd);
            } catch (IOException e) {
                SpliceSockets.close(fd);
                throw e;
            }
            this.target = target;
            acceptor = daemon(this::accept, "stevedore-port-" + address.getPort());
        }

        @Override
        public InetSocketAddress address() {
            return address;
        }

        private void accept() {
            for (;;) {
                int client;
                try {
                    client = SpliceSockets.accept(fd);
                } catch (IOException e) {
                    // Out of descriptors, say: the connections waiting get their turn when some close.
                    LOG.log(Level.WARNING, "port {0}: {1}", address, e.getMessage());
                    pause();
                    continue;
                }
                if (client < 0) {
                    return;
                }
                Connection c = new Connection(this, client);
                synchronized (this) {
                    if (shut) {
                        SpliceSockets.close(client);
                        return;
                    }
                    connections.add(c);
                }
                daemon(c::connectAndRelay, "stevedore-port-" + address.getPort() + "-in").start();
            }
        }

        synchronized void removed(Connection c) {
            connections.remove(c);
            notifyAll();
        }

        @Override
        public void close() {
            List<Connection> live;
            synchronized (this) {
                if (shut) {
                    return;
                }
                shut = true;
                live = List.copyOf(connections);
            }
            // Wakes the accepting thread (accept fails with EINVAL) and every relaying one.
            SpliceSockets.shutdown(fd, SpliceSockets.SHUT_RDWR);
            live.forEach(Connection::abort);
            try {
                acceptor.join();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
                synchronized (this) {
                    for (long left; !connections.isEmpty() && (left = deadline - System.nanoTime()) > 0;) {
                        TimeUnit.NANOSECONDS.timedWait(this, left);
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                SpliceSockets.close(fd);
                tcpPorts.remove(this);
            }
        }
    }

    /**
     * One relayed TCP connection. Its descriptors are closed by whichever relaying thread ends
     * last, never while another may still use them (a closed number is soon another file's);
     * until then {@link #abort} can shut them down to wake both threads.
     */
    private static final class Connection {
        private final TcpPort port;
        private final int client;
        /** Guarded by this, as are the two below. */
        private int upstream = -1;
        private int running = 1;
        private boolean closed;

        Connection(TcpPort port, int client) {
            this.port = port;
            this.client = client;
        }

        void connectAndRelay() {
            int fd;
            try {
                fd = SpliceSockets.socket(port.target.getAddress());
                synchronized (this) {
                    upstream = fd;
                }
                SpliceSockets.connect(fd, port.target);
            } catch (IOException e) {
                // Nothing listens in the container (yet): the client sees its connection end.
                LOG.log(Level.DEBUG, "port {0}: {1}", port.address, e.getMessage());
                finished();
                return;
            }
            synchronized (this) {
                running++;
            }
            daemon(() -> relay(fd, client), "stevedore-port-" + port.address.getPort() + "-out").start();
            relay(client, fd);
        }

        /** Relays one direction until its end of stream, which it passes on as a half-close. */
        private void relay(int from, int to) {
            int[] pipe = null;
            try {
                pipe = SpliceSockets.pipe(PIPE);
                for (;;) {
                    long n = SpliceSockets.splice(from, pipe[1], PIPE);
                    if (n == 0) {
                        SpliceSockets.shutdown(to, SpliceSockets.SHUT_WR);
                        return;
                    }
                    if (n < 0 && n != -SpliceSockets.EINTR) {
                        abort();
                        return;
                    }
                    while (n > 0) {
                        long m = SpliceSockets.splice(pipe[0], to, n);
                        if (m > 0) {
                            n -= m;
                        } else if (m != -SpliceSockets.EINTR) {
                            abort();
                            return;
                        }
                    }
                }
            } catch (IOException e) {
                LOG.log(Level.WARNING, "port {0}: {1}", port.address, e.getMessage());
                abort();
            } finally {
                if (pipe != null) {
                    SpliceSockets.close(pipe[0]);
                    SpliceSockets.close(pipe[1]);
                }
                finished();
            }
        }

        /** Ends both directions at once: an error on either, or the port closing. */
        synchronized void abort() {
            if (!closed) {
                SpliceSockets.shutdown(client, SpliceSockets.SHUT_RDWR);
                if (upstream >= 0) {
                    SpliceSockets.shutdown(upstream, SpliceSockets.SHUT_RDWR);
                }
            }
        }

        private void finished() {
            synchronized (this) {
                if (--running > 0) {
                    return;
                }
                closed = true;
            }
            SpliceSockets.close(client);
            if (upstream >= 0) {
                SpliceSockets.close(upstream);
            }
            port.removed(this);
        }
    }

    /** A UDP port; closing it stops relaying. */
    private final class UdpPort implements Listener {
        private final DatagramChannel server;
        private final InetSocketAddress target;
        /** One connected channel to the target per client address, the least recent first. */
        private final Map<SocketAddress, DatagramChannel> sessions = new LinkedHashMap<>(16, 0.75f, true);

        private UdpPort(DatagramChannel server, InetSocketAddress target) {
            this.server = server;
            this.target = target;
        }

        @Override
        public InetSocketAddress address() {
            try {
                return (InetSocketAddress) server.getLocalAddress();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public void close() {
            CompletableFuture<Void> done = new CompletableFuture<>();
            run(() -> {
                quietly(server);
                sessions.values().forEach(PortForwarder::quietly);
                sessions.clear();
                try {
                    // A channel registered with a selector is only really closed (its port
                    // released) when the selector next deregisters its cancelled keys.
                    selector.selectNow();
                } catch (IOException e) {
                    // The loop's next select deregisters it.
                } finally {
                    done.complete(null);
                }
            });
            if (Thread.currentThread() != thread && !closed) {
                try {
                    done.get(5, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } catch (ExecutionException | TimeoutException e) {
                    LOG.log(Level.WARNING, "port {0} did not close in time: {1}", server, e.toString());
                }
            }
        }
    }

    /**
     * Binds a host UDP port right away and relays datagrams to a target: each client address gets
     * its own socket towards the target, so replies find their way back to it.
     *
     * @throws java.net.BindException when the address is in use or not the host's
     */
    Listener listenUdp(InetSocketAddress bind, InetSocketAddress target) throws IOException {
        DatagramChannel server = DatagramChannel.open();
        try {
            server.bind(bind);
            server.configureBlocking(false);
        } catch (IOException e) {
            server.close();
            throw e;
        }
        UdpPort port = new UdpPort(server, target);
        run(() -> {
            try {
                server.register(selector, SelectionKey.OP_READ, port);
            } catch (ClosedChannelException e) {
                // Closed before the selector saw it.
            }
        });
        return port;
    }

    /** Replies from the target for one client of a UDP port. */
    private record UdpSession(UdpPort port, SocketAddress client, DatagramChannel upstream) {
    }

    private void relayFromClients(UdpPort port) throws IOException {
        for (SocketAddress client; (client = port.server.receive(datagram.clear())) != null;) {
            DatagramChannel upstream = port.sessions.get(client);
            if (upstream == null) {
                if (port.sessions.size() == UDP_SESSIONS) {
                    var eldest = port.sessions.entrySet().iterator();
                    quietly(eldest.next().getValue());
                    eldest.remove();
                }
                upstream = DatagramChannel.open();
                upstream.connect(port.target);
                upstream.configureBlocking(false);
                upstream.register(selector, SelectionKey.OP_READ, new UdpSession(port, client, upstream));
                port.sessions.put(client, upstream);
            }
            try {
                upstream.write(datagram.flip());
            } catch (IOException e) {
                // Refused (nothing listens yet): UDP loses it, as the network would.
            }
        }
    }

    private void relayToClient(UdpSession session) {
        try {
            while (session.upstream().read(datagram.clear()) > 0) {
                session.port().server.send(datagram.flip(), session.client());
            }
        } catch (IOException e) {
            // An ICMP error for an earlier datagram; the next one may get through.
        }
    }

    private void run(Runnable task) {
        tasks.add(task);
        selector.wakeup();
    }

    private void loop() {
        while (!closed) {
            try {
                selector.select();
                for (Runnable task; (task = tasks.poll()) != null;) {
                    task.run();
                }
                for (SelectionKey key : selector.selectedKeys()) {
                    try {
                        handle(key);
                    } catch (CancelledKeyException e) {
                        // Closed by an earlier key of this round.
                    }
                }
                selector.selectedKeys().clear();
            } catch (IOException | RuntimeException e) {
                LOG.log(Level.WARNING, "port forwarding: {0}", e.toString());
            }
        }
    }

    private void handle(SelectionKey key) {
        if (key.attachment() instanceof UdpPort p) {
            try {
                relayFromClients(p);
            } catch (IOException e) {
                LOG.log(Level.DEBUG, "UDP port {0}: {1}", p.address(), e.toString());
            }
        } else {
            relayToClient((UdpSession) key.attachment());
        }
    }

    private static Thread daemon(Runnable task, String name) {
        Thread t = new Thread(task, name);
        t.setDaemon(true);
        return t;
    }

    private static void pause() {
        try {
            Thread.sleep(100);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void quietly(java.io.Closeable c) {
        if (c != null) {
            try {
                c.close();
            } catch (IOException e) {
                // Already gone.
            }
        }
    }

    /** Closes every port and ends every connection. */
    @Override
    public void close() {
        closed = true;
        List.copyOf(tcpPorts).forEach(TcpPort::close);
        selector.wakeup();
        try {
            thread.join(5000);
            for (SelectionKey k : selector.keys()) {
                quietly(k.channel());
            }
            selector.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            // Closing anyway.
        }
    }
}
