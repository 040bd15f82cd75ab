package dev.stevedore.internal.build;

import dev.stevedore.internal.fs.TempFiles;
import dev.stevedore.oci.Digest;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;

/**
 * What a COPY or ADD step last wrote: its layer's diffID, the owner, and each file's mode and content
 * digest. When the step runs again because some of its files changed, the unchanged ones are
 * hard-linked from that layer's unpacked directory instead of copied. Only a speed-up: a missing or
 * damaged index means copying everything.
 */
record CopyIndex(Digest diffId, Users.Ids owner, Map<String, String> files) {

    static CopyIndex of(Digest diffId, Users.Ids owner, CopyPlan plan, Optional<Integer> chmod) {
        Map<String, String> files = new HashMap<>();
        for (CopyPlan.Op op : plan.ops()) {
            if (op instanceof CopyPlan.PutFile f) {
                files.put(f.dest(), Integer.toOctalString(chmod.orElse(f.mode())) + " "
                        + HexFormat.of().formatHex(f.content().digest()));
            } else {
                files.remove(op.dest());
            }
        }
        return new CopyIndex(diffId, owner, files);
    }

    static CopyIndex read(Path file) {
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String[] header = in.readLine().split(" ");
            Map<String, String> files = new HashMap<>();
            for (String line; (line = in.readLine()) != null;) {
                int a = line.indexOf(' ');
                int b = line.indexOf(' ', a + 1);
                files.put(line.substring(b + 1), line.substring(0, b));
            }
            return new CopyIndex(Digest.parse(header[0]), new Users.Ids(Integer.parseInt(header[1]),
                    Integer.parseInt(header[2])), files);
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException | RuntimeException e) {
            return null; // damaged: copy everything this time
        }
    }

    void write(Path file) {
        try {
            Files.createDirectories(file.getParent());
            Path temp = TempFiles.create(file.getParent(), file.getFileName().toString(), ".tmp");
            try {
                try (BufferedWriter out = Files.newBufferedWriter(temp, StandardCharsets.UTF_8)) {
                    out.write(diffId + " " + owner.uid() + " " + owner.gid() + "\n");
                    for (Map.Entry<String, String> e : files.entrySet()) {
                        if (e.getKey().indexOf('\n') < 0) {
                            out.write(e.getValue() + " " + e.getKey() + "\n");
                        }
                    }
                }
                Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } finally {
                Files.deleteIfExists(temp);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the copy index '" + file + "'", e);
        }
    }

    /** Finds files of the earlier layer, unpacked at {@code dir}, that equal what is to be written. */
    CopyPlan.Reuse reuse(Path dir) {
        if (!Files.isDirectory(dir)) {
            return (d, m, c) -> null;
        }
        return (dest, mode, digest) -> {
            String known = files.get(dest);
            String octal = Integer.toOctalString(mode) + " ";
            return known != null && known.startsWith(octal)
                    && known.equals(octal + HexFormat.of().formatHex(digest.get())) ? dir.resolve(dest.substring(1)) : null;
        };    }
}
