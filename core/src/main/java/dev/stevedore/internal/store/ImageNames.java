package dev.stevedore.internal.store;

import dev.stevedore.image.ImageReference;
import dev.stevedore.oci.Digest;
import dev.stevedore.oci.OciJson;
import dev.stevedore.oci.image.Annotations;
import dev.stevedore.oci.image.Descriptor;
import dev.stevedore.oci.image.ImageLayout;
import dev.stevedore.oci.image.Index;
import dev.stevedore.oci.image.MediaTypes;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Image names: the {@code index.json} entries of the store's layout, each a manifest (or index)
 * descriptor whose {@code org.opencontainers.image.ref.name} annotation is the full reference,
 * such as {@code docker.io/library/busybox:latest}. That is the name
 * {@code skopeo inspect oci:STORE:NAME} and {@code umoci ls --layout STORE} show and accept.
 *
 * <p>Changes read the current file, edit it and replace it with a rename, all under an
 * inter-process lock, so concurrent taggers lose no update and readers never see half a file.
 */
public final class ImageNames {

    /** In a holder of its own: only a lookup by id prefix compiles it, not every store's opening. */
    private static final class Prefixes {
        static final Pattern HEX_PREFIX = Pattern.compile("(?:sha256:)?([a-f0-9]{1,64})");
    }

    private final ContentStore store;
    private final FileLocks lock;
    private final Path file;

    /** A name and the manifest or index it points at. */
    public record NamedImage(String name, Descriptor descriptor) {
        public NamedImage {
            Objects.requireNonNull(descriptor, "descriptor");
        }

        /** @return the manifest's (or index's) digest */
        public Digest digest() {
            return descriptor.digest();
        }
    }

    ImageNames(ContentStore store, FileLocks lock) {
        this.store = store;
        this.lock = lock;
        this.file = store.root().resolve(ImageLayout.INDEX_FILE_NAME);
    }

    void initialize() throws IOException {
        if (!Files.exists(file)) {
            ContentStore.writeAtomically(file, OciJson.write(Index.of(List.of())), false);
        }
    }

    /** @return the layout's {@code index.json} as it is now */
    public Index index() {
        try {
            return OciJson.read(Files.readAllBytes(file), Index.class, file.toString());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read '" + file + "'", e);
        }
    }

    /** @return every entry of {@code index.json}, named or not, in file order */
    public List<NamedImage> list() {
        List<Descriptor> manifests = index().manifests();
        List<NamedImage> images = new ArrayList<>(manifests.size());
        for (Descriptor d : manifests) {
            images.add(new NamedImage(d.annotations().get(Annotations.REF_NAME), d));
        }
        return images;
    }

    /**
     * The name an image is stored under: the canonical reference when the text is one
     * ({@code busybox} becomes {@code docker.io/library/busybox:latest}), the text as given
     * otherwise.
     *
     * @param name a reference or another ref.name
     * @return the name to store
     */
    public static String canonicalName(String name) {
        return ImageReference.isValid(name) ? ImageReference.parse(name).toString() : name;
    }

    /**
     * Points a name at a manifest or index the store holds, replacing what the name pointed at.
     *
     * @param name a reference such as {@code busybox:1.36}, stored in canonical form
     * @param target the manifest's (or index's) descriptor
     * @return the stored name
     * @throws BlobNotFoundException when the store does not hold the target
     */
    public String tag(String name, Descriptor target) {
        Objects.requireNonNull(target, "target");
        if (!MediaTypes.isManifest(target.mediaType()) && !MediaTypes.isIndex(target.mediaType())) {
            throw new IllegalArgumentException("cannot name " + target.digest() + ": its media type "
                    + target.mediaType() + " is neither a manifest nor an index");
        }
        String stored = canonicalName(Objects.requireNonNull(name, "name"));
        Map<String, String> annotations = new HashMap<>(target.annotations());
        annotations.put(Annotations.REF_NAME, stored);
        Descriptor entry = new Descriptor(target.mediaType(), target.digest(), target.size(), target.urls(),
                annotations, target.data(), target.artifactType(), target.platform(), target.extensions());
        store.holdWhile(target.digest(), () -> update(manifests -> {
            List<Descriptor> result = new ArrayList<>();
            for (Descriptor d : manifests) {
                if (!stored.equals(d.annotations().get(Annotations.REF_NAME))) {
                    result.add(d);
                }
            }
            result.add(entry);
            return result;
        }));
        return stored;
    }

    /**
     * Lists a manifest or index in {@code index.json} without a name (as an import of an
     * untagged image does), unless it is listed already. It is then found by digest.
     *
     * @param target the manifest's (or index's) descriptor
     */
    public void addUnnamed(Descriptor target) {
        Objects.requireNonNull(target, "target");
        Map<String, String> annotations = new HashMap<>(target.annotations());
        annotations.remove(Annotations.REF_NAME);
        Descriptor entry = new Descriptor(target.mediaType(), target.digest(), target.size(), target.urls(),
                annotations, target.data(), target.artifactType(), target.platform(), target.extensions());
        store.holdWhile(target.digest(), () -> update(manifests -> {
            if (manifests.stream().anyMatch(d -> d.digest().equals(target.digest()))) {
                return manifests;
            }
            List<Descriptor> result = new ArrayList<>(manifests);
            result.add(entry);
            return result;
        }));
    }

