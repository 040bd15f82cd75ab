package dev.stevedore.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stevedore.ContainerException;
import dev.stevedore.internal.snapshot.CopySnapshotter;
import dev.stevedore.spi.ContainerBackend;
import dev.stevedore.spi.ContainerRuntime;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The backend and the snapshotter an engine uses, looked up apart and each once. */
class EngineCoreLookupTest {

    @TempDir
    Path root;

    /** A backend that is never available, counting how often it is asked. */
    static final class Unavailable implements ContainerBackend {
        final AtomicInteger asked = new AtomicInteger();

        @Override
        public String name() {
            return "nowhere";
        }

        @Override
        public String unavailableReason() {
            asked.incrementAndGet();
            return "the test's backend runs nowhere";
        }

        @Override
        public ContainerRuntime open(Path stateDir) {
            throw new AssertionError("an unavailable backend is never opened");
        }
    }

    @Test
    void anUnavailableBackendFailsTheFirstContainerWithItsReasonWhileTheSnapshotterIsStillChosen() {
        Unavailable backend = new Unavailable();
        try (EngineCore engine = EngineCore.open(root, backend, new CopySnapshotter(), true)) {
            assertThat(engine.backendProblem()).isEqualTo("the test's backend runs nowhere");
            assertThat(engine.backend()).isSameAs(backend);
            assertThat(engine.snapshotter()).isInstanceOf(CopySnapshotter.class);
            assertThat(engine.snapshotterChoice()).isEqualTo("given to the engine");
            assertThatThrownBy(() -> engine.create(ContainerConfig.of("busybox:latest"), true))
                    .isInstanceOf(ContainerException.class)
                    .hasMessage("this host cannot run containers: the test's backend runs nowhere"
                            + " (see Engine.doctor())");
            assertThat(engine.toString()).contains("backend=nowhere", "snapshotter=copy");
            assertThat(backend.asked).as("looked up once, by the background start or the first caller").hasValue(1);
        }
    }

    @Test
    void withoutABackgroundStartTheFirstCallerLooksUp() {
        Unavailable backend = new Unavailable();
        try (EngineCore engine = EngineCore.open(root, backend, new CopySnapshotter(), false)) {
            assertThat(backend.asked).hasValue(0);
            assertThat(engine.snapshotter()).isInstanceOf(CopySnapshotter.class);
            assertThat(backend.asked).as("the snapshotter is chosen without the backend").hasValue(0);
            assertThat(engine.backendProblem()).isEqualTo("the test's backend runs nowhere");
            assertThat(engine.backendProblem()).isEqualTo("the test's backend runs nowhere");
            assertThat(backend.asked).hasValue(1);
        }
    }
}
