package dev.stevedore.examples;

import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import dev.stevedore.Containers;
import dev.stevedore.Engine;
import dev.stevedore.testing.BusyboxImage;
import dev.stevedore.testing.Container;
import dev.stevedore.testing.ManagedContainer;
import dev.stevedore.testing.Stevedore;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.RepetitionInfo;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.engine.TestExecutionResult;

/**
 * A JUnit run of 100 tests, each with a fresh container from the {@link Stevedore} extension, against
 * the same 100 tests without containers: the difference per test is what a container costs a test
 * suite. Run: {@code java -cp examples/target/test-classes:$(cat examples/target/classpath.txt):...launcher
 * dev.stevedore.examples.ExtensionBenchmark} (the test class path, as surefire builds it).
 */
public final class ExtensionBenchmark {

    private ExtensionBenchmark() {
    }

    /** 100 tests with a container each. */
    @Stevedore(busybox = true)
    public static class WithContainers {
        @Container
        final ManagedContainer box = ManagedContainer.of(Containers.image(BusyboxImage.NAME).withCommand("sleep", "600"));

        @RepeatedTest(100)
        void test(RepetitionInfo info) {
            if (box.get().pid() <= 0) {
                throw new AssertionError("no container");
            }
        }
    }

    /** The same 100 tests, no containers. */
    public static class Without {
        @RepeatedTest(100)
        void test(RepetitionInfo info) {
            if (info.getCurrentRepetition() < 0) {
                throw new AssertionError();
            }
        }
    }

    public static void main(String[] args) {
        BusyboxImage.ensure(Engine.defaultEngine());
        run(WithContainers.class);
        run(Without.class);
        long[] with = new long[5];
        long[] without = new long[5];
        for (int i = 0; i < with.length; i++) {
            with[i] = run(WithContainers.class);
            without[i] = run(Without.class);
        }
        java.util.Arrays.sort(with);
        java.util.Arrays.sort(without);
        long w = with[with.length / 2];
        long wo = without[without.length / 2];
        System.out.printf(Locale.ROOT, "JUnit run of 100 tests: with a fresh container each %.1f ms, without %.1f ms;"
                + " per container %.2f ms (target <= 5 ms; Testcontainers on Docker: about 272 ms)%n",
                w / 1e6, wo / 1e6, (w - wo) / 1e6 / 100);
    }

    private static long run(Class<?> testClass) {
        Launcher launcher = LauncherFactory.create();
        AtomicInteger failed = new AtomicInteger();
        TestExecutionListener listener = new TestExecutionListener() {
            @Override
            public void executionFinished(TestIdentifier id, TestExecutionResult result) {
                if (result.getStatus() != TestExecutionResult.Status.SUCCESSFUL) {
                    failed.incrementAndGet();
                    result.getThrowable().ifPresent(Throwable::printStackTrace);
                }
            }
        };
        long t0 = System.nanoTime();
        launcher.execute(LauncherDiscoveryRequestBuilder.request().selectors(selectClass(testClass)).build(), listener);
        long took = System.nanoTime() - t0;
        if (failed.get() > 0) {
            throw new IllegalStateException(failed + " tests of " + testClass.getSimpleName() + " failed");
        }
        return took;
    }
}
