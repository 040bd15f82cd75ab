package dev.stevedore.linux;

import dev.stevedore.oci.runtime.Process;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Resolves an image's {@code USER} ({@code name}, {@code uid}, {@code name:group}, {@code uid:gid}...)
 * against its {@code /etc/passwd} and {@code /etc/group}, as Docker does: a numeric id needs no
 * entry, a name must have one, the primary group comes from passwd unless given, and the
 * supplementary groups are those listing the user as a member.
 */
final class Users {
    private Users() {
    }

    /**
     * @param user the image's user, such as {@code app}, {@code 1000:1000} or empty for root
     * @param passwd the image's {@code /etc/passwd}, which may be missing
     * @param group the image's {@code /etc/group}, which may be missing
     * @throws IllegalArgumentException when a name has no entry
     */
    static Process.User resolve(String user, Path passwd, Path group) {
        if (user == null || user.isEmpty()) {
            user = "0";
        }
        int colon = user.indexOf(':');
        String userPart = colon < 0 ? user : user.substring(0, colon);
        String groupPart = colon < 0 ? null : user.substring(colon + 1);
        List<String[]> users = read(passwd);
        List<String[]> groups = read(group);

        String name = null;
        long uid;
        long gid = 0;
        String[] entry = find(users, userPart);
        if (entry != null) {
            name = entry[0];
            uid = Long.parseLong(entry[2]);
            gid = Long.parseLong(entry[3]);
        } else if (isNumber(userPart)) {
            uid = Long.parseLong(userPart);
        } else {
            throw new IllegalArgumentException("unable to find user " + userPart + ": no matching entries in passwd file");
        }
        if (groupPart != null) {
            String[] g = find(groups, groupPart);
            if (g != null) {
                gid = Long.parseLong(g[2]);
            } else if (isNumber(groupPart)) {
                gid = Long.parseLong(groupPart);
            } else {
                throw new IllegalArgumentException("unable to find group " + groupPart
                        + ": no matching entries in group file");
            }
        }
        List<Long> additional = new ArrayList<>();
        if (name != null) {
            for (String[] g : groups) {
                if (g.length > 3 && List.of(g[3].split(",")).contains(name) && Long.parseLong(g[2]) != gid) {
                    additional.add(Long.parseLong(g[2]));
                }
            }
        }
        return new Process.User(uid, gid, null, additional, null, null);
    }

    /** An entry by name, or by id when the text is numeric. */
    private static String[] find(List<String[]> entries, String nameOrId) {
        for (String[] e : entries) {
            if (e[0].equals(nameOrId)) {
                return e;
            }
        }
        for (String[] e : entries) {
            if (e[2].equals(nameOrId)) {
                return e;
            }
        }
        return null;
    }

    private static boolean isNumber(String s) {
        return !s.isEmpty() && s.chars().allMatch(Character::isDigit);
    }

    private static List<String[]> read(Path file) {
        try {
            List<String[]> entries = new ArrayList<>();
            for (String line : Files.readAllLines(file)) {
                String[] fields = line.split(":", -1);
                if (fields.length >= 4 && !line.startsWith("#") && isNumber(fields[2])) {
                    entries.add(fields);
                }
            }
            return entries;
        } catch (NoSuchFileException e) {
            return List.of();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read '" + file + "'", e);
        }
    }
}
