package dev.stevedore.internal.build;

import dev.stevedore.internal.layer.RootfsView;
import dev.stevedore.internal.build.BuildContext.Kind;
import dev.stevedore.internal.build.BuildContext.Node;
import dev.stevedore.internal.build.ImageBuilder.LayerRef;
import dev.stevedore.internal.layer.LayerCompression;
import dev.stevedore.oci.Digest;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * One COPY or ADD: which files it takes (from the context, another stage, an image, here-documents or
 * URLs), what identifies them for the cache key, and the layer they become.
 */
final class CopyStep {

    private final Build build;
    private final Build.StageState stage;
    private final Instruction instruction;
    private final boolean add;
    /** COPY --parents: each source keeps its path from the context (or image) root, or from a {@code /./} in it. */
    private final boolean parents;
    private final List<String> sources;
    private final List<Heredoc> inline;
    private final String destination;
    private final Optional<String> from;
    private final Optional<String> chown;
    private final Optional<Integer> chmod;
    private final Optional<String> checksum;
    private final DockerIgnore excludes;
    private final String keyword;

    /** Per source, what it matched: context nodes, image entries or a downloaded file. */
    private final List<List<Object>> matches = new ArrayList<>();
    private Build.Source fromSource;
    private final List<Path> downloads = new ArrayList<>();
    /** Lines of the key besides the context files: the --from source's identity, downloads' checksums; null until matched. */
    private List<String> keyLines;
    /** Every context entry taken, each source's own entry followed by what is below it. */
    private final List<Node> taken = new ArrayList<>();

    CopyStep(Build build, Build.StageState stage, Instruction i) {
        this.build = build;
        this.stage = stage;
        this.instruction = i;
        if (i instanceof Instruction.Copy c) {
            add = false;
            sources = c.sources();
            inline = c.inlineSources();
            destination = c.destination();
            from = c.from();
            chown = c.chown();
            chmod = mode(c.chmod());
            checksum = Optional.empty();
            excludes = DockerIgnore.parse(String.join("\n", c.excludes()), "--exclude");
            parents = c.parents();
        } else {
            Instruction.Add a = (Instruction.Add) i;
            add = true;
            parents = false;
            sources = a.sources();
            inline = a.inlineSources();
            destination = a.destination();
            from = Optional.empty();
            chown = a.chown();
            chmod = mode(a.chmod());
            checksum = a.checksum();
            excludes = DockerIgnore.parse(String.join("\n", a.excludes()), "--exclude");
            if (a.keepGitDir()) {
                throw build.fail(i, "ADD --keep-git-dir is not supported: this builder does not clone git repositories");
            }
        }
        keyword = add ? "ADD" : "COPY";
        if (destination.isEmpty()) {
            throw build.fail(i, keyword + " needs a destination");
        }
    }

    private Optional<Integer> mode(Optional<String> chmod) {
        if (chmod.isEmpty()) {
            return Optional.empty();
        }
        if (!chmod.get().matches("[0-7]{3,4}")) {
            throw build.fail(instruction, "--chmod=" + chmod.get() + " is not an octal mode such as 755 or 0644");
        }
        return Optional.of(Integer.parseInt(chmod.get(), 8));
    }

    private static boolean isUrl(String s) {
        return s.startsWith("http://") || s.startsWith("https://");
    }

