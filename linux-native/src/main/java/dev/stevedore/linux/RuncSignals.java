package dev.stevedore.linux;

import java.util.List;

/** Signal names and numbers as {@code kill} takes them: {@code TERM}, {@code SIGTERM} or {@code 15}. */
final class RuncSignals {
    /** Index = signal number on x86_64 and aarch64; 0 is not a signal. */
    private static final List<String> NAMES = List.of("", "HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS", "FPE",
            "KILL", "USR1", "SEGV", "USR2", "PIPE", "ALRM", "TERM", "STKFLT", "CHLD", "CONT", "STOP", "TSTP", "TTIN",
            "TTOU", "URG", "XCPU", "XFSZ", "VTALRM", "PROF", "WINCH", "IO", "PWR", "SYS");
    private static final int SIGRTMIN = 34;
    private static final int SIGRTMAX = 64;

    private RuncSignals() {
    }

    /** @throws IllegalArgumentException naming the text when it is no signal */
    static int parse(String text) {
        String s = text.toUpperCase();
        if (s.matches("[0-9]+")) {
            int n = Integer.parseInt(s);
            if (n >= 1 && n <= SIGRTMAX) {
                return n;
            }
        } else {
            String name = s.startsWith("SIG") ? s.substring(3) : s;
            int n = NAMES.indexOf(name);
            if (n > 0) {
                return n;
            }
            if (name.equals("IOT")) {
                return 6;
            }
            if (name.equals("CLD")) {
                return 17;
            }
            if (name.equals("POLL")) {
                return 29;
            }
            if (name.matches("RTMIN(\\+[0-9]+)?")) {
                int n2 = SIGRTMIN + (name.length() > 5 ? Integer.parseInt(name.substring(6)) : 0);
                if (n2 <= SIGRTMAX) {
                    return n2;
                }
            }
            if (name.matches("RTMAX(-[0-9]+)?")) {
                int n2 = SIGRTMAX - (name.length() > 5 ? Integer.parseInt(name.substring(6)) : 0);
                if (n2 >= SIGRTMIN) {
                    return n2;
                }
            }
        }
        throw new IllegalArgumentException("kill: unknown signal '" + text + "'");
    }
}
