package dev.stevedore.internal.build;

import dev.stevedore.internal.layer.RootfsView;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/** {@code --chown} user and group names resolved through an image's {@code /etc/passwd} and {@code /etc/group}. */
final class Users {

    /** A numeric identity. */
    record Ids(int uid, int gid) {}

    private Users() {}

    /**
     * Resolves {@code user[:group]} as COPY/ADD {@code --chown} does: without a group, the gid is the
     * uid's number.
     */
    static Ids chown(RootfsView view, String spec) {
        int colon = spec.indexOf(':');
        String user = colon < 0 ? spec : spec.substring(0, colon);
        int uid = uid(view, user).orElseThrow(() -> new IllegalArgumentException(
                "--chown user '" + user + "' is not in the image's /etc/passwd: use a number or add the user first"));
        int gid = colon < 0 ? uid : gid(view, spec.substring(colon + 1));
        return new Ids(uid, gid);
    }

    private static Optional<Integer> uid(RootfsView view, String user) {
        if (isNumber(user)) {
            return Optional.of(Integer.parseInt(user));
        }
        String[] entry = passwdEntry(view, user);
        return entry == null ? Optional.empty() : Optional.of(Integer.parseInt(entry[2]));
    }

    private static int gid(RootfsView view, String group) {
        if (isNumber(group)) {
            return Integer.parseInt(group);
        }
        for (String line : lines(view, "/etc/group")) {
            String[] f = line.split(":", -1);
            if (f.length >= 3 && f[0].equals(group) && isNumber(f[2])) {
                return Integer.parseInt(f[2]);
            }
        }
        throw new IllegalArgumentException("unable to find group " + group + ": no matching entries in the image's /etc/group");
    }

    /** The passwd fields of a user given by name or number. */
    private static String[] passwdEntry(RootfsView view, String user) {
        for (String line : lines(view, "/etc/passwd")) {
            String[] f = line.split(":", -1);
            if (f.length >= 4 && isNumber(f[2]) && isNumber(f[3]) && (f[0].equals(user) || f[2].equals(user))) {
                return f;
            }
        }
        return null;
    }

    private static String[] lines(RootfsView view, String file) {
        return view.read(file).map(b -> new String(b, StandardCharsets.UTF_8).split("\n")).orElse(new String[0]);
    }

    private static boolean isNumber(String s) {
        return !s.isEmpty() && s.length() < 10 && s.chars().allMatch(Character::isDigit);
    }
}
