package dev.stevedore.internal.network;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Publishes container ports on host addresses: each accepted TCP connection is relayed to the
 * container's address by one selector thread per engine, through a direct buffer per direction;
 * UDP datagrams are relayed through a socket per client address.
 *
 * <p>Every published port is bound here, and TCP ports of containers on a bridge are also
 * forwarded in the kernel (nftables DNAT, {@link HostNetwork#forwardPorts}), which takes their
 * connections before they reach this listener once the rules are in (they are added in the
 * background, 10-20 ms after the container is wired). Why both:
 * <ul>
 * <li>Throughput. A relay costs a second TCP connection: every byte passes the kernel's TCP/IP
 * stack twice (client to forwarder, forwarder to container), and that stack work, not copying,
 * is most of a transfer's CPU time (the two copies of a direct loopback transfer are about a
 * sixth of it). Where the CPUs are the limit a relayed bulk transfer gets about half the direct
 * rate ({@code PortForwarderBenchmark}), and zero-copy relaying does not change that: a
 * splice(2) relay took the same CPU time per GiB and reached no better rate. DNAT keeps one
 * connection end to end, at about the direct rate ({@code PublishedPortBenchmark} in examples).
 * <li>The bound listener keeps what a relay gives and rules alone would not: the kernel reports
 * "address in use" at bind time, the port stays reserved for the container (no other process
 * can bind it under the rule), and clients the rules don't cover still get through: UDP, IPv6,
 * containers on the container's own bridge (the kernel cannot send a connection back out the
 * bridge port it came in on, and the rule does not single out the container itself), and every
 * port when nft is missing or fails (logged once).
 * <li>The rules' costs are handled where they arise: {@code route_localnet} only on our bridges,
 * with a rule dropping containers' packets to the host's 127.0.0.0/8; one table of our own;
 * rules removed before their port is released, and those a killed JVM left swept when an engine
 * opens the store.
 * </ul>
 */
