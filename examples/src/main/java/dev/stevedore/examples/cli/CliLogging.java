package dev.stevedore.examples.cli;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.logging.LogManager;

/**
 * The command line's java.util.logging configuration: the JDK's own ({@code conf/logging.properties})
 * with the root level at WARNING, since the engine's INFO lines (leftovers removed, snapshotter chosen)
 * are for logs, not for a terminal. Named by {@code java.util.logging.config.class}, it applies when
 * logging starts, which a command that logs nothing never pays for (it costs a fresh JVM tens of
 * milliseconds).
 */
public final class CliLogging {

    /** The property that names this class to java.util.logging. */
    static final String CONFIG_CLASS = "java.util.logging.config.class";

    /**
     * Reads the configuration into the log manager, which calls this when it starts.
     *
     * @throws IOException when the JDK's configuration cannot be read
     */
    public CliLogging() throws IOException {
        byte[] defaults;
        try {
            defaults = Files.readAllBytes(Path.of(System.getProperty("java.home"), "conf", "logging.properties"));
        } catch (NoSuchFileException e) {
            defaults = "handlers=java.util.logging.ConsoleHandler".getBytes(StandardCharsets.ISO_8859_1);
        }
        // In a properties file the last of a key's lines wins.
        ByteArrayOutputStream text = new ByteArrayOutputStream();
        text.writeBytes(defaults);
        text.writeBytes("\n.level=WARNING\n".getBytes(StandardCharsets.ISO_8859_1));
        LogManager.getLogManager().readConfiguration(new ByteArrayInputStream(text.toByteArray()));
    }

    /** Makes this the configuration unless the user gave one (a file or a class). */
    static void install() {
        if (System.getProperty(CONFIG_CLASS) == null && System.getProperty("java.util.logging.config.file") == null) {
            System.setProperty(CONFIG_CLASS, CliLogging.class.getName());
        }
    }
}
