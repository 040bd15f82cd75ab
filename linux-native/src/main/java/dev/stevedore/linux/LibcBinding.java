package dev.stevedore.linux;

/**
 * When the C library binding ({@link Libc}) is made. It takes a fresh JVM about a hundred
 * milliseconds of CPU, so a runtime starts it in the background, and the first helpers are started
 * without it ({@link JdkProcess}) until it is made; every other use of {@link Libc#get()} waits for
 * it, or makes it.
 */
final class LibcBinding {
    /** Set once the binding was attempted, whether or not it succeeded. */
    private static volatile boolean attempted;
    private static volatile boolean started;

    private LibcBinding() {
    }

    /** Starts making the binding on a thread of its own, unless it is made or being made. */
    static void startInBackground() {
        if (started || attempted) {
            return;
        }
        synchronized (LibcBinding.class) {
            if (started) {
                return;
            }
            started = true;
        }
        // A class, not a lambda: the first lambda of a fresh JVM costs milliseconds to link.
        Thread t = new Thread(new Runnable() {
            @Override
            public void run() {
                Libc.unavailableReason();
            }
        }, "stevedore-libc-binding");
        t.setDaemon(true);
        t.start();
    }

    /** @return whether the binding is made and works, without waiting for it or starting it */
    static boolean bound() {
        return attempted && Libc.unavailableReason() == null;
    }

    /** Called by {@link Libc.Loaded} once it has tried. */
    static void attempted() {
        attempted = true;
    }
}
