package dev.stevedore.internal.engine;

import dev.stevedore.image.Image;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * An image resolved in the store with its layers unpacked, lowest first, and what containers need
 * to read from its files.
 */
final class StoredImage {
    final Image image;
    final List<Path> layers;
    /** Files read so far; an image's files never change. */
    private final Map<String, Optional<String>> files;

    StoredImage(Image image, List<Path> layers) {
        this.image = image;
        this.layers = List.copyOf(layers);
        this.files = new ConcurrentHashMap<>();
    }

    /** The same content under another name: shares what was read. */
    StoredImage(Image image, List<Path> layers, StoredImage same) {
        this.image = image;
        this.layers = List.copyOf(layers);
        this.files = same.files;
    }

    /**
     * Reads a file as the merged root filesystem shows it: from the topmost layer that has the
     * path. A whiteout (a 0/0 character device in the unpacked layer) hides lower ones.
     */
    Optional<String> read(String absolutePath) {
        // Not computeIfAbsent: its function would be a lambda made at run time on the first container's path.
        Optional<String> known = files.get(absolutePath);
        if (known != null) {
            return known;
        }
        Optional<String> read = readFromLayers(absolutePath);
        Optional<String> raced = files.putIfAbsent(absolutePath, read);
        return raced != null ? raced : read;
    }

    private Optional<String> readFromLayers(String absolutePath) {
        String rel = absolutePath.substring(1);
        for (int i = layers.size() - 1; i >= 0; i--) {
            Path p = layers.get(i).resolve(rel);
            if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                try {
                    return Optional.of(Files.readString(p));
                } catch (java.io.IOException e) {
                    return Optional.empty();
                }
            }
            if (Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
                return Optional.empty();
            }
        }
        return Optional.empty();
    }
}
