package dev.stevedore.internal.fs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * Removing directory trees. The walk never follows symbolic links, so a link inside a container's
 * or a layer's tree cannot lead the removal out of it.
 */
public final class FileTrees {
    private FileTrees() {
    }

    /**
     * Removes a file or a directory tree.
     *
     * @param tree what to remove
     * @throws NoSuchFileException when {@code tree} does not exist
     * @throws IOException when something in it cannot be removed
     */
    public static void delete(Path tree) throws IOException {
        Files.walkFileTree(tree, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
                if (e != null) {
                    throw e;
                }
                Files.delete(dir);
                return FileVisitResult.CONTINUE;
            }
        });
    }

    /**
     * Removes a file or a directory tree if it is there; one removed concurrently is fine.
     *
     * @param tree what to remove
     * @throws UncheckedIOException naming the tree when something in it cannot be removed
     */
    public static void deleteIfExists(Path tree) {
        try {
            delete(tree);
        } catch (NoSuchFileException e) {
            // Already gone, which is what the caller wants.
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove '" + tree + "'", e);
        }
    }
}
