package dev.stevedore.internal.network;

import dev.stevedore.internal.store.FileLocks;
import dev.stevedore.oci.OciJson;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The networks of one store root, one JSON file each under {@code networks/}. Changes happen under
 * an exclusive lock on {@code networks/.lock} (held across threads and processes), since a
 * subnet or address choice must see every other network's; files are replaced by rename, so
 * readers never see half a file.
 */
final class NetworkStore {
    private final Path dir;
    private final FileLocks lock;

    NetworkStore(Path dir) {
        this.dir = dir;
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the networks directory '" + dir + "'", e);
        }
        this.lock = FileLocks.of(dir.resolve(".lock"));
    }

    FileLocks.Held lock() {
        return lock.exclusive();
    }

    Optional<NetworkRecord> read(String name) {
        Path file = dir.resolve(name + ".json");
        try {
            return Optional.of(OciJson.read(Files.readAllBytes(file), NetworkRecord.class, file.toString()));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read network file '" + file + "'", e);
        }
    }

    List<NetworkRecord> list() {
        List<NetworkRecord> all = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*.json")) {
            for (Path f : files) {
                String name = f.getFileName().toString();
                read(name.substring(0, name.length() - 5)).ifPresent(all::add);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list networks in '" + dir + "'", e);
        }
        all.sort(java.util.Comparator.comparing(NetworkRecord::name));
        return all;
    }

    void write(NetworkRecord record) {
        Path file = dir.resolve(record.name() + ".json");
        Path tmp = dir.resolve("." + record.name() + ".json.tmp");
        try {
            Files.write(tmp, OciJson.write(record));
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write network file '" + file + "'", e);
        }
    }

    void delete(String name) {
        try {
            Files.deleteIfExists(dir.resolve(name + ".json"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete network file '" + dir.resolve(name + ".json") + "'", e);
        }
    }
}
