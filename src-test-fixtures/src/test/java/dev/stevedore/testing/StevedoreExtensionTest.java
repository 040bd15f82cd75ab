package dev.stevedore.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import dev.stevedore.ContainerSpec;
import dev.stevedore.ContainerState;
import dev.stevedore.Containers;
import dev.stevedore.Engine;
import dev.stevedore.HostReport;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.BeforeAll;
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

    static final Set<String> parameterIds = ConcurrentHashMap.newKeySet();
    static final Set<String> constructorIds = ConcurrentHashMap.newKeySet();
    static final Set<String> beforeAllIds = ConcurrentHashMap.newKeySet();

    /** Containers declared as parameters: of the constructor, of lifecycle methods and of test methods. */
    @Stevedore(busybox = true)
    static class Parameters {
        final dev.stevedore.Container fromConstructor;

        Parameters(@Container(image = BusyboxImage.NAME, command = {"sleep", "600"}) dev.stevedore.Container c) {
            this.fromConstructor = c;
        }

        static ContainerSpec greeter() {
            return Containers.image(BusyboxImage.NAME).withEnv("GREETING", "hello").withCommand("sleep", "600");
        }

        final ContainerSpec sleeper = Containers.image(BusyboxImage.NAME).withCommand("sleep", "600");

        @BeforeAll
        static void beforeAll(@Container(spec = "greeter") ManagedContainer shared) {
            beforeAllIds.add(shared.get().id());
        }

        @Test
        void methodParameters(@Container(spec = "greeter") ManagedContainer greeter,
                @Container(spec = "sleeper") dev.stevedore.Container plain) {
            assertThat(greeter.exec("sh", "-c", "echo $GREETING").stdout()).isEqualTo("hello\n");
            assertThat(plain.state()).isEqualTo(ContainerState.RUNNING);
            assertThat(fromConstructor.state()).isEqualTo(ContainerState.RUNNING);
            assertThat(Set.of(greeter.get().id(), plain.id(), fromConstructor.id())).hasSize(3);
            parameterIds.add(greeter.get().id());
            parameterIds.add(plain.id());
            constructorIds.add(fromConstructor.id());
        }

        @Test
        void anotherTestGetsFreshOnes(@Container(spec = "greeter") ManagedContainer greeter) {
            assertThat(greeter.exec("cat", "/proc/1/cmdline").stdout()).isEqualTo("sleep\u0000600\u0000");
            parameterIds.add(greeter.get().id());
            constructorIds.add(fromConstructor.id());
        }
    }

    /** Parameters the extension must refuse with a message that says how to declare them. */
    @Stevedore(busybox = true)
    static class BadParameters {
        @Test
        void wrongType(@Container(image = BusyboxImage.NAME) String s) {
        }

        @Test
        void noSpec(@Container dev.stevedore.Container c) {
        }

        @Test
        void unknownSpec(@Container(spec = "missing") dev.stevedore.Container c) {
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
    void parametersGetAFreshContainerForTheirScopeAndAllAreRemoved() {
        parameterIds.clear();
        constructorIds.clear();
        beforeAllIds.clear();
        Recorder r = run(Parameters.class, true);
        assertThat(r.results.values()).hasSize(2)
                .allSatisfy(result -> assertThat(result.getStatus()).as(String.valueOf(result.getThrowable()))
                        .isEqualTo(TestExecutionResult.Status.SUCCESSFUL));
        assertThat(parameterIds).as("one per parameter per test").hasSize(3);
        assertThat(constructorIds).as("per-method lifecycle: one instance, so one container, per test").hasSize(2);
        assertThat(beforeAllIds).hasSize(1);
        assertThat(Engine.defaultEngine().containers()).isEmpty();
    }

    @Test
    void badParametersSayHowToDeclareThem() {
        Recorder r = run(BadParameters.class, false);
        assertThat(r.results).hasSize(3).allSatisfy((name, result) -> assertThat(result.getStatus())
                .isEqualTo(TestExecutionResult.Status.FAILED));
        assertThat(r.results.get("wrongType(String)").getThrowable().orElseThrow())
                .hasMessageContaining("has type String; declare it as dev.stevedore.Container or ManagedContainer");
        assertThat(r.results.get("noSpec(Container)").getThrowable().orElseThrow())
                .hasMessageContaining("needs either spec = \"<field or method giving a ContainerSpec>\" or image =")
                .hasMessageContaining("not neither");
        assertThat(r.results.get("unknownSpec(Container)").getThrowable().orElseThrow())
                .hasMessageContaining("@Container(spec = \"missing\")")
                .hasMessageContaining("has no field or no-argument method of that name");
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