    /**
     * Removes a name; the image stays while other names point at it.
     *
     * @param name the name, in any spelling of the same reference
     * @return whether the name existed
     */
    public boolean untag(String name) {
        String stored = canonicalName(name);
        boolean[] found = {false};
        update(manifests -> {
            List<Descriptor> result = new ArrayList<>();
            for (Descriptor d : manifests) {
                String refName = d.annotations().get(Annotations.REF_NAME);
                if (name.equals(refName) || stored.equals(refName)) {
                    found[0] = true;
                } else {
                    result.add(d);
                }
            }
            return result;
        });
        return found[0];
    }

    /**
     * Removes an image: every name of the manifest the query resolves to. Its blobs go at the
     * next {@link ContentStore#gc()} unless something else reaches them.
     *
     * @param query a name, digest or unique digest prefix
     * @return the names removed (null for an unnamed entry)
     * @throws ImageNotFoundException when the query answers to no image or to several
     */
    public List<String> remove(String query) {
        Digest digest = resolve(query).digest();
        List<String> removed = new ArrayList<>();
        update(manifests -> {
            List<Descriptor> result = new ArrayList<>();
            for (Descriptor d : manifests) {
                if (d.digest().equals(digest)) {
                    removed.add(d.annotations().get(Annotations.REF_NAME));
                } else {
                    result.add(d);
                }
            }
            return result;
        });
        return removed;
    }

    /**
     * Finds an image by name (any spelling of the reference, or the exact ref.name another tool
     * wrote), by digest, or by a digest prefix that only one image has.
     *
     * @param query such as {@code busybox}, {@code sha256:9a3f...} or {@code 9a3f}
     * @return the entry
     * @throws ImageNotFoundException when nothing matches, or a prefix matches several images
     */
    public NamedImage resolve(String query) {
        Objects.requireNonNull(query, "query");
        List<NamedImage> images = list();
        for (NamedImage image : images) {
            if (query.equals(image.name())) {
                return image;
            }
        }
        if (ImageReference.isValid(query)) {
            ImageReference wanted = ImageReference.parse(query);
            for (NamedImage image : images) {
                if (image.name() != null && ImageReference.isValid(image.name())
                        && ImageReference.parse(image.name()).equals(wanted)) {
                    return image;
                }
            }
        }
        if (Digest.isValid(query)) {
            Digest digest = Digest.parse(query);
            for (NamedImage image : images) {
                if (image.digest().equals(digest)) {
                    return image;
                }
            }
        }
        var prefix = Prefixes.HEX_PREFIX.matcher(query);
        if (prefix.matches()) {
            Map<Digest, NamedImage> matches = new HashMap<>();
            for (NamedImage image : images) {
                if (image.digest().algorithm().equals(Digest.SHA256)
                        && image.digest().encoded().startsWith(prefix.group(1))) {
                    matches.putIfAbsent(image.digest(), image);
                }
            }
            if (matches.size() == 1) {
                return matches.values().iterator().next();
            }
            if (matches.size() > 1) {
                throw new ImageNotFoundException(query, "digest prefix \"" + query + "\" is ambiguous in '"
                        + store.root() + "': it matches " + matches.keySet().stream().sorted()
                        .map(Digest::toString).collect(Collectors.joining(", ")) + "; give more characters");
            }
        }
        Set<String> known = new LinkedHashSet<>();
        images.stream().map(NamedImage::name).filter(Objects::nonNull).limit(10).forEach(known::add);
        throw new ImageNotFoundException(query, "no image named \"" + query + "\" (nor with that digest) in '"
                + store.root() + "'" + (known.isEmpty() ? "; the store has no named images"
                : "; it has " + String.join(", ", known) + (images.size() > known.size() ? ", ..." : "")));
    }

    /**
     * Removes temporary index files a writer left when it died between writing and renaming;
     * they were never read, since readers only open {@code index.json}.
     *
     * @return how many were removed
     */
    int removeStaleTemporaryFiles() {
        int removed = 0;
        try (FileLocks.Held held = lock.exclusive();
                var temps = Files.newDirectoryStream(file.getParent(), "." + ImageLayout.INDEX_FILE_NAME + "*.tmp")) {
            for (Path temp : temps) {
                Files.deleteIfExists(temp);
                removed++;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot clean temporary index files in '" + file.getParent() + "'", e);
        }
        return removed;
    }

    private void update(UnaryOperator<List<Descriptor>> edit) {
        try (FileLocks.Held held = lock.exclusive()) {
            Index current = index();
            Index updated = current.withManifests(edit.apply(current.manifests()));
            ContentStore.writeAtomically(file, OciJson.write(updated), true);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot update '" + file + "'", e);
        }
    }
}
