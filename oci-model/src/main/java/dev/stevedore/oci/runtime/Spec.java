package dev.stevedore.oci.runtime;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.stevedore.oci.OciFormatException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A container's configuration: the runtime-spec {@code config.json} of a bundle.
 *
 * <p>Read one with {@code OciJson.read(bytes, Spec.class, "config")}; errors name the JSON path,
 * such as {@code config.linux.namespaces[1].type}. The checks are the spec's requirements that need
 * no file system: {@code ociVersion} is SemVer, a Linux container has a root, the process has an
 * executable and an absolute working directory, namespace types are unique, capability names,
 * rlimit types and seccomp actions are valid, ID mappings are in range.
 *
 * @param ociVersion the runtime-spec version the configuration follows, SemVer; required
 * @param process the container's process; needed to start the container
 * @param root the root filesystem; required when {@code linux} is present
 * @param hostname the container's hostname (needs its own UTS namespace)
 * @param domainname the container's NIS domain name (needs its own UTS namespace)
 * @param mounts additional mounts, mounted in order
 * @param hooks lifecycle hooks
 * @param annotations arbitrary metadata
 * @param linux Linux-specific configuration
 * @param extensions fields this model does not know, kept so they survive a round trip
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record Spec(
        @JsonProperty("ociVersion") String ociVersion,
        @JsonProperty("process") Process process,
        @JsonProperty("root") Root root,
        @JsonProperty("hostname") String hostname,
        @JsonProperty("domainname") String domainname,
        @JsonProperty("mounts") List<Mount> mounts,
        @JsonProperty("hooks") Hooks hooks,
        @JsonProperty("annotations") Map<String, String> annotations,
        @JsonProperty("linux") Linux linux,
        @JsonAnySetter @JsonAnyGetter Map<String, Object> extensions) {

    /** The runtime-spec version this model implements, written by {@link #of}. */
    public static final String VERSION = "1.2.0";

    /**
     * Checks the fields against the spec and copies the collections.
     *
     * @param ociVersion the runtime-spec version the configuration follows, SemVer; required
     * @param process the container's process; needed to start the container
     * @param root the root filesystem; required when {@code linux} is present
     * @param hostname the container's hostname (needs its own UTS namespace)
     * @param domainname the container's NIS domain name (needs its own UTS namespace)
     * @param mounts additional mounts, mounted in order
     * @param hooks lifecycle hooks
     * @param annotations arbitrary metadata
     * @param linux Linux-specific configuration
     * @param extensions fields this model does not know, kept so they survive a round trip
     * @throws dev.stevedore.oci.OciFormatException naming the first invalid field
     */
    public Spec {
        Checks.requiredText(ociVersion, "ociVersion");
        if (!Checks.isSemVer(ociVersion)) {
            throw OciFormatException.field("ociVersion", Checks.quote(ociVersion) + " is not a SemVer version");
        }
        if (linux != null && root == null) {
            throw OciFormatException.field("root", "is required for a Linux container");
        }
        mounts = Checks.list(mounts, "mounts");
        annotations = Checks.map(annotations, "annotations");
        extensions = Checks.extensions(extensions);
    }

    /**
     * A minimal Linux configuration: the process, the root, and no namespaces, mounts or limits.
     *
     * @param process the container's process
     * @param root the root filesystem
     * @return the configuration, of version {@link #VERSION}
     */
    public static Spec of(Process process, Root root) {
        return new Spec(VERSION, process, root, null, null, null, null, null, Linux.of(null), null);
    }

    /**
     * A copy with another process.
     *
     * @param process the process
     * @return the new configuration
     */
    public Spec withProcess(Process process) {
        return new Spec(ociVersion, process, root, hostname, domainname, mounts, hooks, annotations, linux,
                extensions);
    }

    /**
     * A copy whose process has other arguments.
     *
     * @param args the argv, executable first
     * @return the new configuration
     * @throws IllegalStateException when there is no process
     */
    public Spec withArgs(List<String> args) {
        return withProcess(requireProcess().withArgs(args));
    }

    /**
     * A copy whose process has another environment.
     *
     * @param env {@code NAME=value} entries
     * @return the new configuration
     * @throws IllegalStateException when there is no process
     */
    public Spec withEnv(List<String> env) {
        return withProcess(requireProcess().withEnv(env));
    }

    /**
     * A copy whose process has another working directory.
     *
     * @param cwd an absolute path inside the container
     * @return the new configuration
     * @throws IllegalStateException when there is no process
     */
    public Spec withCwd(String cwd) {
        return withProcess(requireProcess().withCwd(cwd));
    }

    /**
     * A copy with another root filesystem.
     *
     * @param root the root
     * @return the new configuration
     */
    public Spec withRoot(Root root) {
        return new Spec(ociVersion, process, root, hostname, domainname, mounts, hooks, annotations, linux,
                extensions);
    }

    /**
     * A copy with another hostname.
     *
     * @param hostname the hostname, or null for none
     * @return the new configuration
     */
    public Spec withHostname(String hostname) {
        return new Spec(ociVersion, process, root, hostname, domainname, mounts, hooks, annotations, linux,
                extensions);
    }

    /**
     * A copy with other mounts.
     *
     * @param mounts the mounts, in order
     * @return the new configuration
     */
    public Spec withMounts(List<Mount> mounts) {
        return new Spec(ociVersion, process, root, hostname, domainname, mounts, hooks, annotations, linux,
                extensions);
    }

    /**
     * A copy with one more mount, after the existing ones.
     *
     * @param mount the mount
     * @return the new configuration
     */
    public Spec withMount(Mount mount) {
        List<Mount> copy = new ArrayList<>(mounts);
        copy.add(mount);
        return withMounts(copy);
    }

    /**
     * A copy with other hooks.
     *
     * @param hooks the hooks, or null for none
     * @return the new configuration
     */
    public Spec withHooks(Hooks hooks) {
        return new Spec(ociVersion, process, root, hostname, domainname, mounts, hooks, annotations, linux,
                extensions);
    }

    /**
     * A copy with other annotations.
     *
     * @param annotations the annotations
     * @return the new configuration
     */
    public Spec withAnnotations(Map<String, String> annotations) {
        return new Spec(ociVersion, process, root, hostname, domainname, mounts, hooks, annotations, linux,
                extensions);
    }

    /**
     * A copy with another Linux configuration.
     *
     * @param linux the Linux configuration
     * @return the new configuration
     */
    public Spec withLinux(Linux linux) {
        return new Spec(ociVersion, process, root, hostname, domainname, mounts, hooks, annotations, linux,
                extensions);
    }

    /**
     * A copy with other namespaces; the Linux configuration is created if there is none.
     *
     * @param namespaces the namespaces, at most one per type
     * @return the new configuration
     */
    public Spec withNamespaces(List<Namespace> namespaces) {
        return withLinux(linux == null ? Linux.of(namespaces) : linux.withNamespaces(namespaces));
    }

    /**
     * A copy with other resource limits; the Linux configuration is created if there is none.
     *
     * @param resources the limits, or null for none
     * @return the new configuration
     */
    public Spec withResources(Resources resources) {
        return withLinux((linux == null ? Linux.of(null) : linux).withResources(resources));
    }

    private Process requireProcess() {
        if (process == null) {
            throw new IllegalStateException("this configuration has no process; set one with withProcess first");
        }
        return process;
    }
}
