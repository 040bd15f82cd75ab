package dev.stevedore.linux;

import dev.stevedore.oci.runtime.IdMapping;
import dev.stevedore.oci.runtime.Linux;
import dev.stevedore.oci.runtime.Mount;
import dev.stevedore.oci.runtime.Namespace;
import dev.stevedore.oci.runtime.NamespaceType;
import dev.stevedore.oci.runtime.Resources;
import dev.stevedore.oci.runtime.Spec;
import dev.stevedore.spi.ContainerBackendException;
import dev.stevedore.spi.Stdio;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * How a non-root caller runs containers: in a new user namespace whose root is the caller. With
 * {@code newuidmap} and {@code newgidmap} installed and ranges for the user in {@code /etc/subuid}
 * and {@code /etc/subgid}, container ids 1..N map to those ranges (the tools write the maps);
 * otherwise the caller alone is mapped, as root, and the helper writes the maps itself (with
 * {@code setgroups} denied, which the kernel requires of an unprivileged writer).
 *
 * <p>An unprivileged user cannot create cgroups, so a rootless container has none of its own:
 * a resource limit is refused naming the field, never silently dropped.
 *
 * @param uidMappings container uid to host uid
 * @param gidMappings container gid to host gid
 * @param description which mapping and why, for the log and messages
 */
record Rootless(List<IdMapping> uidMappings, List<IdMapping> gidMappings, String description) {

    static final Path NEWUIDMAP = Path.of("/usr/bin/newuidmap");
    static final Path NEWGIDMAP = Path.of("/usr/bin/newgidmap");

    /** The caller's mapping, from its ids, {@code /etc/subuid}, {@code /etc/subgid} and the installed tools. */
    static Rootless detect() {
        long[] ids = LinuxBackend.effectiveIds();
        return detect(ids[0], ids[1], System.getProperty("user.name"), Path.of("/etc/subuid"), Path.of("/etc/subgid"),
                Files.isExecutable(NEWUIDMAP) && Files.isExecutable(NEWGIDMAP));
    }

    /**
     * @param uid the caller's effective uid
     * @param gid the caller's effective gid
     * @param user the caller's user name, as the subordinate id files may name it
     * @param subuid the subordinate uid file, such as {@code /etc/subuid}
     * @param subgid the subordinate gid file
     * @param tools whether newuidmap and newgidmap are installed
     * @return the full mapping when the user has both ranges and the tools are there, else the single one
     */
    static Rootless detect(long uid, long gid, String user, Path subuid, Path subgid, boolean tools) {
        List<IdMapping> single = List.of(IdMapping.of(0, uid, 1));
        List<IdMapping> singleGid = List.of(IdMapping.of(0, gid, 1));
        long[] uids = range(subuid, user, uid);
        long[] gids = range(subgid, user, uid);
        if (uids == null || gids == null) {
            return new Rootless(single, singleGid, "single mapping (container root = uid " + uid + ", gid " + gid
                    + "): no range for '" + user + "' in " + (uids == null ? subuid : subgid));
        }
        if (!tools) {
            return new Rootless(single, singleGid, "single mapping (container root = uid " + uid + ", gid " + gid
                    + "): " + NEWUIDMAP + " and " + NEWGIDMAP + " are not both installed (Debian package uidmap)");
        }
        return new Rootless(List.of(IdMapping.of(0, uid, 1), IdMapping.of(1, uids[0], uids[1])),
                List.of(IdMapping.of(0, gid, 1), IdMapping.of(1, gids[0], gids[1])),
                "subordinate ids (container root = uid " + uid + ", ids 1-" + uids[1] + " = host " + uids[0] + "-"
                        + (uids[0] + uids[1] - 1) + ") through " + NEWUIDMAP + " and " + NEWGIDMAP);
    }

    /** @return the first range of {@code user} (by name or uid) in a subordinate id file: start, count; or null */
    private static long[] range(Path file, String user, long uid) {
        List<String> lines;
        try {
            lines = Files.exists(file) ? Files.readAllLines(file) : List.of();
        } catch (IOException e) {
            return null;
        }
        for (String line : lines) {
            String[] f = line.trim().split(":");
            if (f.length == 3 && (f[0].equals(user) || f[0].equals(Long.toString(uid)))
                    && f[1].matches("\\d{1,10}") && f[2].matches("\\d{1,10}") && Long.parseLong(f[2]) > 0) {
                return new long[] {Long.parseLong(f[1]), Long.parseLong(f[2])};
            }
        }
        return null;
    }

    /** @return whether these maps go through newuidmap and newgidmap (more than the caller is mapped) */
    boolean usesTools() {
        return uidMappings.size() > 1;
    }

