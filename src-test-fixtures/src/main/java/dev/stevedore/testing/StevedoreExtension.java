package dev.stevedore.testing;

import dev.stevedore.Engine;
import dev.stevedore.HostReport;
import java.lang.reflect.Field;
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

/**
 * The JUnit 5 extension behind {@link Stevedore}. Containers of static fields live in the class's
 * context, those of instance fields in each test's, so tests running in parallel (JUnit's default
 * per-method lifecycle gives every test its own instance) never share per-test containers.
 */
public final class StevedoreExtension implements ExecutionCondition, BeforeAllCallback, AfterAllCallback,
        BeforeEachCallback, AfterEachCallback {

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
        Started started = owner.getStore(NAMESPACE).get("containers", Started.class);
        if (started == null) {
            return;
        }
        for (ManagedContainer c : started.containers) {
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
        final List<ManagedContainer> containers;

        Started(List<ManagedContainer> containers) {
            this.containers = List.copyOf(containers);
        }

        @Override
        public void close() {
            RuntimeException failure = null;
            for (ManagedContainer c : containers) {
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
