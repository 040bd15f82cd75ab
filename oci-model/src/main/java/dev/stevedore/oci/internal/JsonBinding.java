package dev.stevedore.oci.internal;

import dev.stevedore.oci.OciFormatException;
import dev.stevedore.oci.internal.JsonReader.Token;
import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Reads and writes the model's documents by the Jackson annotations they carry, on a JSON reader and
 * writer of our own ({@link JsonReader}, {@link JsonWriter}).
 *
 * <p>jackson-databind reads those annotations the same way, but building its mapper and its
 * deserializers costs a fresh JVM well over 100 ms of CPU, which a command line or the first
 * container of a program pays in full. What the annotations say comes from {@link JsonFacts},
 * which the build reads from them ahead of time. This covers what the model uses and nothing more: records
 * (a property per component, unknown fields kept in the {@code @JsonAnySetter} component),
 * types made from and written as one string ({@code @JsonCreator} and {@code @JsonValue}), a
 * record delegating to its one component, lists, sets, maps, and the {@link KeySet} and
 * {@link DigestKey} mappings. A type outside that is a programming error, refused when first used.
 * jackson-core's streaming parser would do as well, but a fresh JVM spends some 20 ms of CPU making
 * its factory and loading its classes before it reads the first document.
 *
 * <p>Reading is strict, as the OCI specs ask: a string is never taken for a number or the other
 * way round, a primitive may not be null or missing unless it says
 * {@code @JsonSetter(nulls = AS_EMPTY)}, duplicate keys and trailing content are refused, and every
 * refusal is an {@link OciFormatException} naming the JSON path.
 */
public final class JsonBinding {

    private static final Map<Type, Binding> BINDINGS = new ConcurrentHashMap<>();

    private JsonBinding() {
    }

    /**
     * Reads and validates a document.
     *
     * @param json the document's bytes
     * @param type the document type
     * @param root the name of the document in error messages, such as {@code manifest}
     * @param <T> the document type
     * @return the document
     * @throws OciFormatException when the JSON is malformed or violates the spec
     */
    public static <T> T read(byte[] json, Class<T> type, String root) {
        Binding binding = of(type);
        JsonReader reader = new JsonReader(json);
        Input in = new Input(reader, root);
        try {
            if (reader.next() == Token.NULL) {
                throw in.fail("expected a document, got null");
            }
            Object value = binding.read(in);
            // Refuses anything but white space after the document.
            reader.next();
            return type.cast(value);
        } catch (JsonReader.Failure e) {
            throw in.fail(e.getMessage(), e);
        }
    }

    /**
     * Writes a document, or maps and lists of documents and JSON values.
     *
     * @param value the document
     * @param pretty whether to indent it for people to read
     * @return its JSON bytes, UTF-8
     */
    public static byte[] write(Object value, boolean pretty) {
        JsonWriter out = new JsonWriter(pretty);
        // As a value of unknown type: a document, or free-form maps and lists of them.
        Natural.INSTANCE.write(out, value);
        return out.toByteArray();
    }

    /**
     * Makes ready the mapping of some types, so that a later first read does not pay for it.
     *
     * @param types the document types
     */
    public static void prepare(Class<?>... types) {
        for (Class<?> type : types) {
            of(type).prepare();
        }
    }

    private static Binding of(Type type) {
        Binding known = BINDINGS.get(type);
        if (known != null) {
            return known;
        }
        // Not computeIfAbsent: a record's binding is made without its components' (they are
        // resolved on first use), but a collection's is made from its element's, which would
        // recurse into the map's own computation.
        Binding made = make(type);
        Binding raced = BINDINGS.putIfAbsent(type, made);
        return raced == null ? made : raced;
    }

    private static Binding make(Type type) {
        if (type instanceof ParameterizedType p && p.getRawType() instanceof Class<?> raw) {
            Type[] arguments = p.getActualTypeArguments();
            if (raw == List.class || raw == Collection.class) {
                return new ListOf(of(arguments[0]), false);
            }
            if (raw == Set.class) {
                return new ListOf(of(arguments[0]), true);
            }
            if (raw == Map.class && arguments[0] == String.class) {
                return new MapOf(null, of(arguments[1]));
            }
        }
        if (type instanceof Class<?> c) {
            Binding scalar = Scalar.forClass(c);
            if (scalar != null) {
                return scalar;
            }
            JsonFacts facts = JsonFacts.of(c);
            if (facts != null) {
                try {
                    return switch (facts.kind()) {
                        case RECORD -> new RecordOf(c, facts.properties());
                        case DELEGATING -> new Delegating(c, facts.properties().get(0));
                        case STRING_VALUED -> new StringValued(accessible(c.getDeclaredMethod(facts.creator(), String.class)),
                                accessible(c.getMethod(facts.value())), c.isEnum());
                    };
                } catch (NoSuchMethodException e) {
                    throw new IllegalStateException(e);
                }
            }
        }
        throw new IllegalArgumentException("no JSON mapping for " + type.getTypeName()
                + ": the model's types are records, string-valued types, lists, sets and maps");
    }

