package dev.stevedore.internal.build;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stevedore.internal.engine.ContainerConfig.Volume;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code RUN --mount} flags as BuildKit spells them. */
class RunMountsTest {

    private final List<RunMounts.CacheDir> asked = new ArrayList<>();

    private Volume parse(String flag) {
        return RunMounts.parse(flag, "/work", cache -> {
            asked.add(cache);
            return Path.of("/store/cache", cache.id().replace('/', '_'));
        });
    }

    @Test
    void aCacheIsABindOfTheStoresDirectoryForItsId() {
        assertThat(parse("type=cache,target=/root/.cache")).isEqualTo(new Volume(Volume.Kind.BIND,
                "/store/cache/_root_.cache", "/root/.cache", false, 0));
        assertThat(asked).containsExactly(new RunMounts.CacheDir("/root/.cache", 0755, 0, 0));
        assertThat(parse("type=cache,id=go,dst=build,mode=0700,uid=1000,gid=100,readonly,sharing=locked"))
                .isEqualTo(new Volume(Volume.Kind.BIND, "/store/cache/go", "/work/build", true, 0));
        assertThat(asked.get(1)).isEqualTo(new RunMounts.CacheDir("go", 0700, 1000, 100));
    }

    @Test
    void aTmpfsHasItsSize() {
        assertThat(parse("type=tmpfs,target=/scratch,size=1048576")).isEqualTo(new Volume(Volume.Kind.TMPFS, null,
                "/scratch", false, 1048576));
        assertThat(asked).isEmpty();
    }

    @Test
    void whatThisBuilderCannotMountIsRefusedByName() {
        assertThatThrownBy(() -> parse("target=/src")).hasMessage("RUN --mount=type=bind is not supported by this "
                + "builder (it takes cache and tmpfs mounts); COPY what the command needs");
        assertThatThrownBy(() -> parse("type=secret,id=token")).hasMessageContaining("type=secret is not supported");
        assertThatThrownBy(() -> parse("type=nfs,target=/x")).hasMessage("RUN --mount=type=nfs,target=/x: unknown "
                + "type 'nfs'; expected cache or tmpfs");
        assertThatThrownBy(() -> parse("type=cache,target=/x,from=builder")).hasMessage("RUN --mount=type=cache,"
                + "target=/x,from=builder: 'from' is not supported for a cache mount");
        assertThatThrownBy(() -> parse("type=cache")).hasMessageEndingWith("target is required");
        assertThatThrownBy(() -> parse("type=cache,target=/x,target=/y")).hasMessageEndingWith("'target' is given twice");
        assertThatThrownBy(() -> parse("type=cache,target=/x,mode=rwx")).hasMessageEndingWith("mode 'rwx' is not a mode "
                + "in octal");
        assertThatThrownBy(() -> parse("type=cache,target=/x,sharing=global")).hasMessageEndingWith("sharing 'global' "
                + "is none of shared, private, locked");
        assertThatThrownBy(() -> parse("type=cache,target=/x,ro=yes")).hasMessageEndingWith("ro is true or false, not "
                + "'yes'");
        assertThat(asked).isEmpty();
    }
}
