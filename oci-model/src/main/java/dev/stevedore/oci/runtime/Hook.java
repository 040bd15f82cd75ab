package dev.stevedore.oci.runtime;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.stevedore.oci.OciFormatException;
import java.util.List;
import java.util.Map;

/**
 * A program the runtime runs at a point of the container's lifecycle.
 *
 * @param path the program, an absolute path; required
 * @param args its arguments, with the same semantics as {@code execv}'s argv (so the first is
 *     conventionally the program name)
 * @param env its environment, {@code NAME=value} entries
 * @param timeout seconds before the hook is aborted; when present, greater than zero
 * @param extensions fields this model does not know, kept so they survive a round trip
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record Hook(
        @JsonProperty("path") String path,
        @JsonProperty("args") List<String> args,
        @JsonProperty("env") List<String> env,
        @JsonProperty("timeout") Integer timeout,
        @JsonAnySetter @JsonAnyGetter Map<String, Object> extensions) {

    /**
     * Checks the fields against the spec and copies the collections.
     *
     * @param path the program, an absolute path; required
     * @param args its arguments, with the same semantics as {@code execv}'s argv (so the first is
     *     conventionally the program name)
     * @param env its environment, {@code NAME=value} entries
     * @param timeout seconds before the hook is aborted; when present, greater than zero
     * @param extensions fields this model does not know, kept so they survive a round trip
     * @throws dev.stevedore.oci.OciFormatException naming the first invalid field
     */
    public Hook {
        Checks.requiredText(path, "path");
        Checks.absolute(path, "path");
        if (timeout != null && timeout <= 0) {
            throw OciFormatException.field("timeout", "must be greater than zero, got " + timeout);
        }
        args = Checks.list(args, "args");
        env = Checks.env(env, "env");
        extensions = Checks.extensions(extensions);
    }

    /**
     * A hook without environment or timeout.
     *
     * @param path the program
     * @param args its argv, program name first
     * @return the hook
     */
    public static Hook of(String path, String... args) {
        return new Hook(path, List.of(args), null, null, null);
    }
}