    /**
     * Resolves the sources (downloading URLs): what each matched, and the context entries taken, each
     * source's own entry followed by what is below it. Done once; {@link #sourceKey()} starts with it.
     */
    void match() {
        if (keyLines != null) {
            return;
        }
        keyLines = new ArrayList<>();
        if (from.isPresent()) {
            fromSource = build.fromSource(stage, instruction, from.get());
            keyLines.add(fromSource.identity());
        }
        if (checksum.isPresent()) {
            for (String s : sources) {
                if (!isUrl(s)) {
                    throw build.fail(instruction, "ADD --checksum only applies to URL sources");
                }
            }
        }
        for (String source : sources) {
            List<Object> matched = new ArrayList<>();
            if (add && isUrl(source)) {
                Path file = download(source);
                matched.add(file);
                keyLines.add("url " + source + " " + hex(sha256(file)));
            } else if (fromSource != null) {
                matched.addAll(matchImage(fromSource.view(), source));
            } else {
                BuildContext ctx = build.contextFiles();
                List<Node> nodes;
                try {
                    nodes = ctx.match(source);
                } catch (IllegalArgumentException e) {
                    throw build.fail(instruction, keyword + " " + e.getMessage());
                }
                for (Node n : nodes) {
                    if (excludes.excludes(n.path())) {
                        continue;
                    }
                    matched.add(n);
                    taken.add(n);
                    if (n.kind() == Kind.DIRECTORY) {
                        for (Node c : ctx.tree(n)) {
                            if (excludes.isEmpty() || !excludes.excludes(c.path())) {
                                taken.add(c);
                            }
                        }
                    }
                }
            }
            if (matched.isEmpty()) {
                throw build.fail(instruction, keyword + " source '" + source + "' matches no file in "
                        + (fromSource != null ? fromSource.identity().split(" ")[0] + " " + from.get()
                        : "the build context (or .dockerignore excludes it)"));
            }
            matches.add(matched);
        }
    }

    /**
     * Whether most of the context bytes this step takes have no digest from an earlier build: then
     * hashing them for the key would read nearly everything that copying them reads again, so the
     * files are better hashed as they are copied, before the cache is asked (its answer is almost
     * surely a miss; on a hit the copy is thrown away).
     */
    boolean hashingReadsMost() {
        match();
        BuildContext ctx = taken.isEmpty() ? null : build.contextFiles();
        long unknown = 0;
        long total = 0;
        for (Node n : taken) {
            if (n.kind() == Kind.FILE) {
                total += n.stat().size();
                if (!ctx.hasDigest(n)) {
                    unknown += n.stat().size();
                }
            }
        }
        return unknown > 0 && unknown * 2 > total;
    }

    /** What identifies the taken files' content: digests of context files, the stage's key, downloads' checksums. */
    String sourceKey() {
        match();
        MessageDigest key = Digest.newMessageDigest(Digest.SHA256);
        for (String line : keyLines) {
            update(key, line);
        }
        if (!taken.isEmpty()) {
            BuildContext ctx = build.contextFiles();
            ctx.hashAll(taken);
            // Per entry its kind and mode, its path and a link's target (ended by a NUL, which no path has), a
            // file's digest: thousands of entries, gathered in one buffer so the digest is fed in big pieces.
            byte[] buffer = new byte[1 << 16];
            int at = 0;
            for (Node n : taken) {
                byte[] path = n.path().getBytes(StandardCharsets.UTF_8);
                byte[] target = n.kind() == Kind.SYMLINK ? n.linkTarget().getBytes(StandardCharsets.UTF_8) : null;
                int length = 3 + path.length + 1 + (target != null ? target.length + 1 : 0) + 32;
                if (buffer.length - at < length) {
                    key.update(buffer, 0, at);
                    at = 0;
                    if (buffer.length < length) {
                        buffer = new byte[length];
                    }
                }
                at = encode(n, path, target, n.kind() == Kind.FILE ? ctx.digest(n) : null, buffer, at);
            }
            key.update(buffer, 0, at);
        }
        return hex(key.digest());
    }

    /** Puts an entry's part of the key at {@code at}; @return where the next one goes. */
    private static int encode(Node n, byte[] path, byte[] target, byte[] digest, byte[] buffer, int at) {
        buffer[at] = (byte) n.kind().ordinal();
        buffer[at + 1] = (byte) (n.mode() >> 8);
        buffer[at + 2] = (byte) n.mode();
        System.arraycopy(path, 0, buffer, at + 3, path.length);
        int end = at + 3 + path.length;
        buffer[end++] = 0;
        if (target != null) {
            System.arraycopy(target, 0, buffer, end, target.length);
            end += target.length;
            buffer[end++] = 0;
        }
        if (digest != null) {
            System.arraycopy(digest, 0, buffer, end, 32);
            end += 32;
        }
        return end;
    }

    private static void update(MessageDigest md, String line) {
        md.update(line.getBytes(StandardCharsets.UTF_8));
        md.update((byte) '\n');
    }

