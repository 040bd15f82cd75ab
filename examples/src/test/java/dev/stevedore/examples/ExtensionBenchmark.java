package dev.stevedore.examples;

import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import dev.stevedore.ContainerSpec;
import dev.stevedore.Containers;
import dev.stevedore.Engine;
import dev.stevedore.testing.BusyboxImage;
import dev.stevedore.testing.Container;
import dev.stevedore.testing.ManagedContainer;
import dev.stevedore.testing.Stevedore;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.RepetitionInfo;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;

/**
 * A JUnit run of 100 tests, each with a fresh container from the {@link Stevedore} extension, against
 * the same 100 tests without containers: the difference per test is what a container costs a test
 * suite. The same spec's {@code start()} then {@code close()}, 100 times in a plain loop, runs in
 * turn with them, so the extension's figures have their like-for-like API figures beside them: a
 * mean (a run's time over 100: what a suite pays, including the removals that {@code close()}
 * leaves to the engine's cleanup thread as far as they hold up the next container) and a median
 * (of each test's time, from its start event to its end event, or of each start+close).
 * Run: {@code java -cp examples/target/test-classes:examples/target/classes:$(cat
 * examples/target/test-classpath.txt) dev.stevedore.examples.ExtensionBenchmark [rounds]}.
 */
public final class ExtensionBenchmark {

    private static final int TESTS = 100;

    private ExtensionBenchmark() {
    }

    /** 100 tests with a container each. */
    @Stevedore(busybox = true)
    public static class WithContainers {
        @Container
        final ManagedContainer box = ManagedContainer.of(Containers.image(BusyboxImage.NAME).withCommand("sleep", "600"));

        @RepeatedTest(TESTS)
        void test(RepetitionInfo info) {
            if (box.get().pid() <= 0) {
                throw new AssertionError("no container");
            }
        }
    }

    /** The same 100 tests, no containers. */
    public static class Without {
        @RepeatedTest(TESTS)
        void test(RepetitionInfo info) {
            if (info.getCurrentRepetition() < 0) {
                throw new AssertionError();
            }
        }
    }

    public static void main(String[] args) {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        BusyboxImage.ensure(Engine.defaultEngine());
        ContainerSpec spec = Containers.image(BusyboxImage.NAME).withCommand("sleep", "600");
        long[] perTest = new long[TESTS];
        long[] perLoop = new long[TESTS];
        run(WithContainers.class, perTest);
        run(Without.class, perTest);
        loop(spec, perLoop);
        long[] with = new long[rounds];
        long[] without = new long[rounds];
        long[] api = new long[rounds];
        long[] withMedian = new long[rounds];
        long[] withoutMedian = new long[rounds];
        long[] apiMedian = new long[rounds];
        // In turn, so the three see the same machine (other work shares its two cores).
        for (int i = 0; i < rounds; i++) {
            with[i] = run(WithContainers.class, perTest);
            withMedian[i] = BenchStats.median(perTest);
            without[i] = run(Without.class, perTest);
            withoutMedian[i] = BenchStats.median(perTest);
            api[i] = loop(spec, perLoop);
            apiMedian[i] = BenchStats.median(perLoop);
        }
        long w = BenchStats.median(with);
        long wo = BenchStats.median(without);
        System.out.printf(Locale.ROOT, "JUnit run of %d tests: with a fresh container each %.1f ms, without %.1f ms"
                + " (medians of %d runs); load average %s%n", TESTS, w / 1e6, wo / 1e6, rounds,
                BenchStats.loadAverage());
        System.out.printf(Locale.ROOT, "%-44s mean %6.2f ms  median %6.2f ms  (target <= 5 ms; Testcontainers on"
                + " Docker: about 272 ms)%n", "per container, JUnit extension", (w - wo) / 1e6 / TESTS,
                (BenchStats.median(withMedian) - BenchStats.median(withoutMedian)) / 1e6);
        System.out.printf(Locale.ROOT, "%-44s mean %6.2f ms  median %6.2f ms%n", "per container, API start()+close()",
                BenchStats.median(api) / 1e6 / TESTS, BenchStats.median(apiMedian) / 1e6);
    }

    private static long loop(ContainerSpec spec, long[] each) {
        long t0 = System.nanoTime();
        for (int i = 0; i < each.length; i++) {
            long t = System.nanoTime();
            spec.start().close();
            each[i] = System.nanoTime() - t;
        }
        return System.nanoTime() - t0;
    }

    private static long run(Class<?> testClass, long[] each) {
        Launcher launcher = LauncherFactory.create();
        AtomicInteger failed = new AtomicInteger();
        AtomicInteger finished = new AtomicInteger();
        Map<String, Long> started = new ConcurrentHashMap<>();
        TestExecutionListener listener = new TestExecutionListener() {
            @Override
            public void executionStarted(TestIdentifier id) {
                if (id.isTest()) {
                    started.put(id.getUniqueId(), System.nanoTime());
                }
            }

            @Override
            public void executionFinished(TestIdentifier id, TestExecutionResult result) {
                if (id.isTest()) {
                    each[finished.getAndIncrement()] = System.nanoTime() - started.get(id.getUniqueId());
                }
                if (result.getStatus() != TestExecutionResult.Status.SUCCESSFUL) {
                    failed.incrementAndGet();
                    result.getThrowable().ifPresent(Throwable::printStackTrace);
                }
            }
        };
        long t0 = System.nanoTime();
        launcher.execute(LauncherDiscoveryRequestBuilder.request().selectors(selectClass(testClass)).build(), listener);
        long took = System.nanoTime() - t0;
        if (failed.get() > 0 || finished.get() != each.length) {
            throw new IllegalStateException(failed + " tests of " + testClass.getSimpleName() + " failed, "
                    + finished + " ran");
        }
        return took;
    }
}
