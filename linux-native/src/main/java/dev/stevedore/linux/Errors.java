package dev.stevedore.linux;

import jnr.constants.platform.Errno;

/** Turns the helper's step + path + errno reports into the messages runc and Docker users know. */
final class Errors {
    private static final int EPERM = 1;
    private static final int EACCES = 13;
    private static final int EINVAL = 22;
    private static final String SINGLE_MAPPING = "a rootless user without ranges in /etc/subuid and /etc/subgid"
            + " has only root in its containers";

    private Errors() {
    }

    static String message(String step, String path, String path2, int errno) {
        String reason = describe(errno);
        switch (step) {
            case "exec":
                return "exec \"" + path + "\": " + reason;
            case "exec-path":
                return "exec \"" + path + "\": executable file not found in $PATH";
            case "chdir":
                return "chdir to cwd \"" + path + "\" failed: " + reason;
            // Both need CAP_SYS_RESOURCE, which a host may keep even from root (as a bounding set can).
            case "setrlimit":
                return "setrlimit " + path + ": " + reason + (errno == EPERM
                        ? " (raising a hard limit above the runtime's own needs CAP_SYS_RESOURCE)" : "");
            // In a user namespace an id it does not map cannot be taken (EINVAL), and one its unprivileged
            // creator mapped alone denies setgroups (EPERM).
            case "setuid", "setgid":
                return step + " " + path + ": " + reason + (errno == EINVAL ? " (the container's user namespace does"
                        + " not map this id; " + SINGLE_MAPPING + ")" : "");
            case "setgroups":
                return step + ": " + reason + (errno == EPERM ? " (the container's user namespace may deny"
                        + " setgroups; " + SINGLE_MAPPING + ")" : "");
            case "set oom_score_adj":
                return "set oom_score_adj: " + reason + (errno == EACCES
                        ? " (a value below the runtime's own needs CAP_SYS_RESOURCE)" : "");
            default:
                if (step.endsWith(" hook")) {
                    return step + " \"" + path + "\" " + (path2.isEmpty() ? reason : path2);
                }
                return step + (path.isEmpty() ? "" : " \"" + path + "\"")
                        + (path2.isEmpty() ? "" : " on \"" + path2 + "\"") + ": " + reason;
        }
    }

    /** @return the errno's description in lower case, as Go's syscall.Errno prints it */
    static String describe(int errno) {
        Errno e = Errno.valueOf(errno);
        String text = e == null || e == Errno.__UNKNOWN_CONSTANT__ ? "errno " + errno : e.description();
        return text.isEmpty() ? text : Character.toLowerCase(text.charAt(0)) + text.substring(1);
    }
}