final class PortForwarder implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(PortForwarder.class.getName());
    private static final int BUFFER = 256 * 1024;
    private static final int UDP_SESSIONS = 256;

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
        thread = new Thread(this::loop, "stevedore-ports");
        thread.setDaemon(true);
        thread.start();
    }

    /** A bound host port (TCP or UDP); closing it stops relaying and ends its connections. */
    final class Listener implements AutoCloseable {
        private final java.nio.channels.NetworkChannel server;
        private final InetSocketAddress target;
        private final List<Connection> connections = new ArrayList<>();
        /** UDP: one connected channel to the target per client address, the least recent first. */
        private final Map<SocketAddress, DatagramChannel> sessions = new LinkedHashMap<>(16, 0.75f, true);

        private Listener(java.nio.channels.NetworkChannel server, InetSocketAddress target) {
            this.server = server;
            this.target = target;
        }

        /** @return the bound host address and port */
        InetSocketAddress address() {
            try {
                return (InetSocketAddress) server.getLocalAddress();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /** Closes the port and its connections; when this returns, the port is free again. */
        @Override
        public void close() {
            java.util.concurrent.CompletableFuture<Void> done = new java.util.concurrent.CompletableFuture<>();
            run(() -> {
                quietly(server);
                for (Connection c : List.copyOf(connections)) {
                    c.close();
                }
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
                    done.get(5, java.util.concurrent.TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                    LOG.log(Level.WARNING, "port {0} did not close in time: {1}", server, e.toString());
                }
            }
        }
    }

    /**
     * Binds a host address right away (so "in use" is reported to the caller) and relays its
     * connections to a target.
     *
     * @throws java.net.BindException when the address is in use or not the host's
     */
    Listener listen(InetSocketAddress bind, InetSocketAddress target) throws IOException {
        ServerSocketChannel server = ServerSocketChannel.open();
        try {
            // Connections this port accepted and closed may linger (TIME_WAIT, FIN_WAIT2); they
            // carry this flag too, so the port can be bound again right after a container goes.
            server.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            server.bind(bind, 128);
            server.configureBlocking(false);
        } catch (IOException e) {
            server.close();
            throw e;
        }
        return register(new Listener(server, target), SelectionKey.OP_ACCEPT);
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
        return register(new Listener(server, target), SelectionKey.OP_READ);
    }

    /** Hands a bound port to the selector thread, the only one that registers channels. */
    private Listener register(Listener listener, int ops) {
        run(() -> {
            try {
                ((java.nio.channels.SelectableChannel) listener.server).register(selector, ops, listener);
            } catch (ClosedChannelException e) {
                // Closed before the selector saw it.
            }
        });
        return listener;
    }

    /** Replies from the target for one client of a UDP port. */
    private record UdpSession(Listener listener, SocketAddress client, DatagramChannel upstream) {
    }

    private void relayFromClients(Listener listener) throws IOException {
        DatagramChannel server = (DatagramChannel) listener.server;
        for (SocketAddress client; (client = server.receive(datagram.clear())) != null;) {
            DatagramChannel upstream = listener.sessions.get(client);
            if (upstream == null) {
                if (listener.sessions.size() == UDP_SESSIONS) {
                    var eldest = listener.sessions.entrySet().iterator();
                    quietly(eldest.next().getValue());
                    eldest.remove();
                }
                upstream = DatagramChannel.open();
                upstream.connect(listener.target);
                upstream.configureBlocking(false);
                upstream.register(selector, SelectionKey.OP_READ, new UdpSession(listener, client, upstream));
                listener.sessions.put(client, upstream);
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
                ((DatagramChannel) session.listener().server).send(datagram.flip(), session.client());
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
        Object a = key.attachment();
        if (a instanceof Listener l && l.server instanceof DatagramChannel) {
            try {
                relayFromClients(l);
            } catch (IOException e) {
                LOG.log(Level.DEBUG, "UDP port {0}: {1}", l.address(), e.toString());
            }
        } else if (a instanceof Listener l) {
            accept(l);
        } else if (a instanceof UdpSession u) {
            relayToClient(u);
        } else {
            ((Side) a).ready(key);
        }
    }

    private void accept(Listener listener) {
        for (;;) {
            SocketChannel client;
            try {
                client = ((ServerSocketChannel) listener.server).accept();
            } catch (IOException e) {
                return;
            }
            if (client == null) {
                return;
            }
            SocketChannel upstream = null;
            try {
                client.configureBlocking(false);
                client.setOption(StandardSocketOptions.TCP_NODELAY, true);
                upstream = SocketChannel.open();
                upstream.configureBlocking(false);
                upstream.setOption(StandardSocketOptions.TCP_NODELAY, true);
                Connection c = new Connection(listener, client, upstream);
                listener.connections.add(c);
                if (upstream.connect(listener.target)) {
                    c.connected();
                } else {
                    upstream.register(selector, SelectionKey.OP_CONNECT, c.upstreamSide);
                }
            } catch (IOException e) {
                quietly(client);
                quietly(upstream);
            }
        }
    }

    /** One channel of a connection and the buffer of bytes read from it, waiting to go to the other. */
    private final class Side {
        final Connection connection;
        final SocketChannel channel;
        final ByteBuffer pending = ByteBuffer.allocateDirect(BUFFER);
        Side peer;
        SelectionKey key;
        boolean eof;
        boolean shutOutput;

        Side(Connection connection, SocketChannel channel) {
            this.connection = connection;
            this.channel = channel;
        }

        void ready(SelectionKey k) {
            if (k.isConnectable()) {
                try {
                    channel.finishConnect();
                } catch (IOException e) {
                    // Nothing listens in the container (yet): the client sees its connection end.
                    connection.close();
                    return;
                }
                connection.connected();
                return;
            }
            try {
                if (k.isWritable()) {
                    peer.flushTo(this);
                }
                if (k.isValid() && k.isReadable()) {
                    readInto(peer);
                }
                connection.update();
            } catch (IOException e) {
                connection.close();
            }
        }

        /** Reads what fits into the buffer for {@code to}, then writes as much of it as goes. */
        void readInto(Side to) throws IOException {
            // Keep relaying while both sides keep up: one selector round per burst, not per read.
            for (int rounds = 0; rounds < 16; rounds++) {
                int n = channel.read(pending);
                if (n < 0) {
                    eof = true;
                }
                if (pending.position() > 0) {
                    flushTo(to);
                }
                if (n <= 0 || pending.position() > 0) {
                    return;
                }
            }
        }

        void flushTo(Side to) throws IOException {
            // A write readiness selected before this side's end was relayed can still come after
            // the peer's output was shut: nothing is left to write then, and writing would fail.
            if (pending.position() == 0) {
                return;
            }
            pending.flip();
            to.channel.write(pending);
            pending.compact();
        }

        int interest() {
            int ops = 0;
            if (!eof && pending.hasRemaining()) {
                ops |= SelectionKey.OP_READ;
            }
            if (peer.pending.position() > 0) {
                ops |= SelectionKey.OP_WRITE;
            }
            return ops;
        }
    }

    private final class Connection {
        final Listener listener;
        final Side clientSide;
        final Side upstreamSide;

        Connection(Listener listener, SocketChannel client, SocketChannel upstream) {
            this.listener = listener;
            this.clientSide = new Side(this, client);
            this.upstreamSide = new Side(this, upstream);
            clientSide.peer = upstreamSide;
            upstreamSide.peer = clientSide;
        }

        void connected() {
            try {
                clientSide.key = clientSide.channel.register(selector, SelectionKey.OP_READ, clientSide);
                upstreamSide.key = upstreamSide.channel.register(selector, SelectionKey.OP_READ, upstreamSide);
            } catch (ClosedChannelException e) {
                close();
            }
        }

        /** Half-closes a side once its peer's data is all delivered; closes both when both are done. */
        void update() throws IOException {
            for (Side s : List.of(clientSide, upstreamSide)) {
                if (s.eof && s.pending.position() == 0 && !s.peer.shutOutput) {
                    s.peer.channel.shutdownOutput();
                    s.peer.shutOutput = true;
                }
            }
            if (clientSide.peer.shutOutput && upstreamSide.peer.shutOutput) {
                close();
                return;
            }
            clientSide.key.interestOps(clientSide.interest());
            upstreamSide.key.interestOps(upstreamSide.interest());
        }

        void close() {
            quietly(clientSide.channel);
            quietly(upstreamSide.channel);
            listener.connections.remove(this);
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

    @Override
    public void close() {
        closed = true;
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
