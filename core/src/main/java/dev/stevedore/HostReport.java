package dev.stevedore;

import java.util.List;
import java.util.Optional;

/**
 * What this host offers containers, and why something is missing: the backend, the snapshotter,
 * namespaces, cgroups, overlayfs, user namespaces and seccomp. From {@link Engine#doctor()}.
 *
 * @param checks the findings, the backend first
 */
public record HostReport(List<Check> checks) {

    /**
     * One finding.
     *
     * @param feature what was checked, such as {@code cgroups}
     * @param available whether it is there and usable
     * @param detail what was found, or why it is missing and what to do
     */
    public record Check(String feature, boolean available, String detail) {
    }

    /**
     * @param checks the findings, the backend first
     */
    public HostReport {
        checks = List.copyOf(checks);
    }

    /** @return whether containers can run here: a backend and a snapshotter are available */
    public boolean canRunContainers() {
        return reason().isEmpty();
    }

    /** @return why containers cannot run here, or empty when they can */
    public Optional<String> reason() {
        for (Check c : checks) {
            if (!c.available() && (c.feature().equals("backend") || c.feature().equals("snapshotter"))) {
                return Optional.of(c.feature() + ": " + c.detail());
            }
        }
        return Optional.empty();
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder();
        for (Check c : checks) {
            s.append(String.format("%-16s %-4s %s%n", c.feature(), c.available() ? "ok" : "NO", c.detail()));
        }
        return s.toString();
    }
}