    /** Image paths a --from source names, top-level symlinks followed, globs matched per component. */
    private List<Object> matchImage(RootfsView view, String source) {
        List<String> parts = RootfsView.components(source);
        List<String> found = new ArrayList<>();
        matchImage(view, "", parts, 0, found);
        List<Object> out = new ArrayList<>();
        for (String p : found) {
            view.lookup(p.isEmpty() ? "/" : p, true).ifPresent(out::add);
        }
        return out;
    }

    private void matchImage(RootfsView view, String base, List<String> parts, int i, List<String> out) {
        if (i == parts.size()) {
            out.add(base);
            return;
        }
        String part = parts.get(i);
        if (!BuildContext.isPattern(part)) {
            matchImage(view, base + "/" + part, parts, i + 1, out);
            return;
        }
        Pattern p = Pattern.compile(DockerIgnore.regex(part));
        for (String name : view.list(base.isEmpty() ? "/" : base)) {
            if (p.matcher(name).matches()) {
                matchImage(view, base + "/" + name, parts, i + 1, out);
            }
        }
    }

    /** The files planned for the step's layer, and where they go. */
    record Prepared(CopyPlan plan, RootfsView view, Users.Ids owner, Optional<Integer> chmod, String lineage) {}

    /**
     * Plans the layer.
     *
     * @param lineage names the step across content changes, so that unchanged files can be linked from
     *     its earlier layer; ignored for a --from source, whose files are not content-addressed
     */
    Prepared prepare(String lineage) {
        match();
        RootfsView view = stage.view();
        Users.Ids owner;
        try {
            owner = chown.isPresent() ? Users.chown(view, chown.get()) : new Users.Ids(0, 0);
        } catch (IllegalArgumentException e) {
            throw build.fail(instruction, e.getMessage());
        }
        String workdir = Optional.ofNullable(stage.config().config().workingDir()).orElse("/");
        boolean dirSyntax = destination.endsWith("/") || destination.equals(".") || destination.endsWith("/.");
        String dest = Build.normalizeAbsolute(destination.startsWith("/") ? destination : workdir + "/" + destination);
        int count = inline.size();
        for (List<Object> m : matches) {
            count += m.size();
        }
        Optional<RootfsView.Entry> existing = view.lookup(dest, true);
        boolean existingDir = existing.isPresent() && existing.get().isDirectory();
        if (count > 1 && !dirSyntax && !existingDir && !parents) {
            throw build.fail(instruction, "when " + keyword + " takes more than one file, the destination must be a directory and end with a / ('"
                    + destination + "' does not)");
        }
        boolean intoDir = dirSyntax || existingDir || count > 1 || parents;
        String canonical = existingDir ? existing.get().path() : view.canonicalParent(dest);
        CopyPlan plan = new CopyPlan();
        for (Heredoc h : inline) {
            plan.add(new CopyPlan.PutFile(intoDir ? child(canonical, h.name()) : canonical, 0644,
                    new CopyPlan.Bytes(h.content().getBytes(StandardCharsets.UTF_8))));
        }
        BuildContext ctx = fromSource == null && !matches.isEmpty() ? build.contextFiles() : null;
        for (int s = 0; s < matches.size(); s++) {
            for (Object o : matches.get(s)) {
                if (o instanceof Path download) {
                    String name = fileNameOf(sources.get(s));
                    plan.add(new CopyPlan.PutFile(intoDir ? child(canonical, name) : canonical, 0600,
                            new CopyPlan.HostFile(download, () -> sha256(download))));
                } else if (o instanceof Node n) {
                    if (parents) {
                        planNode(plan, ctx, n, keptTarget(canonical, sources.get(s), n.path()), false, view);
                    } else {
                        planNode(plan, ctx, n, canonical, intoDir, view);
                    }
                } else {
                    RootfsView.Entry e = (RootfsView.Entry) o;
                    if (parents) {
                        planEntry(plan, fromSource.view(), e, keptTarget(canonical, sources.get(s),
                                e.path().substring(1)), false, view);
                    } else {
                        planEntry(plan, fromSource.view(), e, canonical, intoDir, view);
                    }
                }
            }
        }
        return new Prepared(plan, view, owner, chmod, fromSource == null ? lineage : null);
    }