    private static <T extends java.lang.reflect.AccessibleObject> T accessible(T member) {
        member.setAccessible(true);
        return member;
    }

    /** A reader and the JSON path of the value it is on, for messages. */
    private static final class Input {
        final JsonReader reader;
        private final String root;
        private final List<Object> path = new ArrayList<>();

        Input(JsonReader reader, String root) {
            this.reader = reader;
            this.root = root;
        }

        /** A failure leaves the path where it happened, so only a value read whole leaves it. */
        void enter(Object fieldOrIndex) {
            path.add(fieldOrIndex);
        }

        void leave() {
            path.remove(path.size() - 1);
        }

        /**
         * Moves to the value of the object member just named. Its path is entered before its first
         * token is read, so that a malformed value is reported at its own path, whether the problem
         * is in its first token or further in.
         */
        void enterValue(String name) {
            enter(name);
            reader.next();
        }

        /** Moves to an array's next element, entered as {@code index}; false, and not entered, at the array's end. */
        boolean enterElement(int index) {
            enter(index);
            if (reader.next() == Token.END_ARRAY) {
                leave();
                return false;
            }
            return true;
        }

        String path() {
            StringBuilder b = new StringBuilder(root);
            for (Object segment : path) {
                if (segment instanceof Integer index) {
                    b.append('[').append(index).append(']');
                } else {
                    b.append('.').append(segment);
                }
            }
            return b.toString();
        }

        OciFormatException fail(String problem) {
            return new OciFormatException(path(), problem);
        }

        OciFormatException fail(String problem, Throwable cause) {
            return withCause(fail(problem), cause);
        }

        OciFormatException mismatch(String kind) {
            return fail("expected " + kind + ", got " + describe(reader));
        }

        /**
         * @return whether the current value starts with {@code token}; false when it is JSON null
         * @throws OciFormatException when it is some other value
         */
        boolean starts(Token token, String kind) {
            Token current = reader.current();
            if (current == Token.NULL) {
                return false;
            }
            if (current != token) {
                throw mismatch(kind);
            }
            return true;
        }

        /** A problem that a constructor or creator reported about the value being read, or one of its fields. */
        OciFormatException refused(Throwable problem) {
            if (problem instanceof OciFormatException e) {
                String field = e.path();
                String at = path();
                String full = field.isEmpty() || field.startsWith("[") ? at + field : at + "." + field;
                return withCause(new OciFormatException(full, e.problem()), e);
            }
            if (problem instanceof IllegalArgumentException e) {
                return fail(e.getMessage(), e);
            }
            if (problem instanceof RuntimeException e) {
                throw e;
            }
            if (problem instanceof Error e) {
                throw e;
            }
            return fail(String.valueOf(problem), problem);
        }

        private static OciFormatException withCause(OciFormatException e, Throwable cause) {
            e.initCause(cause);
            return e;
        }

        /** Calls a constructor, or a static factory when {@code constructor} is a method, on what was read. */
        Object construct(java.lang.reflect.Executable constructor, Object... arguments) {
            try {
                return constructor instanceof Method factory ? factory.invoke(null, arguments)
                        : ((Constructor<?>) constructor).newInstance(arguments);
            } catch (InvocationTargetException e) {
                throw refused(e.getCause());
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("cannot make a " + constructor.getDeclaringClass().getName(), e);
            }
        }

        private static String describe(JsonReader reader) {
            return switch (reader.current()) {
                case STRING -> {
                    String text = reader.text();
                    yield "the string \"" + (text.length() > 60 ? text.substring(0, 60) + "..." : text) + "\"";
                }
                case INTEGER, DECIMAL -> "the number " + reader.text();
                case TRUE -> "true";
                case FALSE -> "false";
                case NULL -> "null";
                case START_ARRAY -> "an array";
                default -> "an object";
            };
        }
    }

