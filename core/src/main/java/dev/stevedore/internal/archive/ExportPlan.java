package dev.stevedore.internal.archive;

import dev.stevedore.internal.store.ContentStore;
import dev.stevedore.internal.store.ImageNames;
import dev.stevedore.oci.Digest;
import dev.stevedore.oci.image.Annotations;
import dev.stevedore.oci.image.Descriptor;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * What exporting some images writes: their {@code index.json} entries and every blob they reach,
 * sorted by digest so exports are reproducible.
 *
 * @param entries one index entry per requested image, named as in the store
 * @param blobs every reachable blob
 */
record ExportPlan(List<Descriptor> entries, SortedMap<Digest, Descriptor> blobs) {

    static ExportPlan of(ContentStore store, List<String> images) {
        if (images.isEmpty()) {
            throw new IllegalArgumentException("no image to export");
        }
        List<Descriptor> entries = new ArrayList<>();
        SortedMap<Digest, Descriptor> blobs = new TreeMap<>();
        for (String query : images) {
            ImageNames.NamedImage image = store.names().resolve(query);
            Map<String, String> annotations = new HashMap<>(image.descriptor().annotations());
            if (image.name() != null) {
                annotations.put(Annotations.REF_NAME, image.name());
            }
            Descriptor d = image.descriptor();
            Descriptor entry = new Descriptor(d.mediaType(), d.digest(), d.size(), d.urls(), annotations, d.data(),
                    d.artifactType(), d.platform(), d.extensions());
            if (!entries.contains(entry)) {
                entries.add(entry);
            }
            Deque<Descriptor> pending = new ArrayDeque<>(List.of(d));
            while (!pending.isEmpty()) {
                Descriptor next = pending.pop();
                if (blobs.putIfAbsent(next.digest(), next) != null) {
                    continue;
                }
                if (!store.exists(next.digest())) {
                    throw new ArchiveException("cannot export " + query + ": its blob " + next.digest() + " ("
                            + next.mediaType() + ") is missing from the store '" + store.root() + "'");
                }
                pending.addAll(store.children(next));
            }
        }
        return new ExportPlan(List.copyOf(entries), blobs);
    }
}