    private static String keptTarget(String destination, String source, String path) {
        String kept = keptPath(source, path);
        return kept.isEmpty() ? destination : child(destination, kept);
    }

    /**
     * What COPY --parents keeps of a matched path (relative to the context or image root): all of it,
     * or, as with rsync --relative, only what follows a {@code /./} in the source pattern.
     */
    static String keptPath(String source, String path) {
        String s = source;
        while (s.startsWith("/") || s.startsWith("./")) {
            s = s.substring(s.startsWith("/") ? 1 : 2);
        }
        int pivot = s.indexOf("/./");
        if (pivot < 0) {
            return path;
        }
        String dropped = Build.normalizeAbsolute("/" + s.substring(0, pivot)).substring(1);
        if (dropped.isEmpty() || path.equals(dropped)) {
            return dropped.isEmpty() ? path : "";
        }
        return path.startsWith(dropped + "/") ? path.substring(dropped.length() + 1) : path;
    }

    /** Creates the planned files in a new directory, which {@link #write} turns into the layer. */
    Path apply(Prepared p) {
        try {
            return build.applyPlan(p.plan(), p.view(), p.owner(), p.chmod(), p.lineage());
        } catch (UncheckedIOException e) {
            throw build.fail(instruction, keyword + " failed: " + e.getMessage());
        }
    }

    /** Writes the layer from the directory {@link #apply} made, or applies the plan first when it is null. */
    LayerRef write(Prepared p, Path applied) {
        try {
            return build.layerOf(applied != null ? applied : apply(p), p.plan(), p.owner(), p.chmod(), p.lineage());
        } catch (UncheckedIOException e) {
            throw build.fail(instruction, keyword + " failed: " + e.getMessage());
        }
    }

    /** Deletes what the step downloaded, whether it ran or was taken from the cache. */
    void discardDownloads() {
        for (Path download : downloads) {
            ImageBuilder.deleteTree(download);
        }
    }

    private void planNode(CopyPlan plan, BuildContext ctx, Node n, String dest, boolean intoDir, RootfsView view) {
        switch (n.kind()) {
            case DIRECTORY -> {
                if (view.lookup(dest, true).isEmpty() && !dest.equals("/")) {
                    plan.add(new CopyPlan.MakeDir(dest, n.mode()));
                }
                int prefix = n.path().isEmpty() ? 0 : n.path().length() + 1;
                for (Node c : ctx.tree(n)) {
                    if (excludes.excludes(c.path())) {
                        continue;
                    }
                    String target = child(dest, c.path().substring(prefix));
                    switch (c.kind()) {
                        case DIRECTORY -> plan.add(new CopyPlan.MakeDir(target, c.mode()));
                        case FILE -> plan.add(new CopyPlan.PutFile(target, c.mode(), ctx.content(c)));
                        case SYMLINK -> plan.add(new CopyPlan.PutLink(target, c.linkTarget()));
                        default -> { } // sockets and devices are not build inputs
                    }
                }
            }
            case FILE -> {
                if (add && isArchive(n.file())) {
                    plan.add(new CopyPlan.Unpack(dest, n.file(), () -> ctx.digest(n)));
                } else {
                    plan.add(new CopyPlan.PutFile(intoDir ? child(dest, n.name()) : dest, n.mode(), ctx.content(n)));
                }
            }
            case SYMLINK -> plan.add(new CopyPlan.PutLink(intoDir ? child(dest, n.name()) : dest, n.linkTarget()));
            default -> throw build.fail(instruction, keyword + " source '" + n.path() + "' is not a file, directory or link");
        }
    }

    private void planEntry(CopyPlan plan, RootfsView source, RootfsView.Entry e, String dest, boolean intoDir,
            RootfsView view) {
        String name = e.path().substring(e.path().lastIndexOf('/') + 1);
        if (e.isDirectory()) {
            if (view.lookup(dest, true).isEmpty() && !dest.equals("/")) {
                plan.add(new CopyPlan.MakeDir(dest, e.mode() & 07777));
            }
            copyTree(plan, source, e.path(), dest);
        } else if (e.isFile()) {
            plan.add(new CopyPlan.PutFile(intoDir ? child(dest, name) : dest, e.mode() & 07777,
                    new CopyPlan.HostFile(e.file(), () -> new byte[0])));
        } else if (e.isSymlink()) {
            plan.add(new CopyPlan.PutLink(intoDir ? child(dest, name) : dest, readLink(e.file())));
        }
    }