    private static void writeOrNull(Binding binding, JsonWriter out, Object value) {
        if (value == null) {
            out.nullValue();
        } else {
            binding.write(out, value);
        }
    }

    /** How one Java type is read and written. */
    private interface Binding {
        /** Reads the value whose first token is the reader's current one; JSON null reads as null. */
        Object read(Input in);

        void write(JsonWriter out, Object value);

        /** @return what a value looks like in JSON, for "expected ..." messages */
        String kind();

        /** @return whether a non-null value counts as empty for {@code JsonInclude.Include.NON_EMPTY} */
        default boolean isEmpty(Object value) {
            return false;
        }

        /** Resolves what first use would, such as a record's components. */
        default void prepare() {
        }
    }

    /** The JSON scalars; JSON null reads as null, and a primitive's null is its property's business. */
    private enum Scalar implements Binding {
        STRING("a string"), BOOLEAN("a boolean"), INT("an integer"), LONG("an integer");

        private final String kind;

        Scalar(String kind) {
            this.kind = kind;
        }

        static Binding forClass(Class<?> c) {
            if (c == String.class) {
                return STRING;
            }
            if (c == boolean.class || c == Boolean.class) {
                return BOOLEAN;
            }
            if (c == int.class || c == Integer.class) {
                return INT;
            }
            if (c == long.class || c == Long.class) {
                return LONG;
            }
            return c == Object.class ? Natural.INSTANCE : null;
        }

        @Override
        public Object read(Input in) {
            Token token = in.reader.current();
            if (token == Token.NULL) {
                return null;
            }
            Object value = switch (this) {
                case STRING -> token == Token.STRING ? in.reader.text() : null;
                case BOOLEAN -> token == Token.TRUE ? Boolean.TRUE : token == Token.FALSE ? Boolean.FALSE : null;
                case INT, LONG -> token == Token.INTEGER ? integer(in) : null;
            };
            if (value == null) {
                throw in.mismatch(kind);
            }
            return value;
        }

        private Object integer(Input in) {
            Number n = in.reader.integer();
            if (n instanceof Integer || (this == LONG && n instanceof Long)) {
                return this == INT ? n : (Object) n.longValue();
            }
            throw in.fail("the number " + in.reader.text() + " is out of range for a " + (this == INT ? 32 : 64) + "-bit integer");
        }

        @Override
        public void write(JsonWriter out, Object value) {
            switch (this) {
                case STRING -> out.string((String) value);
                case BOOLEAN -> out.bool((Boolean) value);
                case INT, LONG -> out.number(((Number) value).longValue());
            }
        }

        @Override
        public String kind() {
            return kind;
        }

        @Override
        public boolean isEmpty(Object value) {
            return this == STRING && ((String) value).isEmpty();
        }
    }

    /** Any JSON, as jackson-databind reads into {@code Object}: maps, lists, strings, numbers, booleans, null. */
    private static final class Natural implements Binding {
        static final Natural INSTANCE = new Natural();

        @Override
        public Object read(Input in) {
            JsonReader p = in.reader;
            switch (p.current()) {
                case START_OBJECT -> {
                    Map<String, Object> map = new LinkedHashMap<>();
                    for (String name = p.nextName(); name != null; name = p.nextName()) {
                        in.enterValue(name);
                        map.put(name, read(in));
                        in.leave();
                    }
                    return map;
                }
                case START_ARRAY -> {
                    List<Object> list = new ArrayList<>();
                    for (int i = 0; in.enterElement(i); i++) {
                        list.add(read(in));
                        in.leave();
                    }
                    return list;
                }
                case STRING -> {
                    return p.text();
                }
                case INTEGER, DECIMAL -> {
                    return p.number();
                }
                case TRUE -> {
                    return Boolean.TRUE;
                }
                case FALSE -> {
                    return Boolean.FALSE;
                }
                default -> {
                    return null;
                }
            }
        }

