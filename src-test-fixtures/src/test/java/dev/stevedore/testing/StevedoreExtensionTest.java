package dev.stevedore.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import dev.stevedore.Containers;
import dev.stevedore.Engine;
import dev.stevedore.HostReport;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.reporting.ReportEntry;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;

/** Runs test classes that use {@link Stevedore} through the JUnit launcher and checks what happened. */
class StevedoreExtensionTest {

    static final Set<String> perClassIds = ConcurrentHashMap.newKeySet();
    static final Set<String> perTestIds = ConcurrentHashMap.newKeySet();

    /** Records what each test saw; run only through the launcher. */
    @Stevedore(busybox = true)
    static class Lifecycle {
        @Container
        static final ManagedContainer shared = ManagedContainer.of(
                Containers.image(BusyboxImage.NAME).withCommand("sleep", "600"));

        @Container
        final ManagedContainer own = ManagedContainer.of(Containers.image(BusyboxImage.NAME)
                .withCommand("sh", "-c", "echo started; sleep 600"));

        @Test
        void first() {
            record();
        }

        @Test
        void second() {
            record();
        }

        @Test
        void third() {
            record();
        }

        @Test
        void fourth() {
            record();
        }

        private void record() {
            perClassIds.add(shared.get().id());
            perTestIds.add(own.get().id());
            assertThat(own.exec("echo", "ok").stdout()).isEqualTo("ok\n");
        }
    }

    /** A failing test whose container's logs must reach the report. */
    @Stevedore(busybox = true)
    static class Failing {
        @Container
        final ManagedContainer noisy = ManagedContainer.of(Containers.image(BusyboxImage.NAME)
                .withCommand("sh", "-c", "echo something went wrong here; sleep 600"));

        @Test
        void fails() throws Exception {
            while (!noisy.logs().contains("wrong")) {
                Thread.sleep(5);
            }
            throw new AssertionError("expected failure");
        }
    }

    /** Records results and report entries per test. */
    static final class Recorder implements TestExecutionListener {
        final Map<String, TestExecutionResult> results = new ConcurrentHashMap<>();
        final List<ReportEntry> entries = java.util.Collections.synchronizedList(new ArrayList<>());

        @Override
        public void executionFinished(TestIdentifier id, TestExecutionResult result) {
            if (id.isTest()) {
                results.put(id.getDisplayName(), result);
            }
        }

        @Override
        public void reportingEntryPublished(TestIdentifier id, ReportEntry entry) {
            entries.add(entry);
        }
    }

    private static Recorder run(Class<?> testClass, boolean parallel) {
        LauncherDiscoveryRequestBuilder request = LauncherDiscoveryRequestBuilder.request().selectors(
                selectClass(testClass));
        if (parallel) {
            request.configurationParameter("junit.jupiter.execution.parallel.enabled", "true")
                    .configurationParameter("junit.jupiter.execution.parallel.mode.default", "concurrent")
                    .configurationParameter("junit.jupiter.execution.parallel.config.strategy", "fixed")
                    .configurationParameter("junit.jupiter.execution.parallel.config.fixed.parallelism", "4");
        }
        LauncherDiscoveryRequest built = request.build();
        Launcher launcher = LauncherFactory.create();
        Recorder recorder = new Recorder();
        launcher.execute(built, recorder);
        return recorder;
    }

    @Test
    void staticContainersArePerClassInstanceContainersPerTestAndAllAreRemoved() {
        perClassIds.clear();
        perTestIds.clear();
        Recorder r = run(Lifecycle.class, false);
        assertThat(r.results.values()).hasSize(4)
                .allSatisfy(result -> assertThat(result.getStatus()).as(String.valueOf(result.getThrowable()))
                        .isEqualTo(TestExecutionResult.Status.SUCCESSFUL));
        assertThat(perClassIds).hasSize(1);
        assertThat(perTestIds).hasSize(4);
        assertThat(Engine.defaultEngine().containers()).isEmpty();
    }

    @Test
    void parallelTestsGetTheirOwnContainers() {
        perClassIds.clear();
        perTestIds.clear();
        Recorder r = run(Lifecycle.class, true);
        assertThat(r.results.values()).hasSize(4)
                .allSatisfy(result -> assertThat(result.getStatus()).isEqualTo(TestExecutionResult.Status.SUCCESSFUL));
        assertThat(perTestIds).hasSize(4);
        assertThat(Engine.defaultEngine().containers()).isEmpty();
    }

    @Test
    void aFailedTestsContainerLogsArePublished() {
        Recorder r = run(Failing.class, false);
        assertThat(r.results.get("fails()").getStatus()).isEqualTo(TestExecutionResult.Status.FAILED);
        assertThat(r.entries).anySatisfy(e -> assertThat(e.getKeyValuePairs()).anySatisfy((k, v) -> {
            assertThat(k).startsWith("stevedore container").endsWith("logs");
            assertThat(v).contains("something went wrong here");
        }));
        assertThat(Engine.defaultEngine().containers()).isEmpty();
    }

    @Test
    void aHostThatCannotRunContainersDisablesTheClassWithTheDoctorsReason() {
        HostReport cannot = new HostReport(List.of(new HostReport.Check("backend", false,
                "linux: the Linux backend needs root (euid=1000)"), new HostReport.Check("cgroups", true, "v2")));
        var result = StevedoreExtension.evaluate(cannot);
        assertThat(result.isDisabled()).isTrue();
        assertThat(result.getReason()).contains("disabled because this host cannot run containers: backend: linux:"
                + " the Linux backend needs root (euid=1000)");
        assertThat(StevedoreExtension.evaluate(Engine.defaultEngine().doctor()).isDisabled())
                .as("this CI host runs containers").isFalse();
    }

    @Test
    void anUnstartedContainerSaysHowToStartIt() {
        ManagedContainer c = ManagedContainer.of(Containers.image(BusyboxImage.NAME));
        org.assertj.core.api.Assertions.assertThatThrownBy(c::get).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("annotate the test class with @Stevedore and the field with @Container");
    }
}
