package dev.stevedore.oci.internal;

import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.KeyDeserializer;
import dev.stevedore.oci.Digest;
import dev.stevedore.oci.OciFormatException;

/**
 * Reads map keys that are digests, so that a bad key is refused with the digest's own problem
 * rather than Jackson's generic "not a valid representation".
 */
public final class DigestKey extends KeyDeserializer {
    @Override
    public Object deserializeKey(String key, DeserializationContext ctxt) {
        return parse(key);
    }

    /**
     * @param key a map key
     * @return the digest it is
     * @throws OciFormatException relative to the map when the key is not a valid digest
     */
    public static Digest parse(String key) {
        String problem = Digest.problem(key);
        if (problem != null) {
            throw OciFormatException.field("", "key \"" + key + "\" is not a valid digest: " + problem);
        }
        return Digest.parse(key);
    }
}