        @Override
        public void write(JsonWriter out, Object value) {
            if (value == null) {
                out.nullValue();
            } else if (value instanceof String s) {
                out.string(s);
            } else if (value instanceof Boolean b) {
                out.bool(b);
            } else if (value instanceof Integer || value instanceof Long || value instanceof Short || value instanceof Byte) {
                out.number(((Number) value).longValue());
            } else if (value instanceof Double d) {
                out.number(d);
            } else if (value instanceof Float f) {
                out.number(f);
            } else if (value instanceof BigInteger i) {
                out.number(i);
            } else if (value instanceof BigDecimal d) {
                out.number(d);
            } else if (value instanceof Map<?, ?> map) {
                out.startObject();
                for (Map.Entry<?, ?> e : map.entrySet()) {
                    out.name(String.valueOf(e.getKey()));
                    write(out, e.getValue());
                }
                out.endObject();
            } else if (value instanceof Collection<?> list) {
                out.startArray();
                for (Object element : list) {
                    write(out, element);
                }
                out.endArray();
            } else {
                Binding binding = JsonBinding.of(value.getClass());
                if (binding == INSTANCE) {
                    throw new IllegalArgumentException("no JSON mapping for a bare java.lang.Object");
                }
                binding.write(out, value);
            }
        }

        @Override
        public String kind() {
            return "any value";
        }
    }

    /** A list, or a set keeping document order. */
    private record ListOf(Binding element, boolean set) implements Binding {
        @Override
        public Object read(Input in) {
            if (!in.starts(Token.START_ARRAY, kind())) {
                return null;
            }
            Collection<Object> values = set ? new LinkedHashSet<>() : new ArrayList<>();
            for (int i = 0; in.enterElement(i); i++) {
                values.add(element.read(in));
                in.leave();
            }
            return values;
        }

        @Override
        public void write(JsonWriter out, Object value) {
            out.startArray();
            for (Object e : (Collection<?>) value) {
                writeOrNull(element, out, e);
            }
            out.endArray();
        }

        @Override
        public String kind() {
            return "an array";
        }

        @Override
        public void prepare() {
            element.prepare();
        }

        @Override
        public boolean isEmpty(Object value) {
            return ((Collection<?>) value).isEmpty();
        }
    }

    /**
     * A JSON object read as a map.
     *
     * @param key makes the keys of the members' names and may refuse them; null when the names are the keys,
     *     rather than an identity lambda: the first map of image documents, on a fresh JVM, would spin its class
     * @param value the values' binding
     */
    private record MapOf(Function<String, Object> key, Binding value) implements Binding {
        @Override
        public Object read(Input in) {
            if (!in.starts(Token.START_OBJECT, kind())) {
                return null;
            }
            JsonReader p = in.reader;
            Map<Object, Object> map = new LinkedHashMap<>();
            for (String name = p.nextName(); name != null; name = p.nextName()) {
                Object k;
                try {
                    k = key == null ? name : key.apply(name);
                } catch (IllegalArgumentException e) {
                    throw in.refused(e);
                }
                in.enterValue(name);
                map.put(k, value.read(in));
                in.leave();
            }
            return map;
        }

        @Override
        public void write(JsonWriter out, Object map) {
            out.startObject();
            for (Map.Entry<?, ?> e : ((Map<?, ?>) map).entrySet()) {
                out.name(e.getKey().toString());
                writeOrNull(value, out, e.getValue());
            }
            out.endObject();
        }

        @Override
        public String kind() {
            return "an object";
        }

        @Override
        public boolean isEmpty(Object value) {
            return ((Map<?, ?>) value).isEmpty();
        }

        @Override
        public void prepare() {
            value.prepare();
        }
    }

    /** Go's {@code map[string]struct{}}: see {@link KeySet}. */
    private static final class KeySetOf implements Binding {
        static final KeySetOf INSTANCE = new KeySetOf();

        @Override
        public Object read(Input in) {
            if (in.reader.current() == Token.NULL) {
                return null;
            }
            Object json = Natural.INSTANCE.read(in);
            try {
                return KeySet.keys(json);
            } catch (OciFormatException e) {
                throw in.refused(e);
            }
        }

        @Override
        public void write(JsonWriter out, Object value) {
            @SuppressWarnings("unchecked")
            Set<String> keys = (Set<String>) value;
            KeySet.write(keys, out);
        }

        @Override
        public String kind() {
            return "an object";
        }

        @Override
        public boolean isEmpty(Object value) {
            return ((Set<?>) value).isEmpty();
        }
    }

