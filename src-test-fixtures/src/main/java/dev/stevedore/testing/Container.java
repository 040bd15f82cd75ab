package dev.stevedore.testing;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Declares a container of a {@link Stevedore} test class.
 *
 * <p>On a {@link ManagedContainer} field, which holds its spec: a static field's container runs
 * for the whole class, an instance field's for each test. The attributes must stay empty there.
 *
 * <p>On a parameter of a test method, a lifecycle method or a constructor, of type
 * {@link dev.stevedore.Container} (the started container) or {@link ManagedContainer}: the
 * extension starts a fresh container for it and removes it when that scope ends (after the test
 * for a test method's parameter, and for a constructor's under JUnit's default per-test instance
 * lifecycle; after the class for a {@code @BeforeAll} method's parameter). Its spec comes from
 * {@link #spec()} or from {@link #image()} and {@link #command()}:
 *
 * <pre>{@code
 * @Stevedore(busybox = true)
 * class ParameterTest {
 *     static ContainerSpec web() {
 *         return Containers.image(BusyboxImage.NAME).withCommand("httpd", "-f", "-p", "80");
 *     }
 *
 *     @Test
 *     void serves(@Container(spec = "web") ManagedContainer web,
 *             @Container(image = BusyboxImage.NAME, command = {"sleep", "600"}) ManagedContainer client) {
 *         ...
 *     }
 * }
 * }</pre>
 */
@Target({ElementType.FIELD, ElementType.PARAMETER})
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface Container {

    /**
     * @return for a parameter: the name of a field or no-argument method of the test class (or a
     *     superclass) whose value is the {@link dev.stevedore.ContainerSpec} to start; static, or an
     *     instance member when the test instance exists (not for constructor parameters)
     */
    String spec() default "";

    /** @return for a parameter without {@link #spec()}: the image to start, such as {@code busybox:1.36} */
    String image() default "";

    /** @return with {@link #image()}: the command, executable first; empty for the image's own */
    String[] command() default {};
}
