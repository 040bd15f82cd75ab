package dev.stevedore.testing;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Runs a test class with containers: each {@link Container}-annotated {@link ManagedContainer}
 * field is started before and removed after its tests (static fields once for the class,
 * instance fields for every test); so is a fresh container for each {@link Container}-annotated
 * parameter of a test method, lifecycle method or constructor. When this host cannot run containers the class is disabled
 * with the reason from {@link dev.stevedore.Engine#doctor()}; when a test fails, the logs of its
 * containers are published as report entries.
 *
 * <pre>{@code
 * @Stevedore(busybox = true)
 * class GreetingTest {
 *     @Container
 *     final ManagedContainer box = ManagedContainer.of(
 *             Containers.image(BusyboxImage.NAME).withCommand("sleep", "600"));
 *
 *     @Test
 *     void greets() {
 *         assertEquals("hi\n", box.exec("echo", "hi").stdout());
 *     }
 * }
 * }</pre>
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@ExtendWith(StevedoreExtension.class)
public @interface Stevedore {

    /**
     * @return whether to store {@link BusyboxImage} in the default engine (if missing) before any
     *     container of the class starts
     */
    boolean busybox() default false;
}
