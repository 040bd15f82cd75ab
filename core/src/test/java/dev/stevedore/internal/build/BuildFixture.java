package dev.stevedore.internal.build;

import dev.stevedore.internal.layer.LayerCompression;
import dev.stevedore.internal.store.ContentStore;
import dev.stevedore.internal.store.LayerCache;
import dev.stevedore.oci.OciJson;
import dev.stevedore.oci.image.Descriptor;
import dev.stevedore.oci.image.ImageConfig;
import dev.stevedore.oci.image.Manifest;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/** A store with the busybox base image, and readers for what builds put in it. */
final class BuildFixture {

    /** One tar entry of a layer. */
    record Entry(String name, int mode, long uid, long gid, String content, String link, long mtime) {
        boolean isDirectory() {
            return name.endsWith("/");
        }
    }

    final ContentStore store;
    final ImageBuilder builder;
    final Path root;
    final List<String> events = new ArrayList<>();
    final List<String> warnings = new ArrayList<>();

    BuildFixture(Path root, RunStepExecutor runner) {
        this.root = root;
        this.store = ContentStore.open(root.resolve("store"));
        this.builder = new ImageBuilder(store, new LayerCache(store), runner);
        BuildResult busybox = builder.build(BusyboxContext.create(root.resolve("busybox")),
                BuildOptions.defaults().withTags(List.of("busybox:latest")));
        if (busybox.stepsRun() == 0) {
            throw new IllegalStateException("busybox came from an old cache");
        }
    }

    BuildListener listener() {
        return new BuildListener() {
            @Override
            public void cached(Step step) {
                events.add("cached " + step.text());
            }

            @Override
            public void running(Step step) {
                events.add("running " + step.text());
            }

            @Override
            public void warning(String message) {
                warnings.add(message);
            }
        };
    }

    private int contexts;

    /**
     * Writes a fresh context directory with a Dockerfile and other files.
     *
     * @param files file name, content, file name, content, ...
     */
    synchronized Path context(String dockerfile, String... files) {
        Map<String, String> m = new java.util.LinkedHashMap<>();
        m.put("Dockerfile", dockerfile);
        for (int i = 0; i < files.length; i += 2) {
            m.put(files[i], files[i + 1]);
        }
        return context("ctx" + contexts++, m);
    }

    /** Writes a context directory: file name to content; a Dockerfile among them. */
    Path context(String name, Map<String, String> files) {
        Path dir = root.resolve(name);
        try {
            for (Map.Entry<String, String> f : files.entrySet()) {
                Path p = dir.resolve(f.getKey());
                Files.createDirectories(p.getParent());
                Files.writeString(p, f.getValue());
            }
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return dir;
    }

    BuildResult build(Path context, BuildOptions options) {
        events.clear();
        return builder.build(context, options.withListener(listener()));
    }

    BuildResult build(Path context) {
        return build(context, BuildOptions.defaults());
    }

    Manifest manifest(BuildResult r) {
        return OciJson.read(store.read(r.digest()), Manifest.class, "manifest");
    }

    ImageConfig config(BuildResult r) {
        return OciJson.read(store.read(manifest(r).config().digest()), ImageConfig.class, "config");
    }

    /** The entries of the image's last layer. */
    Map<String, Entry> topLayer(BuildResult r) {
        List<Descriptor> layers = manifest(r).layers();
        return layer(layers.get(layers.size() - 1));
    }

    Map<String, Entry> layer(Descriptor d) {
        Map<String, Entry> out = new LinkedHashMap<>();
        try (InputStream raw = new BufferedInputStream(store.open(d.digest()));
                InputStream in = LayerCompression.detect((BufferedInputStream) raw).decompress(raw);
                TarArchiveInputStream tar = new TarArchiveInputStream(in)) {
            for (TarArchiveEntry e; (e = tar.getNextTarEntry()) != null;) {
                String content = e.isFile() ? new String(tar.readAllBytes(), StandardCharsets.UTF_8) : null;
                out.put(e.getName(), new Entry(e.getName(), e.getMode() & 07777, e.getLongUserId(), e.getLongGroupId(),
                        content, e.isSymbolicLink() ? e.getLinkName() : null, e.getModTime().getTime()));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    static void write(Path p, String content) {
        try {
            Files.createDirectories(p.getParent());
            Files.writeString(p, content);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