    /** A type made from one string by a {@code @JsonCreator} factory and written as its {@code @JsonValue}. */
    /**
     * A type read from and written as a string, through its creator and value methods. An enum's constants are
     * remembered by text and by constant, so these are called once for each: past 15 reflective calls of one
     * method the JDK generates an accessor class, some ms of a fresh JVM, and Docker's seccomp profile alone
     * names an action 32 times. Other types' values are not constants and are not remembered.
     */
    private static final class StringValued implements Binding {
        private final Method creator;
        private final Method value;
        private final Map<String, Object> byText;
        private final Map<Object, String> byConstant;

        StringValued(Method creator, Method value, boolean constants) {
            this.creator = creator;
            this.value = value;
            this.byText = constants ? new ConcurrentHashMap<>() : null;
            this.byConstant = constants ? new ConcurrentHashMap<>() : null;
        }

        @Override
        public Object read(Input in) {
            if (!in.starts(Token.STRING, kind())) {
                return null;
            }
            String text = in.reader.text();
            Object v = byText == null ? null : byText.get(text);
            if (v == null) {
                v = in.construct(creator, text);
                if (byText != null && v != null) {
                    byText.put(text, v);
                }
            }
            return v;
        }

        @Override
        public void write(JsonWriter out, Object v) {
            String text = byConstant == null ? null : byConstant.get(v);
            if (text == null) {
                try {
                    text = (String) value.invoke(v);
                } catch (InvocationTargetException | IllegalAccessException e) {
                    throw new IllegalStateException("cannot write " + v.getClass().getName() + " as JSON", e);
                }
                if (byConstant != null && text != null) {
                    byConstant.put(v, text);
                }
            }
            out.string(text);
        }

        @Override
        public String kind() {
            return "a string";
        }
    }

    /** A record that is, in JSON, its one component, as {@code @JsonCreator(mode = DELEGATING)} says. */
    private static final class Delegating implements Binding {
        private final Constructor<?> constructor;
        private final Field component;
        private final Binding delegate;

        Delegating(Class<?> record, JsonFacts.Property facts) {
            RecordComponent only = record.getRecordComponents()[0];
            try {
                this.constructor = accessible(record.getDeclaredConstructor(only.getType()));
            } catch (NoSuchMethodException e) {
                throw new IllegalStateException(e);
            }
            this.component = field(record, only);
            this.delegate = of(JsonFacts.declaredType(only, facts.type()));
        }

        @Override
        public Object read(Input in) {
            return in.construct(constructor, delegate.read(in));
        }

        @Override
        public void write(JsonWriter out, Object value) {
            delegate.write(out, get(component, value));
        }

        @Override
        public String kind() {
            return delegate.kind();
        }

        @Override
        public void prepare() {
            delegate.prepare();
        }
    }

