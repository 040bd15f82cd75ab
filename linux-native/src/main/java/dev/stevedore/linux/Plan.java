package dev.stevedore.linux;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/** The ordered operations the helper executes for one container or exec. */
final class Plan {

    /** One operation; arguments are strings, numbers in decimal. */
    record Step(Op op, List<String> args) {
        Step {
            args = List.copyOf(args);
            for (String arg : args) {
                if (arg.indexOf('\0') >= 0) {
                    throw new IllegalArgumentException(op + " argument '" + arg.replace("\0", "\\0")
                            + "' contains a NUL byte");
                }
            }
        }

        @Override
        public String toString() {
            return args.isEmpty() ? op.name() : op + " " + String.join(" ", args);
        }
    }

    private final List<Step> steps = new ArrayList<>();
    /** Where the part sent before the container is asked for ends, if after CLONE; see {@link #endPrelude()}. */
    private int preludeEnd = -1;

    Plan add(Op op, Object... args) {
        List<String> strings = new ArrayList<>(args.length);
        for (Object arg : args) {
            strings.add(String.valueOf(arg));
        }
        steps.add(new Step(op, strings));
        return this;
    }

    /**
     * Marks the steps added since CLONE as the child's prelude: they go with the first part, and the
     * child runs them as soon as it exists, so a helper prepared in advance has them done already.
     */
    Plan endPrelude() {
        cloneEnd();
        preludeEnd = steps.size();
        return this;
    }

    /**
     * @return the operations up to and including CLONE (what the helper does before the child
     *     exists) and the child's prelude
     */
    Plan beforeClone() {
        return sub(0, firstPartEnd());
    }

    /** @return the rest of the child's operations, sent once the container is created */
    Plan afterClone() {
        return sub(firstPartEnd(), steps.size());
    }

    private int firstPartEnd() {
        return preludeEnd >= 0 ? preludeEnd : cloneEnd();
    }

    private int cloneEnd() {
        for (int i = 0; i < steps.size(); i++) {
            if (steps.get(i).op() == Op.CLONE) {
                return i + 1;
            }
        }
        throw new IllegalStateException("a plan without CLONE");
    }

    private Plan sub(int from, int to) {
        Plan plan = new Plan();
        plan.steps.addAll(steps.subList(from, to));
        return plan;
    }

    List<Step> steps() {
        return List.copyOf(steps);
    }

    /** @return one line per step, for tests and logs */
    List<String> lines() {
        return steps.stream().map(Step::toString).collect(Collectors.toList());
    }

    /**
     * Encodes the plan as the helper reads it: u32 size, then per op u8 code, u16 argc, (u32 len, bytes)*.
     * Into one buffer sized first: a container's plan has about 50 steps and 150 arguments, and a buffer per
     * number cost a fresh JVM's first container most of a millisecond.
     */
    byte[] encode() {
        int size = 4;
        List<byte[]> args = new ArrayList<>();
        for (Step step : steps) {
            size += 1 + 2;
            for (String a : step.args()) {
                byte[] bytes = a.getBytes(StandardCharsets.UTF_8);
                args.add(bytes);
                size += 4 + bytes.length;
            }
        }
        ByteBuffer out = ByteBuffer.allocate(size).order(ByteOrder.nativeOrder());
        out.putInt(size - 4);
        int arg = 0;
        for (Step step : steps) {
            out.put((byte) step.op().code);
            out.putShort((short) step.args().size());
            for (int i = 0; i < step.args().size(); i++) {
                byte[] bytes = args.get(arg++);
                out.putInt(bytes.length);
                out.put(bytes);
            }
        }
        return out.array();
    }

    @Override
    public String toString() {
        return String.join("\n", lines());
    }
}
