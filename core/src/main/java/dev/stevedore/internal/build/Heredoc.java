package dev.stevedore.internal.build;

/**
 * A here-document of a RUN, COPY or ADD instruction: {@code <<EOF} on the instruction's line, then the
 * body lines up to the line {@code EOF}.
 *
 * @param name the delimiter with its quotes removed; for COPY and ADD also the source's file name
 * @param content the body, each line ending in a newline; with {@code <<-} the leading tabs are already
 *     removed from every line
 * @param expand whether build variables are substituted in the body: false when the delimiter was
 *     quoted ({@code <<"EOF"}, {@code <<'EOF'}) or escaped
 */
public record Heredoc(String name, String content, boolean expand) {}