    private static Field field(Class<?> record, RecordComponent component) {
        try {
            return accessible(record.getDeclaredField(component.getName()));
        } catch (NoSuchFieldException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Object get(Field field, Object owner) {
        try {
            return field.get(owner);
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Which values a property writes, as {@code @JsonInclude} says. */
    /** One record component as a JSON property. */
    private static final class Property {
        final String name;
        final int index;
        final Field field;
        final Class<?> primitive;
        final boolean nullsAsEmpty;
        final JsonFacts.Inclusion inclusion;
        final Object filter;
        private final RecordComponent component;
        private final JsonFacts.Property facts;
        private Binding binding;

        Property(RecordComponent component, int index, Field field, JsonFacts.Property facts) {
            this.name = facts.name();
            this.index = index;
            this.field = field;
            this.component = component;
            this.facts = facts;
            this.primitive = component.getType().isPrimitive() ? component.getType() : null;
            this.nullsAsEmpty = facts.nullsAsEmpty();
            this.inclusion = facts.inclusion();
            this.filter = facts.filter() == null ? null : newFilter(component.getDeclaringRecord(), facts.filter());
        }

        private static Object newFilter(Class<?> record, String filter) {
            try {
                return accessible(Class.forName(filter, true, record.getClassLoader()).getDeclaredConstructor())
                        .newInstance();
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("cannot make the value filter " + filter, e);
            }
        }

        Binding binding() {
            Binding b = binding;
            if (b == null) {
                // Resolved on first use, as the type's text names classes that a document may never need.
                Type type = JsonFacts.declaredType(component, facts.type());
                b = switch (facts.custom()) {
                    case NONE -> of(type);
                    case KEY_SET -> KeySetOf.INSTANCE;
                    case DIGEST_KEYS -> new MapOf(DigestKey::parse,
                            of(((ParameterizedType) type).getActualTypeArguments()[1]));
                };
                binding = b;
            }
            return b;
        }

        Object absent() {
            if (primitive == boolean.class) {
                return Boolean.FALSE;
            }
            if (primitive == int.class) {
                return 0;
            }
            return 0L;
        }

        boolean writes(Object value) {
            return switch (inclusion) {
                case ALWAYS -> true;
                case NON_NULL -> value != null;
                case NON_EMPTY -> value != null && !binding().isEmpty(value);
                case NON_DEFAULT -> value != null && !binding().isEmpty(value) && !isDefault(value);
                case CUSTOM -> !filter.equals(value);
            };
        }

        private static boolean isDefault(Object value) {
            return value.equals(Boolean.FALSE) || value.equals(0) || value.equals(0L);
        }
    }

    /** A record as a JSON object, a property per component. */
    private static final class RecordOf implements Binding {
        private final Constructor<?> constructor;
        private final Property[] properties;
        private final Map<String, Property> byName;
        /** The component that takes the fields no other does, or -1. */
        private final int unknown;
        private final Field unknownField;

        RecordOf(Class<?> record, List<JsonFacts.Property> facts) {
            RecordComponent[] components = record.getRecordComponents();
            Class<?>[] types = new Class<?>[components.length];
            List<Property> properties = new ArrayList<>();
            int unknown = -1;
            for (int i = 0; i < components.length; i++) {
                types[i] = components[i].getType();
                if (facts.get(i).unknown()) {
                    unknown = i;
                } else {
                    properties.add(new Property(components[i], i, field(record, components[i]), facts.get(i)));
                }
            }
            try {
                this.constructor = accessible(record.getDeclaredConstructor(types));
            } catch (NoSuchMethodException e) {
                throw new IllegalStateException(e);
            }
            this.properties = properties.toArray(new Property[0]);
            this.byName = new HashMap<>();
            for (Property p : this.properties) {
                byName.put(p.name, p);
            }
            this.unknown = unknown;
            this.unknownField = unknown < 0 ? null : field(record, components[unknown]);
        }

        /** Set before the components are prepared, so a type that contains itself ends the walk. */
        private volatile boolean prepared;

        @Override
        public void prepare() {
            if (!prepared) {
                prepared = true;
                for (Property p : properties) {
                    p.binding().prepare();
                }
            }
        }

        @Override
        public Object read(Input in) {
            if (!in.starts(Token.START_OBJECT, kind())) {
                return null;
            }
            JsonReader p = in.reader;
            Object[] arguments = new Object[properties.length + (unknown < 0 ? 0 : 1)];
            Map<String, Object> unknownFields = null;
            for (String name = p.nextName(); name != null; name = p.nextName()) {
                Property property = byName.get(name);
                in.enterValue(name);
                if (property != null) {
                    arguments[property.index] = readProperty(in, property);
                } else if (unknown >= 0) {
                    if (unknownFields == null) {
                        unknownFields = new LinkedHashMap<>();
                    }
                    unknownFields.put(name, Natural.INSTANCE.read(in));
                } else {
                    p.skipChildren();
                }
                in.leave();
            }
            for (Property property : properties) {
                if (property.primitive != null && arguments[property.index] == null) {
                    if (!property.nullsAsEmpty) {
                        in.enter(property.name);
                        throw in.fail("is required");
                    }
                    arguments[property.index] = property.absent();
                }
            }
            if (unknown >= 0) {
                arguments[unknown] = unknownFields;
            }
            return in.construct(constructor, arguments);
        }

        private static Object readProperty(Input in, Property property) {
            if (property.primitive != null && in.reader.current() == Token.NULL) {
                if (property.nullsAsEmpty) {
                    return property.absent();
                }
                throw in.mismatch(property.binding().kind());
            }
            return property.binding().read(in);
        }

        @Override
        public void write(JsonWriter out, Object record) {
            out.startObject();
            for (Property property : properties) {
                Object value = get(property.field, record);
                if (property.writes(value)) {
                    out.name(property.name);
                    writeOrNull(property.binding(), out, value);
                }
            }
            if (unknownField != null && get(unknownField, record) instanceof Map<?, ?> fields) {
                for (Map.Entry<?, ?> e : fields.entrySet()) {
                    out.name(e.getKey().toString());
                    Natural.INSTANCE.write(out, e.getValue());
                }
            }
            out.endObject();
        }

        @Override
        public String kind() {
            return "an object";
        }
    }
}
