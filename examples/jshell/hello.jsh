// Runs a container from JShell. Start JShell with the class path the build wrote:
//   mvn -q -B -o package -pl examples -am -DskipTests
//   jshell --class-path "$(cat examples/target/classpath.txt)" examples/jshell/hello.jsh
import dev.stevedore.*;
import dev.stevedore.testing.BusyboxImage;

BusyboxImage.ensure(Engine.defaultEngine());
ExecResult r = Containers.image("busybox:1.36").withCommand("sh", "-c", "echo hello from $(hostname)").withHostname("jshell").run();
System.out.println(r.stdout().strip() + " (exit " + r.exitCode() + ")");
/exit
