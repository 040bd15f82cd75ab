package dev.stevedore.linux;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ErrorsTest {
    @Test
    void messagesNameTheStepAndPaths() {
        assertThat(Errors.message("exec", "/bin/nope", "", 2)).isEqualTo("exec \"/bin/nope\": no such file or directory");
        assertThat(Errors.message("exec-path", "nope", "", 2)).isEqualTo("exec \"nope\": executable file not found in $PATH");
        assertThat(Errors.message("chdir", "/x", "", 13)).isEqualTo("chdir to cwd \"/x\" failed: permission denied");
        assertThat(Errors.message("mount", "/host/dir", "/data", 2))
                .isEqualTo("mount \"/host/dir\" on \"/data\": no such file or directory");
        assertThat(Errors.message("sethostname", "", "", 1)).isEqualTo("sethostname: operation not permitted");
        assertThat(Errors.message("setuid", "1000", "", 22)).startsWith("setuid 1000: invalid argument (the container's"
                + " user namespace does not map this id;");
        assertThat(Errors.message("setgroups", "", "", 1)).startsWith("setgroups: operation not permitted (the"
                + " container's user namespace may deny setgroups;");
    }
}
