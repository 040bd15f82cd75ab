package dev.stevedore.oci.internal;

import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonSetter;
import com.fasterxml.jackson.annotation.JsonValue;
import com.fasterxml.jackson.annotation.Nulls;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.lang.annotation.Annotation;
import java.lang.reflect.AnnotatedElement;
import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * What a type's Jackson annotations say about its JSON form, as much as {@link JsonBinding} needs.
 *
 * <p>Reading annotations is dear in a fresh JVM: each annotation type becomes a proxy class made at
 * run time, and the first one sets up the JDK's proxy machinery, about 25 ms of CPU before the first
 * document is read. So the build reads them once: {@link #main} writes, for each package, a table
 * of its annotated types ({@value #TABLE}, beside their classes), and at run time a type is looked
 * up there first. A type missing from it (a build that skipped the step), or whose components no
 * longer match it, has its annotations read as before.
 *
 * <p>The table also holds each component's declared type as text: asking a component for its generic
 * type runs the JDK's parser of generic signatures, some 30 classes outside the CDS archive and about
 * 3 ms of CPU in a fresh JVM. A type named there that no longer is the component's class is not trusted.
 *
 * @param kind how the type maps to JSON
 * @param properties a record's components, in order (the {@code @JsonAnySetter} one too); a delegating
 *     record's one component
 * @param creator a string-valued type's static factory method
 * @param value a string-valued type's method giving the string
 */
public record JsonFacts(Kind kind, List<Property> properties, String creator, String value) {

    /** The table's resource name, in each package that has annotated types. */
    static final String TABLE = "json-facts.txt";

    private static final String HEADER = "# Written by the build from the Jackson annotations of this package's types"
            + " (dev.stevedore.oci.internal.JsonFacts); one type per T line, its components on P lines.";

    /** Tables by package name; a package without one maps to an empty table. */
    private static final Map<String, Map<String, JsonFacts>> TABLES = new ConcurrentHashMap<>();

    enum Kind {
        /** An object, a property per component. */
        RECORD,
        /** A record written as its one component ({@code @JsonCreator(mode = DELEGATING)}). */
        DELEGATING,
        /** Made from and written as a string ({@code @JsonCreator} factory, {@code @JsonValue}). */
        STRING_VALUED
    }

    /** When a property is written, after {@code @JsonInclude}. */
    enum Inclusion {
        ALWAYS, NON_NULL, NON_EMPTY, NON_DEFAULT, CUSTOM;

        static Inclusion of(JsonInclude.Include include) {
            return switch (include) {
                case ALWAYS -> ALWAYS;
                case NON_EMPTY -> NON_EMPTY;
                case NON_DEFAULT -> NON_DEFAULT;
                case CUSTOM -> CUSTOM;
                default -> NON_NULL;
            };
        }
    }

    /** The property-level (de)serializers the model uses. */
    enum Custom {
        NONE,
        /** {@link KeySet}'s serializer and deserializer. */
        KEY_SET,
        /** A map whose keys {@link DigestKey} reads. */
        DIGEST_KEYS
    }

    /**
     * One record component.
     *
     * @param component the component's name
     * @param name its JSON name
     * @param unknown whether it is the {@code @JsonAnySetter} map of unknown fields (then nothing else counts)
     * @param inclusion when it is written
     * @param filter the binary name of the {@code valueFilter} class of a {@code CUSTOM} inclusion, or null
     * @param nullsAsEmpty {@code @JsonSetter(nulls = AS_EMPTY)}
     * @param custom its (de)serializers
     * @param type its declared type as {@link #typeText} writes it, or null when that cannot (then it is
     *     asked of the component at run time)
     */
    record Property(String component, String name, boolean unknown, Inclusion inclusion, String filter,
            boolean nullsAsEmpty, Custom custom, String type) {
    }

    /**
     * @param type a type to read or write
     * @return its facts, from its package's table or else from its annotations; null when it is neither a
     *     record nor a string-valued type
     * @throws IllegalArgumentException when its annotations ask for what {@link JsonBinding} does not do
     */
    static JsonFacts of(Class<?> type) {
        return of(type, table(type));
    }

    /** @return the type's facts from {@code table}, unless missing or stale there, else from its annotations */
    static JsonFacts of(Class<?> type, Map<String, JsonFacts> table) {
        JsonFacts known = table.get(type.getName());
        return known != null && known.matches(type) ? known : fromAnnotations(type);
    }

    /** @return the table of the type's package, empty when it has none */
    static Map<String, JsonFacts> table(Class<?> type) {
        Map<String, JsonFacts> table = TABLES.get(type.getPackageName());
        if (table == null) {
            table = load(type);
            TABLES.putIfAbsent(type.getPackageName(), table);
        }
        return table;
    }

    private static Map<String, JsonFacts> load(Class<?> type) {
        // Asked of the type's module (its class path for an unnamed one) rather than of the class: a class asks
        // the JDK's loaders first, which look for a resource outside any package in every module of the
        // image, about 2 ms of a fresh JVM.
        String resource = type.getPackageName().replace('.', '/') + "/" + TABLE;
        try (InputStream in = type.getModule().getResourceAsStream(resource)) {
            if (in == null) {
                return Map.of();
            }
            return parse(new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8)));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the JSON facts of package " + type.getPackageName(), e);
        }
    }

    /** A stale table (compiled without the build's step) must not be trusted. */
    private boolean matches(Class<?> type) {
        if (kind == Kind.STRING_VALUED) {
            return !type.isRecord();
        }
        if (!type.isRecord()) {
            return false;
        }
        RecordComponent[] components = type.getRecordComponents();
        if (components == null || components.length != properties.size()) {
            return false;
        }
        for (int i = 0; i < components.length; i++) {
            if (!components[i].getName().equals(properties.get(i).component())) {
                return false;
            }
        }
        return true;
    }

    /**
     * Reads a type's annotations.
     *
     * @return its facts, or null when it is neither a record nor a string-valued type
     */
    static JsonFacts fromAnnotations(Class<?> type) {
        if (type.isRecord()) {
            for (Constructor<?> constructor : type.getDeclaredConstructors()) {
                JsonCreator creator = constructor.getAnnotation(JsonCreator.class);
                if (creator != null && creator.mode() == JsonCreator.Mode.DELEGATING) {
                    RecordComponent only = type.getRecordComponents()[0];
                    return new JsonFacts(Kind.DELEGATING, List.of(new Property(only.getName(), only.getName(), false,
                            Inclusion.NON_NULL, null, false, Custom.NONE, typeText(only.getGenericType()))), null, null);
                }
            }
            JsonInclude classInclude = type.getAnnotation(JsonInclude.class);
            List<Property> properties = new ArrayList<>();
            for (RecordComponent component : type.getRecordComponents()) {
                properties.add(property(type, component, classInclude));
            }
            return new JsonFacts(Kind.RECORD, List.copyOf(properties), null, null);
        }
        Method creator = stringCreator(type);
        Method value = stringValue(type);
        return creator != null && value != null
                ? new JsonFacts(Kind.STRING_VALUED, List.of(), creator.getName(), value.getName()) : null;
    }

    /** The annotations are read from the field: Jackson's do not target record components. */
    private static Property property(Class<?> record, RecordComponent component, JsonInclude classInclude) {
        Field field;
        try {
            field = record.getDeclaredField(component.getName());
        } catch (NoSuchFieldException e) {
            throw new IllegalStateException(e);
        }
        if (field.isAnnotationPresent(JsonAnySetter.class)) {
            return new Property(component.getName(), component.getName(), true, Inclusion.NON_NULL, null, false,
                    Custom.NONE, null);
        }
        JsonProperty named = field.getAnnotation(JsonProperty.class);
        String name = named != null && !named.value().isEmpty() ? named.value() : component.getName();
        JsonSetter setter = field.getAnnotation(JsonSetter.class);
        JsonInclude include = field.getAnnotation(JsonInclude.class);
        if (include == null || include.value() == JsonInclude.Include.USE_DEFAULTS) {
            include = classInclude;
        }
        Inclusion inclusion = include == null ? Inclusion.NON_NULL : Inclusion.of(include.value());
        return new Property(component.getName(), name, false, inclusion,
                inclusion == Inclusion.CUSTOM ? include.valueFilter().getName() : null,
                setter != null && setter.nulls() == Nulls.AS_EMPTY, custom(component, field),
                typeText(component.getGenericType()));
    }

    /** The property-level mappings the model uses; any other is refused rather than ignored. */
    private static Custom custom(RecordComponent component, Field field) {
        JsonDeserialize read = field.getAnnotation(JsonDeserialize.class);
        JsonSerialize write = field.getAnnotation(JsonSerialize.class);
        if (read == null && write == null) {
            return Custom.NONE;
        }
        if (read != null && read.using() == KeySet.Deserializer.class
                && write != null && write.using() == KeySet.Serializer.class) {
            return Custom.KEY_SET;
        }
        if (read != null && read.keyUsing() == DigestKey.class && write == null
                && component.getGenericType() instanceof ParameterizedType map && map.getRawType() == Map.class) {
            return Custom.DIGEST_KEYS;
        }
        throw new IllegalArgumentException("no JSON mapping for the custom (de)serializers of "
                + component.getDeclaringRecord().getName() + "." + component.getName());
    }

    private static Method stringCreator(Class<?> c) {
        for (Method m : c.getDeclaredMethods()) {
            if (Modifier.isStatic(m.getModifiers()) && m.isAnnotationPresent(JsonCreator.class)
                    && m.getParameterCount() == 1 && m.getParameterTypes()[0] == String.class) {
                return m;
            }
        }
        return null;
    }

    private static Method stringValue(Class<?> c) {
        for (Method m : c.getMethods()) {
            if (m.isAnnotationPresent(JsonValue.class) && m.getParameterCount() == 0 && m.getReturnType() == String.class) {
                return m;
            }
        }
        return null;
    }

    // The table: "T <binary name> <kind> [creator value]", then for a record "P <component> <JSON name>
    // <inclusion> <filter or -> <nulls as empty> <custom> <type or ->" per component, or "A <component>" for the
    // unknown fields. Names never hold spaces (Java names; the build refuses JSON names that do).

    static Map<String, JsonFacts> parse(BufferedReader in) throws IOException {
        Map<String, JsonFacts> table = new HashMap<>();
        String type = null;
        JsonFacts head = null;
        List<Property> properties = new ArrayList<>();
        for (String line = in.readLine(); line != null; line = in.readLine()) {
            if (line.isEmpty() || line.charAt(0) == '#') {
                continue;
            }
            String[] f = line.split(" ");
            try {
                switch (f[0]) {
                    case "T" -> {
                        put(table, type, head, properties);
                        Kind kind = Kind.valueOf(f[2]);
                        boolean string = kind == Kind.STRING_VALUED;
                        type = f[1];
                        head = new JsonFacts(kind, List.of(), string ? f[3] : null, string ? f[4] : null);
                        properties = new ArrayList<>();
                    }
                    case "P" -> properties.add(new Property(f[1], f[2], false, Inclusion.valueOf(f[3]),
                            f[4].equals("-") ? null : f[4], f[5].equals("1"), Custom.valueOf(f[6]),
                            f[7].equals("-") ? null : f[7]));
                    case "A" -> properties.add(new Property(f[1], f[1], true, Inclusion.NON_NULL, null, false,
                            Custom.NONE, null));
                    default -> throw new IllegalArgumentException(f[0]);
                }
            } catch (IllegalArgumentException | IndexOutOfBoundsException e) {
                throw new IOException("unexpected line in " + TABLE + ": " + line, e);
            }
        }
        put(table, type, head, properties);
        return table;
    }

    /** Adds the type a T line began ({@code head}), with the components read after it. */
    private static void put(Map<String, JsonFacts> table, String type, JsonFacts head, List<Property> properties) {
        if (type != null) {
            table.put(type, new JsonFacts(head.kind, List.copyOf(properties), head.creator, head.value));
        }
    }

    void write(String type, Writer out) throws IOException {
        out.write("T " + type + " " + kind + (kind == Kind.STRING_VALUED ? " " + creator + " " + value : "") + "\n");
        for (Property p : properties) {
            if (p.unknown()) {
                out.write("A " + p.component() + "\n");
                continue;
            }
            if (p.name().isEmpty() || p.name().chars().anyMatch(Character::isWhitespace)) {
                throw new IllegalArgumentException(type + "." + p.component() + ": the JSON name \"" + p.name()
                        + "\" is empty or holds white space, which the table of JSON facts cannot hold");
            }
            out.write("P " + p.component() + " " + p.name() + " " + p.inclusion() + " "
                    + (p.filter() == null ? "-" : p.filter()) + " " + (p.nullsAsEmpty() ? 1 : 0) + " " + p.custom()
                    + " " + (p.type() == null ? "-" : p.type()) + "\n");
        }
    }

    /**
     * @param type a component's declared type
     * @return it as text without spaces, {@code java.util.Map<java.lang.String,java.util.List<a.B$C>>}, or null
     *     for what the model's bindings do not take (arrays, wildcards, type variables, inner generic types)
     */
    static String typeText(Type type) {
        if (type instanceof Class<?> c) {
            return c.isArray() ? null : c.getName();
        }
        if (type instanceof ParameterizedType p && p.getOwnerType() == null && p.getRawType() instanceof Class<?> raw) {
            StringBuilder b = new StringBuilder(raw.getName()).append('<');
            for (Type argument : p.getActualTypeArguments()) {
                String text = typeText(argument);
                if (text == null) {
                    return null;
                }
                b.append(text).append(',');
            }
            b.setCharAt(b.length() - 1, '>');
            return b.toString();
        }
        return null;
    }

    /**
     * @param component a record component
     * @param text its declared type from the table, or null
     * @return that type, unless the text is missing or no longer names the component's class (a stale
     *     table), then the component's own answer
     */
    static Type declaredType(RecordComponent component, String text) {
        Class<?> erased = component.getType();
        if (text != null) {
            int open = text.indexOf('<');
            if (open < 0 && text.equals(erased.getName())) {
                return erased;
            }
            if (open > 0 && text.regionMatches(0, erased.getName(), 0, open) && erased.getName().length() == open) {
                try {
                    int[] at = {open};
                    Type[] arguments = arguments(text, at, component.getDeclaringRecord().getClassLoader());
                    if (at[0] == text.length()) {
                        return new Parameterized(erased, arguments);
                    }
                } catch (ClassNotFoundException | IndexOutOfBoundsException e) {
                    // A class renamed or removed since the table was written: stale, as below.
                }
            }
        }
        return component.getGenericType();
    }

    /** Reads {@code <A,B<C>>} from {@code at[0]}, leaving it after the closing bracket. */
    private static Type[] arguments(String text, int[] at, ClassLoader loader) throws ClassNotFoundException {
        List<Type> arguments = new ArrayList<>();
        char c;
        do {
            int start = ++at[0];
            while (",<>".indexOf(text.charAt(at[0])) < 0) {
                at[0]++;
            }
            Class<?> raw = Class.forName(text.substring(start, at[0]), false, loader);
            arguments.add(text.charAt(at[0]) == '<' ? new Parameterized(raw, arguments(text, at, loader)) : raw);
            c = text.charAt(at[0]);
        } while (c == ',');
        if (c != '>') {
            throw new IndexOutOfBoundsException(at[0]);
        }
        at[0]++;
        return arguments.toArray(new Type[0]);
    }

    /**
     * A generic type read from the table. Equal to the JDK's for the same type, as {@link ParameterizedType}
     * asks, so both find the same binding.
     */
    private record Parameterized(Class<?> raw, Type[] arguments) implements ParameterizedType {
        @Override
        public Type[] getActualTypeArguments() {
            return arguments.clone();
        }

        @Override
        public Type getRawType() {
            return raw;
        }

        @Override
        public Type getOwnerType() {
            return null;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof ParameterizedType p && p.getOwnerType() == null && raw.equals(p.getRawType())
                    && Arrays.equals(arguments, p.getActualTypeArguments());
        }

        /** The JDK's formula, so that equal types of both kinds hash alike. */
        @Override
        public int hashCode() {
            return Arrays.hashCode(arguments) ^ raw.hashCode();
        }

        @Override
        public String getTypeName() {
            return typeText(this);
        }

        @Override
        public String toString() {
            return getTypeName();
        }
    }

    /**
     * Writes the tables of a module's compiled classes: run by the build after compiling, with the
     * module's classes and dependencies on the class path.
     *
     * @param args the classes directory
     * @throws Exception when a class cannot be loaded or its annotations cannot be mapped
     */
    public static void main(String[] args) throws Exception {
        Path classes = Path.of(args[0]);
        ClassLoader loader = Thread.currentThread().getContextClassLoader();
        Map<String, Map<String, JsonFacts>> tables = new TreeMap<>();
        List<Path> files;
        try (Stream<Path> walk = Files.walk(classes)) {
            files = walk.sorted().toList();
        }
        for (Path file : files) {
            String relative = classes.relativize(file).toString();
            if (file.getFileName().toString().equals(TABLE)) {
                Files.delete(file);
            } else if (relative.endsWith(".class") && !relative.endsWith("module-info.class")
                    && !relative.endsWith("package-info.class")) {
                Class<?> type = Class.forName(relative.substring(0, relative.length() - 6).replace('/', '.'), false,
                        loader);
                JsonFacts facts = annotated(type) ? fromAnnotations(type) : null;
                if (facts != null) {
                    tables.computeIfAbsent(type.getPackageName(), p -> new TreeMap<>()).put(type.getName(), facts);
                }
            }
        }
        for (Map.Entry<String, Map<String, JsonFacts>> table : tables.entrySet()) {
            Path file = classes.resolve(table.getKey().replace('.', '/')).resolve(TABLE);
            try (Writer out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
                out.write(HEADER + "\n");
                for (Map.Entry<String, JsonFacts> e : table.getValue().entrySet()) {
                    e.getValue().write(e.getKey(), out);
                }
            }
        }
    }

    /** Types without Jackson annotations cost nothing to look at at run time, so they stay out of the tables. */
    static boolean annotated(Class<?> type) {
        List<AnnotatedElement> elements = new ArrayList<>(List.of(type));
        elements.addAll(List.of(type.getDeclaredFields()));
        elements.addAll(List.of(type.getDeclaredMethods()));
        elements.addAll(List.of(type.getDeclaredConstructors()));
        for (AnnotatedElement element : elements) {
            for (Annotation a : element.getDeclaredAnnotations()) {
                if (a.annotationType().getPackageName().startsWith("com.fasterxml.jackson.")) {
                    return true;
                }
            }
        }
        return false;
    }
}
