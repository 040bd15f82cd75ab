package dev.stevedore.oci.internal;

import dev.stevedore.oci.Fixtures;
import dev.stevedore.oci.OciJson;
import dev.stevedore.oci.docker.DockerArchiveManifest;
import dev.stevedore.oci.image.ImageConfig;
import dev.stevedore.oci.image.Index;
import dev.stevedore.oci.image.Manifest;
import dev.stevedore.oci.runtime.Spec;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/** Run in a fresh JVM by {@link JsonFactsTest}: reads and writes (compact and indented) one document of each kind. */
public final class ColdRead {

    private ColdRead() {
    }

    public static void main(String[] args) {
        Object[] documents = {
            OciJson.read(Fixtures.bytes("index-all-fields.json"), Index.class, "index"),
            OciJson.read(Fixtures.bytes("manifest-all-fields.json"), Manifest.class, "manifest"),
            OciJson.read(Fixtures.bytes("config-all-fields.json"), ImageConfig.class, "config"),
            OciJson.read(Fixtures.bytes("docker-config.json"), ImageConfig.class, "config"),
            OciJson.read(Fixtures.bytes("docker-archive-manifest.json"), DockerArchiveManifest.class, "manifest"),
            OciJson.read(runtimeConfig(), Spec.class, "config"),
        };
        for (Object document : documents) {
            OciJson.write(document);
            OciJson.writePretty(document);
        }
        System.out.println("read and wrote " + documents.length + " documents");
    }

    private static byte[] runtimeConfig() {
        try (InputStream in = ColdRead.class.getResourceAsStream("/runtime/full-config.json")) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