    /**
     * The spec as this caller can run it: a new user namespace with this mapping unless the spec
     * has one; device nodes and {@code /sys} as an unprivileged user may have them.
     *
     * @throws IllegalArgumentException naming the field, for a resource limit (no cgroup of its own)
     *     or a namespace that would need privileges on the host
     */
    Spec apply(Spec spec) {
        Linux linux = spec.linux() == null ? Linux.of(null) : spec.linux();
        refuseLimits(linux.resources());
        List<Namespace> namespaces = new ArrayList<>(linux.namespaces());
        boolean ownUser = namespaces.stream().anyMatch(n -> n.type() == NamespaceType.USER);
        boolean ownNetwork = namespaces.stream().anyMatch(n -> n.type() == NamespaceType.NETWORK && n.path() == null);
        if (!ownUser) {
            namespaces.add(0, Namespace.of(NamespaceType.USER));
            linux = linux.withNamespaces(namespaces).withIdMappings(uidMappings, gidMappings);
        }
        List<IdMapping> gids = ownUser ? linux.gidMappings() : gidMappings;
        // The device cgroup is out of reach, and a user namespace can make no device nodes anyway:
        // the container sees only the host's nodes the planner bind-mounts.
        if (linux.resources() != null && !linux.resources().devices().isEmpty()) {
            linux = linux.withResources(linux.resources().withDevices(List.of()));
        }
        List<Mount> mounts = new ArrayList<>();
        for (Mount m : spec.mounts()) {
            mounts.add(adapt(m, gids, ownNetwork));
        }
        return spec.withLinux(linux).withMounts(mounts);
    }

    private Mount adapt(Mount m, List<IdMapping> gids, boolean ownNetwork) {
        if ("devpts".equals(m.type())) {
            // devpts refuses a gid= the namespace does not map (tty, 5, under a single mapping).
            List<String> options = m.options().stream()
                    .filter(o -> !o.startsWith("gid=") || mapped(gids, o.substring(4))).toList();
            return new Mount(m.destination(), m.type(), m.source(), options, m.uidMappings(), m.gidMappings(),
                    m.extensions());
        }
        if ("sysfs".equals(m.type()) && !ownNetwork) {
            // sysfs may be mounted only by the owner of the network namespace: the host's is bound instead.
            boolean readOnly = m.options().contains("ro");
            return Mount.of(m.destination(), "bind", "/sys", "rbind", "nosuid", "noexec", "nodev",
                    readOnly ? "ro" : "rw");
        }
        return m;
    }

    private static boolean mapped(List<IdMapping> mappings, String id) {
        if (!id.matches("\\d{1,10}")) {
            return true;
        }
        long value = Long.parseLong(id);
        return mappings.stream().anyMatch(m -> value >= m.containerID() && value < m.containerID() + m.size());
    }

    private void refuseLimits(Resources r) {
        if (r == null) {
            return;
        }
        List<String> fields = new ArrayList<>();
        add(fields, r.memory(), "memory");
        add(fields, r.cpu(), "cpu");
        add(fields, r.pids(), "pids");
        add(fields, r.blockIO(), "blockIO");
        add(fields, r.hugepageLimits().isEmpty() ? null : r.hugepageLimits(), "hugepageLimits");
        add(fields, r.network(), "network");
        add(fields, r.rdma().isEmpty() ? null : r.rdma(), "rdma");
        add(fields, r.unified().isEmpty() ? null : r.unified(), "unified");
        if (!fields.isEmpty()) {
            throw new IllegalArgumentException("linux.resources." + fields.get(0) + ": resource limits are not "
                    + "supported for rootless containers: uid " + uidMappings.get(0).hostID() + " cannot create cgroups, so the "
                    + "container runs without a cgroup of its own; run as root for limits (asked for: "
                    + String.join(", ", fields) + ")");
        }
    }

    private static void add(List<String> fields, Object value, String name) {
        if (value != null) {
            fields.add(name);
        }
    }

    /**
     * Removes a directory tree that holds files of subordinate ids, which the caller alone may not
     * unlink: {@code rm -rf} runs as root of a user namespace with this mapping, where it may
     * remove whatever the mapped ids own. The helper and its socket live in a fresh private
     * temporary directory for the duration.
     *
     * @throws ContainerBackendException naming the directory when removal fails
     */
    void removeAsNamespaceRoot(Path dir) {
        Path scratch = null;
        try {
            scratch = Files.createTempDirectory("stevedore-rm-");
            Path helperExecutable = HelperBinary.extract(scratch.resolve("bin"));
            Plan beforeClone = new Plan();
            Planner.addIdMaps(beforeClone, Linux.of(List.of()).withIdMappings(uidMappings, gidMappings),
                    uidMappings.get(0).hostID(), gidMappings.get(0).hostID());
            beforeClone.add(Op.CLONE, Kernel.CLONE_NEWUSER);
            Plan afterClone = new Plan();
            afterClone.add(Op.USER, 0, 0);
            afterClone.add(Op.GO);
            for (String arg : List.of("rm", "-rf", "--", dir.toAbsolutePath().toString())) {
                afterClone.add(Op.ARG, arg);
            }
            afterClone.add(Op.EXEC, "/usr/bin:/bin");
            Helper helper = Helper.spawn(helperExecutable, scratch.resolve("rm.sock"), Stdio.discard())
                    .clone(beforeClone).begin(afterClone);
            helper.go();
            int status = helper.waitFor();
            if (status != 0 || Files.exists(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                throw new ContainerBackendException("cannot remove '" + dir + "' as root of a user namespace ("
                        + description + "): rm exited with status " + status);
            }
        } catch (IOException e) {
            throw new ContainerBackendException("cannot remove '" + dir + "': " + e, null, e);
        } finally {
            if (scratch != null) {
                try (java.util.stream.Stream<Path> walk = Files.walk(scratch)) {
                    for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                        Files.deleteIfExists(p);
                    }
                } catch (IOException e) {
                    // A few kilobytes left in the temporary directory; nothing depends on them.
                }
            }
        }
    }
}
