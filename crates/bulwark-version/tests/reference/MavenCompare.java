// Reference driver for the Maven scheme: ComparableVersion from Debian's maven jars
// (maven-artifact, /usr/share/java/maven3-artifact.jar). Run in source-launch mode:
//   java -cp /usr/share/java/maven3-artifact.jar MavenCompare.java
// Reads "A<TAB>B" lines and prints the sign of compareTo (-1, 0, 1).
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import org.apache.maven.artifact.versioning.ComparableVersion;

public class MavenCompare {
    public static void main(String[] args) throws Exception {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        StringBuilder out = new StringBuilder();
        String line;
        while ((line = in.readLine()) != null) {
            int tab = line.indexOf('\t');
            ComparableVersion a = new ComparableVersion(line.substring(0, tab));
            ComparableVersion b = new ComparableVersion(line.substring(tab + 1));
            out.append(Integer.signum(a.compareTo(b))).append('\n');
        }
        System.out.print(out);
    }
}
