package dev.stevedore.internal.engine;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * Resolves a Docker {@code USER} value ({@code name}, {@code uid}, {@code name:group},
 * {@code uid:gid}) against the image's {@code /etc/passwd} and {@code /etc/group}, as Docker does:
 * a numeric uid without an entry runs with gid 0, a name without an entry is an error, and the
 * groups that list the user become its supplementary groups.
 */
public final class ImageUsers {

    /**
     * A resolved user.
     *
     * @param uid the user id
     * @param gid the primary group id
     * @param additionalGids the supplementary groups
     * @param home the home directory from the passwd entry, {@code /} without one
     */
    public record User(long uid, long gid, List<Long> additionalGids, String home) {
        public User {
            additionalGids = List.copyOf(additionalGids);
        }
    }

    private record Entry(String name, long id, long gid, String home, List<String> members) {
    }

    private ImageUsers() {
    }

    /**
     * @param spec the user as the image or the caller gave it; null or empty means root
     * @param readFile reads a file of the image by absolute path, empty when it does not exist
     * @return the ids to run as
     * @throws IllegalArgumentException naming the user or group that the image does not define
     */
    public static User resolve(String spec, Function<String, Optional<String>> readFile) {
        String userPart = spec == null || spec.isEmpty() ? "0" : spec;
        String groupPart = null;
        int colon = userPart.indexOf(':');
        if (colon >= 0) {
            groupPart = userPart.substring(colon + 1);
            userPart = userPart.substring(0, colon);
        }
        List<Entry> passwd = parse(readFile.apply("/etc/passwd").orElse(""), true);
        Entry entry = null;
        for (Entry e : passwd) {
            if (e.name().equals(userPart) || (isNumber(userPart) && e.id() == Long.parseLong(userPart))) {
                entry = e;
                break;
            }
        }
        long uid;
        long gid;
        String home;
        if (entry != null) {
            uid = entry.id();
            gid = entry.gid();
            home = entry.home().isEmpty() ? "/" : entry.home();
        } else if (isNumber(userPart)) {
            uid = Long.parseLong(userPart);
            gid = 0;
            home = uid == 0 ? "/root" : "/";
        } else {
            throw new IllegalArgumentException("user \"" + userPart + "\" is not in the image's /etc/passwd; "
                    + "use a numeric uid or add the user to the image");
        }
        List<Entry> groups = parse(readFile.apply("/etc/group").orElse(""), false);
        if (groupPart != null && !groupPart.isEmpty()) {
            Entry group = null;
            for (Entry g : groups) {
                if (g.name().equals(groupPart) || (isNumber(groupPart) && g.id() == Long.parseLong(groupPart))) {
                    group = g;
                    break;
                }
            }
            if (group != null) {
                gid = group.id();
            } else if (isNumber(groupPart)) {
                gid = Long.parseLong(groupPart);
            } else {
                throw new IllegalArgumentException("group \"" + groupPart + "\" is not in the image's /etc/group; "
                        + "use a numeric gid or add the group to the image");
            }
        }
        List<Long> additional = new ArrayList<>();
        if (entry != null) {
            for (Entry g : groups) {
                if (g.members().contains(entry.name()) && g.id() != gid && !additional.contains(g.id())) {
                    additional.add(g.id());
                }
            }
        }
        return new User(uid, gid, additional, home);
    }

    private static List<Entry> parse(String text, boolean passwd) {
        List<Entry> entries = new ArrayList<>();
        for (String line : text.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            String[] f = line.split(":", -1);
            try {
                if (passwd && f.length >= 7) {
                    entries.add(new Entry(f[0], Long.parseLong(f[2]), Long.parseLong(f[3]), f[5], List.of()));
                } else if (!passwd && f.length >= 4) {
                    List<String> members = f[3].isEmpty() ? List.of() : List.of(f[3].split(","));
                    entries.add(new Entry(f[0], Long.parseLong(f[2]), 0, "", members));
                }
            } catch (NumberFormatException e) {
                // Docker skips malformed lines too rather than refusing the image.
            }
        }
        return entries;
    }

    private static boolean isNumber(String s) {
        if (s.isEmpty() || s.length() > 10) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            if (!Character.isDigit(s.charAt(i))) {
                return false;
            }
        }
        return true;
    }
}
