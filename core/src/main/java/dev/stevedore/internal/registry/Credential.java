package dev.stevedore.internal.registry;

import java.util.Objects;

/**
 * What a registry gets told about who is asking: a user name and password, or an identity
 * token (an OAuth2 refresh token that Docker's {@code identitytoken} and credential helpers
 * answering the user {@code <token>} hand out).
 *
 * @param username the user name, or null with an identity token
 * @param password the password, or null with an identity token
 * @param identityToken the refresh token, or null with a user name and password
 */
public record Credential(String username, String password, String identityToken) {

    public Credential {
        if (identityToken == null) {
            Objects.requireNonNull(username, "username");
            Objects.requireNonNull(password, "password");
        }
    }

    /**
     * @param username the user name
     * @param password the password or access token
     * @return a user name and password credential
     */
    public static Credential basic(String username, String password) {
        return new Credential(username, password, null);
    }

    /**
     * @param token the identity (refresh) token
     * @return a credential that is exchanged for bearer tokens at the registry's token service
     */
    public static Credential identityToken(String token) {
        return new Credential(null, null, Objects.requireNonNull(token, "token"));
    }

    @Override
    public String toString() {
        return identityToken != null ? "Credential[identity token]" : "Credential[" + username + ", password hidden]";
    }
}
