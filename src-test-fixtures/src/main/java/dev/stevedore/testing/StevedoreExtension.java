package dev.stevedore.testing;

import dev.stevedore.ContainerSpec;
import dev.stevedore.Containers;
import dev.stevedore.Engine;
import dev.stevedore.HostReport;
import java.lang.reflect.Field;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Member;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * The JUnit 5 extension behind {@link Stevedore}. Containers of static fields live in the class's
 * context, those of instance fields in each test's, so tests running in parallel (JUnit's default
 * per-method lifecycle gives every test its own instance) never share per-test containers.
 * A {@link Container} parameter's container lives in the context its method or constructor is
 * resolved in: the test's for test methods and (per-method lifecycle) constructors, the class's
 * for {@code @BeforeAll} methods and per-class constructors.
 */
public final class StevedoreExtension implements ExecutionCondition, BeforeAllCallback, AfterAllCallback,
        BeforeEachCallback, AfterEachCallback, ParameterResolver {

    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(
            StevedoreExtension.class);

    /** Creates the extension; JUnit does this. */
    public StevedoreExtension() {
    }

    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        return evaluate(context.getRoot().getStore(NAMESPACE).getOrComputeIfAbsent("doctor",
                k -> Engine.defaultEngine().doctor(), HostReport.class));
    }

    static ConditionEvaluationResult evaluate(HostReport report) {
        return report.reason()
                .map(reason -> ConditionEvaluationResult.disabled("disabled because this host cannot run containers: "
                        + reason))
                .orElse(ConditionEvaluationResult.enabled("this host can run containers"));
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        Class<?> testClass = context.getRequiredTestClass();
        Stevedore settings = testClass.getAnnotation(Stevedore.class);
        if (settings != null && settings.busybox()) {
            synchronized (BusyboxImage.class) {
                BusyboxImage.ensure(Engine.defaultEngine());
            }
        }
        start(context, containers(testClass, null));
    }

    @Override
    public void beforeEach(ExtensionContext context) throws Exception {
        List<ManagedContainer> all = new ArrayList<>();
        for (Object instance : context.getRequiredTestInstances().getAllInstances()) {
            all.addAll(containers(instance.getClass(), instance));
        }
        start(context, all);
    }

    @Override
    public void afterEach(ExtensionContext context) {
        if (context.getExecutionException().isPresent()) {
            publishLogs(context, context);
            context.getParent().ifPresent(parent -> publishLogs(parent, context));
        }
        stop(context);
    }

    @Override
    public void afterAll(ExtensionContext context) {
        stop(context);
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.isAnnotated(Container.class);
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        Class<?> type = parameter.getParameter().getType();
        if (type != ManagedContainer.class && type != dev.stevedore.Container.class) {
            throw new ParameterResolutionException("@Container parameter " + describe(parameter) + " has type "
                    + type.getSimpleName() + "; declare it as dev.stevedore.Container or ManagedContainer");
        }
        ManagedContainer managed = ManagedContainer.of(spec(parameter, context));
        // Registered before it starts, so the context's end removes it whatever happens next.
        context.getStore(NAMESPACE).getOrComputeIfAbsent("parameters", k -> new Started(List.of()), Started.class)
                .add(managed);
        managed.start();
        return type == ManagedContainer.class ? managed : managed.get();
    }

    /** A constructor's containers belong to the test that instance is created for, not to the class. */
    @Override
    public ExtensionContextScope getTestInstantiationExtensionContextScope(ExtensionContext rootContext) {
        return ExtensionContextScope.TEST_METHOD;
    }

    private static ContainerSpec spec(ParameterContext parameter, ExtensionContext context) {
        Container declared = parameter.findAnnotation(Container.class).orElseThrow();
        boolean named = !declared.spec().isEmpty();
        if (named == !declared.image().isEmpty() || named && declared.command().length > 0) {
            throw new ParameterResolutionException("@Container parameter " + describe(parameter) + " needs either"
                    + " spec = \"<field or method giving a ContainerSpec>\" or image = \"...\" (with command = {...}"
                    + " if needed), not " + (named ? "both" : "neither"));
        }
        if (!named) {
            ContainerSpec spec = Containers.image(declared.image());
            return declared.command().length == 0 ? spec : spec.withCommand(declared.command());
        }
        Class<?> testClass = context.getRequiredTestClass();
        List<Object> instances = context.getTestInstances().map(i -> i.getAllInstances()).orElse(List.of());
        for (Class<?> outer = testClass; outer != null; outer = outer.getEnclosingClass()) {
            for (Class<?> c = outer; c != null && c != Object.class; c = c.getSuperclass()) {
                for (Method m : c.getDeclaredMethods()) {
                    if (m.getName().equals(declared.spec()) && m.getParameterCount() == 0) {
                        return specFrom(m, instances, parameter);
                    }
                }
                for (Field f : c.getDeclaredFields()) {
                    if (f.getName().equals(declared.spec())) {
                        return specFrom(f, instances, parameter);
                    }
                }
            }
        }
        throw new ParameterResolutionException("@Container(spec = \"" + declared.spec() + "\") on " + describe(parameter)
                + ": " + testClass.getName() + " has no field or no-argument method of that name; add one that gives"
                + " a ContainerSpec");
    }

    private static ContainerSpec specFrom(Member member, List<Object> instances, ParameterContext parameter) {
        Object target = null;
        if (!Modifier.isStatic(member.getModifiers())) {
            target = instances.stream().filter(member.getDeclaringClass()::isInstance).findFirst()
                    .orElseThrow(() -> new ParameterResolutionException("@Container parameter " + describe(parameter)
                            + " takes its spec from " + member.getName() + ", an instance member, but no test instance"
                            + " exists yet (a constructor's parameter); make it static"));
        }
        Object value;
        try {
            if (member instanceof Method m) {
                m.setAccessible(true);
                value = m.invoke(target);
            } else {
                Field f = (Field) member;
                f.setAccessible(true);
                value = f.get(target);
            }
        } catch (InvocationTargetException e) {
            throw new ParameterResolutionException("the spec of @Container parameter " + describe(parameter)
                    + " failed: " + member.getName() + " threw " + e.getCause(), e.getCause());
        } catch (IllegalAccessException e) {
            throw new ParameterResolutionException("cannot read " + member.getName() + " for @Container parameter "
                    + describe(parameter) + ": " + e.getMessage(), e);
        }
        if (!(value instanceof ContainerSpec spec)) {
            throw new ParameterResolutionException(member.getDeclaringClass().getSimpleName() + "." + member.getName()
                    + " gives " + (value == null ? "null" : value.getClass().getSimpleName()) + ", not a ContainerSpec,"
                    + " for @Container parameter " + describe(parameter));
        }
        return spec;
    }

    private static String describe(ParameterContext parameter) {
        return "'" + parameter.getParameter().getName() + "' of " + parameter.getDeclaringExecutable();
    }

    private static void start(ExtensionContext context, List<ManagedContainer> containers) {
        Started started = new Started(containers);
        context.getStore(NAMESPACE).put("containers", started);
        for (ManagedContainer c : containers) {
            c.start();
        }
    }

    private static void stop(ExtensionContext context) {
        Started started = context.getStore(NAMESPACE).remove("containers", Started.class);
        if (started != null) {
            started.close();
        }
    }

    private static void publishLogs(ExtensionContext owner, ExtensionContext test) {
        List<ManagedContainer> all = new ArrayList<>();
        for (String key : List.of("containers", "parameters")) {
            Started started = owner.getStore(NAMESPACE).get(key, Started.class);
            if (started != null) {
                all.addAll(started.snapshot());
            }
        }
        for (ManagedContainer c : all) {
            if (c.isStarted()) {
                try {
                    test.publishReportEntry("stevedore container " + c.get().id() + " " + c.get().command() + " logs",
                            c.logs());
                } catch (RuntimeException e) {
                    test.publishReportEntry("stevedore container logs", "unavailable: " + e.getMessage());
                }
            }
        }
    }

    private static List<ManagedContainer> containers(Class<?> type, Object instance) throws IllegalAccessException {
        List<ManagedContainer> found = new ArrayList<>();
        List<Class<?>> hierarchy = new ArrayList<>();
        for (Class<?> c = type; c != null && c != Object.class; c = c.getSuperclass()) {
            hierarchy.add(0, c);
        }
        for (Class<?> c : hierarchy) {
            for (Field f : c.getDeclaredFields()) {
                if (!f.isAnnotationPresent(Container.class) || Modifier.isStatic(f.getModifiers()) != (instance == null)) {
                    continue;
                }
                if (f.getType() != ManagedContainer.class) {
                    throw new IllegalStateException("@Container field " + c.getSimpleName() + "." + f.getName()
                            + " has type " + f.getType().getSimpleName() + "; declare it as ManagedContainer,"
                            + " e.g. ManagedContainer.of(Containers.image(...))");
                }
                Container declared = f.getAnnotation(Container.class);
                if (!declared.spec().isEmpty() || !declared.image().isEmpty() || declared.command().length > 0) {
                    throw new IllegalStateException("@Container field " + c.getSimpleName() + "." + f.getName()
                            + " sets spec, image or command, which are for parameters; the field's ManagedContainer"
                            + " holds its spec");
                }
                f.setAccessible(true);
                ManagedContainer value = (ManagedContainer) f.get(instance);
                if (value == null) {
                    throw new IllegalStateException("@Container field " + c.getSimpleName() + "." + f.getName()
                            + " is null; initialize it with ManagedContainer.of(...)");
                }
                found.add(value);
            }
        }
        return found;
    }

    @Override
    public String toString() {
        return "StevedoreExtension{engine=" + Engine.defaultRoot() + "}";
    }

    /** The containers of one context, removed when it closes even if an after-callback did not run. */
    private static final class Started implements ExtensionContext.Store.CloseableResource {
        /** Guarded by itself: parameters of one context may be resolved by several threads. */
        private final List<ManagedContainer> containers;

        Started(List<ManagedContainer> containers) {
            this.containers = new ArrayList<>(containers);
        }

        void add(ManagedContainer c) {
            synchronized (containers) {
                containers.add(c);
            }
        }

        List<ManagedContainer> snapshot() {
            synchronized (containers) {
                return List.copyOf(containers);
            }
        }

        @Override
        public void close() {
            RuntimeException failure = null;
            for (ManagedContainer c : snapshot()) {
                try {
                    c.remove();
                } catch (RuntimeException e) {
                    if (failure == null) {
                        failure = e;
                    } else {
                        failure.addSuppressed(e);
                    }
                }
            }
            if (failure != null) {
                throw failure;
            }
        }
    }
}
