package dev.stevedore.internal.seccomp;

/** Run in a fresh JVM by {@link DefaultSeccompTest}: resolves the bundled profile, as the first container does. */
public final class ColdProfile {

    private ColdProfile() {
    }

    public static void main(String[] args) {
        System.out.println("resolved " + DefaultSeccomp.profile().syscalls().size() + " rules");
    }
}
