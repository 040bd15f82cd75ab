package dev.stevedore.linux.seccomp;

import dev.stevedore.internal.seccomp.SyscallTable;
import dev.stevedore.oci.runtime.Seccomp;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Compiles a runtime-spec {@code linux.seccomp} to a classic BPF program for the host's
 * architecture (x86_64 or aarch64).
 *
 * <p>Semantics, where the runtime spec leaves them open:
 * <ul>
 *   <li>Rules are tried in their order; the first whose conditions all hold decides. A rule with
 *       several conditions on the same argument is split as runc does: each of those conditions
 *       becomes a rule of its own (so they are alternatives), the others stay together.
 *   <li>A name the architecture does not have is refused, naming it. Profiles written for several
 *       architectures (like Docker's) are resolved for this one first, see {@code DefaultSeccomp}.
 *   <li>Only the native ABI's calls are filtered. Calls from others (i386 through
 *       {@code int 0x80} and x32 on x86_64, 32-bit ARM on aarch64) kill the process, whatever
 *       {@code architectures} lists, since their numbers differ.
 *   <li>Calls newer than the table ({@link SyscallTable#highest()}) fail with ENOSYS unless the
 *       default action allows them, so that libc falls back to older calls, as runc arranges.
 *   <li>{@code SCMP_ACT_NOTIFY} and a listener need a notify agent, which there is not: refused.
 * </ul>
 */
public final class SeccompCompiler {
    static final int X32_SYSCALL_BIT = 0x40000000;
    static final int ENOSYS = 38;
    static final int EPERM = 1;
    static final int MAX_INSTRUCTIONS = 4096;

    static final int RET_KILL_PROCESS = 0x80000000;
    static final int RET_KILL_THREAD = 0;
    static final int RET_TRAP = 0x00030000;
    static final int RET_ERRNO = 0x00050000;
    static final int RET_TRACE = 0x7ff00000;
    static final int RET_LOG = 0x7ffc0000;
    static final int RET_ALLOW = 0x7fff0000;

    private static final int OFFSET_NR = 0;
    private static final int OFFSET_ARCH = 4;
    private static final int OFFSET_ARGS = 16;

    /** libseccomp's architecture names; any may be listed, only x86_64 calls are let through. */
    private static final Set<String> ARCHITECTURES = Set.of("SCMP_ARCH_X86", "SCMP_ARCH_X86_64", "SCMP_ARCH_X32",
            "SCMP_ARCH_ARM", "SCMP_ARCH_AARCH64", "SCMP_ARCH_MIPS", "SCMP_ARCH_MIPS64", "SCMP_ARCH_MIPS64N32",
            "SCMP_ARCH_MIPSEL", "SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC", "SCMP_ARCH_PPC64",
            "SCMP_ARCH_PPC64LE", "SCMP_ARCH_S390", "SCMP_ARCH_S390X", "SCMP_ARCH_PARISC", "SCMP_ARCH_PARISC64",
            "SCMP_ARCH_RISCV64", "SCMP_ARCH_LOONGARCH64", "SCMP_ARCH_M68K", "SCMP_ARCH_SH", "SCMP_ARCH_SHEB");

    private static final Map<String, Integer> FLAGS = Map.of("SECCOMP_FILTER_FLAG_TSYNC", 1,
            "SECCOMP_FILTER_FLAG_LOG", 2, "SECCOMP_FILTER_FLAG_SPEC_ALLOW", 4);

    private record Rule(int action, List<Seccomp.Arg> conditions) {
    }

    private final SyscallTable table;
    private final String field;

    private SeccompCompiler(SyscallTable table, String field) {
        this.table = table;
        this.field = field;
    }

    /**
     * @param seccomp the filter description
     * @param field its JSON path for messages, such as {@code linux.seccomp}
     * @return the program for this machine
     * @throws IllegalArgumentException naming the field and value the filter cannot be built from
     */
    public static SeccompProgram compile(Seccomp seccomp, String field) {
        return compile(seccomp, field, SyscallTable.host());
    }

    /** As {@link #compile(Seccomp, String)}, for the architecture of {@code table}. */
    public static SeccompProgram compile(Seccomp seccomp, String field, SyscallTable table) {
        return new SeccompCompiler(table, field).compile(seccomp);
    }

    private SeccompProgram compile(Seccomp seccomp) {
        for (int i = 0; i < seccomp.architectures().size(); i++) {
            String arch = seccomp.architectures().get(i);
            if (!ARCHITECTURES.contains(arch)) {
                throw error(".architectures[" + i + "]", "'" + arch + "' is not a seccomp architecture");
            }
        }
        int flags = 0;
        for (int i = 0; i < seccomp.flags().size(); i++) {
            Integer flag = FLAGS.get(seccomp.flags().get(i));
            if (flag == null) {
                throw error(".flags[" + i + "]", "'" + seccomp.flags().get(i) + "' is not supported; use "
                        + String.join(", ", new TreeMap<>(FLAGS).keySet()));
            }
            flags |= flag;
        }
        if (seccomp.listenerPath() != null) {
            throw error(".listenerPath", "seccomp notification listeners are not supported");
        }
        int defaultAction = action(seccomp.defaultAction(), seccomp.defaultErrnoRet(), ".defaultAction",
                ".defaultErrnoRet");

        // By number, each with its rules in the profile's order; an array rather than a sorted map, as the
        // numbers are dense and the first container of a fresh JVM runs this code interpreted.
        @SuppressWarnings("unchecked")
        List<Rule>[] rules = new List[table.highest() + 2];
        // Loops rather than streams and lambdas here and below: every container with a profile compiles
        // one, the first in a fresh JVM included, where each lambda is a class made at run time.
        boolean otherArchitectures = false;
        for (String a : seccomp.architectures()) {
            otherArchitectures |= !a.equals(table.seccompArch());
        }
        for (int i = 0; i < seccomp.syscalls().size(); i++) {
            Seccomp.Syscall call = seccomp.syscalls().get(i);
            String at = ".syscalls[" + i + "]";
            int action = action(call.action(), call.errnoRet(), at + ".action", at + ".errnoRet");
            List<Rule> split = split(action, call.args());
            for (int j = 0; j < call.names().size(); j++) {
                String name = call.names().get(j);
                Integer nr = table.numbers().get(name);
                if (nr == null && otherArchitectures) {
                    // Like libseccomp: a name of another listed ABI (chown32 with SCMP_ARCH_X86) has no
                    // native number; those ABIs' calls never pass the architecture check anyway.
                    continue;
                }
                if (nr == null) {
                    throw error(at + ".names[" + j + "]", "\"" + name + "\" is not a syscall on " + table.arch());
                }
                if (rules[nr] == null) {
                    rules[nr] = new ArrayList<>();
                }
                rules[nr].addAll(split);
            }
        }

        Bpf bpf = new Bpf();
        Bpf.Label nativeArch = bpf.label();
        bpf.load(OFFSET_ARCH);
        bpf.jump(Bpf.JEQ_K, table.auditArch(), nativeArch, null);
        bpf.ret(RET_KILL_PROCESS);
        bpf.bind(nativeArch);
        bpf.load(OFFSET_NR);
        if (table.hasX32Abi()) {
            Bpf.Label nativeAbi = bpf.label();
            bpf.jump(Bpf.JGE_K, X32_SYSCALL_BIT, null, nativeAbi);
            bpf.ret(RET_KILL_PROCESS);
            bpf.bind(nativeAbi);
        }
        if (defaultAction != RET_ALLOW && defaultAction != RET_LOG) {
            Bpf.Label known = bpf.label();
            bpf.jump(Bpf.JGT_K, table.highest(), null, known);
            bpf.ret(RET_ERRNO | ENOSYS);
            bpf.bind(known);
        }
        // Numbers in runs that end the same way (a return value, or a block of conditions), found by
        // binary search: Docker's profile allows long runs of neighbouring calls.
        List<Integer> starts = new ArrayList<>();
        List<Object> outcomes = new ArrayList<>();
        Map<Integer, Bpf.Label> blocks = new LinkedHashMap<>();
        for (int nr = 0; nr < rules.length; nr++) {
            List<Rule> list = rules[nr];
            Object outcome;
            if (list == null) {
                outcome = defaultAction;
            } else if (list.get(0).conditions().isEmpty()) {
                outcome = list.get(0).action();
            } else {
                outcome = bpf.label();
                blocks.put(nr, (Bpf.Label) outcome);
            }
            if (outcomes.isEmpty() || !outcome.equals(outcomes.get(outcomes.size() - 1))) {
                starts.add(nr);
                outcomes.add(outcome);
            }
        }
        search(bpf, starts, outcomes, 0, starts.size());
        for (Map.Entry<Integer, Bpf.Label> block : blocks.entrySet()) {
            bpf.bind(block.getValue());
            block(bpf, rules[block.getKey()], defaultAction);
        }
        if (bpf.size() > MAX_INSTRUCTIONS) {
            throw error("", "the filter needs " + bpf.size() + " BPF instructions; the kernel accepts at most "
                    + MAX_INSTRUCTIONS);
        }
        return new SeccompProgram(bpf.assemble(), flags);
    }

    /** Binary search for the run holding the number; the last run reaches to the end of the numbers. */
    private static void search(Bpf bpf, List<Integer> starts, List<Object> outcomes, int from, int to) {
        if (to - from == 1) {
            if (outcomes.get(from) instanceof Bpf.Label block) {
                bpf.ja(block);
            } else {
                bpf.ret((Integer) outcomes.get(from));
            }
            return;
        }
        int mid = (from + to) / 2;
        Bpf.Label upper = bpf.label();
        Bpf.Label lower = bpf.label();
        bpf.jump(Bpf.JGE_K, starts.get(mid), null, lower);
        bpf.ja(upper);
        bpf.bind(lower);
        search(bpf, starts, outcomes, from, mid);
        bpf.bind(upper);
        search(bpf, starts, outcomes, mid, to);
    }

    /** One call's rules in order; the first that matches returns its action. */
    private static void block(Bpf bpf, List<Rule> rules, int defaultAction) {
        for (Rule rule : rules) {
            if (rule.conditions().isEmpty()) {
                bpf.ret(rule.action());
                return;
            }
            Bpf.Label next = bpf.label();
            for (Seccomp.Arg arg : rule.conditions()) {
                condition(bpf, arg, next);
            }
            bpf.ret(rule.action());
            bpf.bind(next);
        }
        bpf.ret(defaultAction);
    }

    /** Falls through when the 64-bit unsigned comparison holds, jumps to {@code fail} otherwise. */
    private static void condition(Bpf bpf, Seccomp.Arg arg, Bpf.Label fail) {
        int lo = OFFSET_ARGS + 8 * arg.index();
        int hi = lo + 4;
        long value = arg.value();
        int vHi = (int) (value >>> 32);
        int vLo = (int) value;
        Bpf.Label pass = bpf.label();
        switch (arg.op()) {
            case EQ -> {
                bpf.load(hi);
                bpf.jump(Bpf.JEQ_K, vHi, null, fail);
                bpf.load(lo);
                bpf.jump(Bpf.JEQ_K, vLo, null, fail);
            }
            case NE -> {
                bpf.load(hi);
                bpf.jump(Bpf.JEQ_K, vHi, null, pass);
                bpf.load(lo);
                bpf.jump(Bpf.JEQ_K, vLo, fail, null);
            }
            case GT, GE -> {
                bpf.load(hi);
                bpf.jump(Bpf.JGT_K, vHi, pass, null);
                bpf.jump(Bpf.JEQ_K, vHi, null, fail);
                bpf.load(lo);
                bpf.jump(arg.op() == Seccomp.Operator.GT ? Bpf.JGT_K : Bpf.JGE_K, vLo, null, fail);
            }
            case LT, LE -> {
                // The negations of GE and GT.
                bpf.load(hi);
                bpf.jump(Bpf.JGT_K, vHi, fail, null);
                bpf.jump(Bpf.JEQ_K, vHi, null, pass);
                bpf.load(lo);
                bpf.jump(arg.op() == Seccomp.Operator.LT ? Bpf.JGE_K : Bpf.JGT_K, vLo, fail, null);
            }
            case MASKED_EQ -> {
                long expected = arg.valueTwo() == null ? 0 : arg.valueTwo();
                bpf.load(hi);
                bpf.and(vHi);
                bpf.jump(Bpf.JEQ_K, (int) (expected >>> 32), null, fail);
                bpf.load(lo);
                bpf.and(vLo);
                bpf.jump(Bpf.JEQ_K, (int) expected, null, fail);
            }
            default -> throw new IllegalStateException("operator " + arg.op());
        }
        bpf.bind(pass);
    }

    /** runc's reading of conditions: those sharing an argument are alternatives, the rest must all hold. */
    private static List<Rule> split(int action, List<Seccomp.Arg> args) {
        int[] counts = new int[6];
        for (Seccomp.Arg a : args) {
            counts[a.index()]++;
        }
        List<Rule> rules = new ArrayList<>();
        List<Seccomp.Arg> together = new ArrayList<>();
        for (Seccomp.Arg arg : args) {
            if (counts[arg.index()] > 1) {
                rules.add(new Rule(action, List.of(arg)));
            } else {
                together.add(arg);
            }
        }
        if (!together.isEmpty() || rules.isEmpty()) {
            rules.add(new Rule(action, together));
        }
        return rules;
    }

    private int action(Seccomp.Action action, Long errnoRet, String actionField, String errnoField) {
        boolean takesErrno = action == Seccomp.Action.ERRNO || action == Seccomp.Action.TRACE;
        if (errnoRet != null && !takesErrno) {
            throw error(errnoField, "only SCMP_ACT_ERRNO and SCMP_ACT_TRACE return an errno, not "
                    + action.value());
        }
        if (errnoRet != null && errnoRet > 4095) {
            throw error(errnoField, errnoRet + " is not an errno (1 to 4095)");
        }
        int errno = errnoRet == null ? EPERM : errnoRet.intValue();
        return switch (action) {
            case ALLOW -> RET_ALLOW;
            case LOG -> RET_LOG;
            case ERRNO -> RET_ERRNO | errno;
            case TRACE -> RET_TRACE | errno;
            case TRAP -> RET_TRAP;
            case KILL, KILL_THREAD -> RET_KILL_THREAD;
            case KILL_PROCESS -> RET_KILL_PROCESS;
            case NOTIFY -> throw error(actionField, "SCMP_ACT_NOTIFY is not supported (it needs a notify agent)");
        };
    }

    private IllegalArgumentException error(String at, String problem) {
        return new IllegalArgumentException(field + at + ": " + problem);
    }
}