    private void copyTree(CopyPlan plan, RootfsView source, String dir, String dest) {
        for (String name : source.list(dir)) {
            String path = child(dir, name);
            Optional<RootfsView.Entry> found = source.lookup(path, false);
            if (found.isEmpty()) {
                continue;
            }
            RootfsView.Entry c = found.get();
            String target = child(dest, name);
            if (c.isDirectory()) {
                plan.add(new CopyPlan.MakeDir(target, c.mode() & 07777));
                copyTree(plan, source, path, target);
            } else if (c.isFile()) {
                plan.add(new CopyPlan.PutFile(target, c.mode() & 07777, new CopyPlan.HostFile(c.file(), () -> new byte[0])));
            } else if (c.isSymlink()) {
                plan.add(new CopyPlan.PutLink(target, readLink(c.file())));
            }
        }
    }

    private static String readLink(Path p) {
        try {
            return Files.readSymbolicLink(p).toString();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read link '" + p + "'", e);
        }
    }

    private static String child(String dir, String name) {
        return dir.equals("/") ? "/" + name : dir + "/" + name;
    }

    private static String fileNameOf(String url) {
        String path = URI.create(url).getPath();
        String name = path == null ? "" : path.substring(path.lastIndexOf('/') + 1);
        return name.isEmpty() ? "index.html" : name;
    }

    /** Whether ADD unpacks the file: a tar, plain or compressed with gzip or zstd (by content, not name). */
    static boolean isArchive(Path file) {
        try (BufferedInputStream in = new BufferedInputStream(Files.newInputStream(file))) {
            LayerCompression c = LayerCompression.detect(in);
            try (InputStream tar = c.decompress(in)) {
                byte[] header = tar.readNBytes(512);
                return header.length == 512 && new String(header, 257, 5, StandardCharsets.ISO_8859_1).equals("ustar");
            }
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    private Path download(String url) {
        if (build.options().network().equals("none")) {
            throw build.fail(instruction, "ADD " + url + " needs the network, and this build has none: build with network "
                    + "'host', or download the file into the context and COPY it");
        }
        Path dir = build.newTempDir("add");
        downloads.add(dir);
        Path file = dir.resolve("download");
        try {
            HttpClient client = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL)
                    .connectTimeout(Duration.ofSeconds(30)).build();
            HttpResponse<Path> response = client.send(HttpRequest.newBuilder(URI.create(url)).GET().build(),
                    HttpResponse.BodyHandlers.ofFile(file));
            if (response.statusCode() != 200) {
                throw build.fail(instruction, "ADD " + url + ": the server answered HTTP " + response.statusCode());
            }
        } catch (IOException e) {
            throw build.fail(instruction, "ADD " + url + ": download failed: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw build.fail(instruction, "ADD " + url + ": interrupted");
        }
        if (checksum.isPresent()) {
            String expected = checksum.get();
            if (!Digest.isValid(expected)) {
                throw build.fail(instruction, "--checksum=" + expected + " is not a digest such as sha256:<64 hex digits>");
            }
            Digest actual = Digest.parse("sha256:" + hex(sha256(file)));
            if (!actual.equals(Digest.parse(expected))) {
                throw build.fail(instruction, "ADD " + url + ": checksum mismatch: expected " + expected + ", got " + actual);
            }
        }
        return file;
    }

    private static byte[] sha256(Path file) {
        MessageDigest md = Digest.newMessageDigest(Digest.SHA256);
        byte[] buffer = new byte[1 << 16];
        try (InputStream in = Files.newInputStream(file)) {
            for (int r; (r = in.read(buffer)) > 0;) {
                md.update(buffer, 0, r);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read '" + file + "'", e);
        }
        return md.digest();
    }

    private static String hex(byte[] b) {
        return HexFormat.of().formatHex(b);
    }
}
