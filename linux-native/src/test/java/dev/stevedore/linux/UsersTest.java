package dev.stevedore.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stevedore.oci.runtime.Process;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UsersTest {
    @TempDir
    Path etc;
    Path passwd;
    Path group;

    @BeforeEach
    void files() throws IOException {
        passwd = Files.writeString(etc.resolve("passwd"), "root:x:0:0:root:/root:/bin/sh\n"
                + "app:x:1000:1000:app:/home/app:/bin/sh\n");
        group = Files.writeString(etc.resolve("group"), "root:x:0:\napp:x:1000:\nextra:x:2000:app,other\n"
                + "audio:x:29:app\n");
    }

    static Process.User user(long uid, long gid, Long... groups) {
        return new Process.User(uid, gid, null, List.of(groups), null, null);
    }

    @Test
    void resolvesLikeDocker() {
        assertThat(Users.resolve("", passwd, group)).isEqualTo(user(0, 0));
        assertThat(Users.resolve("app", passwd, group)).isEqualTo(user(1000, 1000, 2000L, 29L));
        assertThat(Users.resolve("1000", passwd, group)).isEqualTo(user(1000, 1000, 2000L, 29L));
        assertThat(Users.resolve("app:extra", passwd, group)).isEqualTo(user(1000, 2000, 29L));
        assertThat(Users.resolve("4242:4343", passwd, group)).isEqualTo(user(4242, 4343));
        assertThat(Users.resolve("4242", etc.resolve("missing"), etc.resolve("missing"))).isEqualTo(user(4242, 0));
    }

    @Test
    void unknownNamesAreErrors() {
        assertThatThrownBy(() -> Users.resolve("nobody", passwd, group))
                .hasMessage("unable to find user nobody: no matching entries in passwd file");
        assertThatThrownBy(() -> Users.resolve("app:staff", passwd, group))
                .hasMessage("unable to find group staff: no matching entries in group file");
    }
}
