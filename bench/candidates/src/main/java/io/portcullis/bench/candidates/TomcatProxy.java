package io.portcullis.bench.candidates;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import org.apache.catalina.Context;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.startup.Tomcat;
import org.apache.tomcat.util.threads.VirtualThreadExecutor;

/**
 * Today's design without Spring: embedded Tomcat (as Spring Boot 4 runs it), a plain servlet on
 * virtual threads, the JDK HttpClient to the backend. Blocking code on both sides.
 */
public final class TomcatProxy {

    private TomcatProxy() {
    }

    public static void main(String[] args) throws Exception {
        Bare bare = Bare.parse(args);
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();

        Tomcat tomcat = new Tomcat();
        tomcat.setBaseDir(Files.createTempDirectory("tomcat-candidate").toString());
        Connector connector = new Connector("org.apache.coyote.http11.Http11NioProtocol");
        connector.setPort(bare.port);
        connector.setProperty("address", "127.0.0.1");
        // the gateway benchmark runs Tomcat with these: thousands of open streams must not queue
        connector.setProperty("maxConnections", "20000");
        connector.setProperty("acceptCount", "1000");
        connector.getProtocolHandler().setExecutor(new VirtualThreadExecutor("tomcat-vt-"));
        tomcat.setConnector(connector);

        Context context = tomcat.addContext("", null);
        Tomcat.addServlet(context, "proxy", new HttpServlet() {
            @Override
            protected void doPost(HttpServletRequest req, HttpServletResponse res) throws IOException {
                proxy(bare, client, req, res);
            }
        });
        context.addServletMappingDecoded(Bare.PATH, "proxy");
        tomcat.start();
        bare.started("tomcat");
        tomcat.getServer().await();
    }

    private static void proxy(Bare bare, HttpClient client, HttpServletRequest req, HttpServletResponse res)
            throws IOException {
        byte[] body = req.getInputStream().readNBytes(Bare.MAX_BODY + 1);
        if (body.length > Bare.MAX_BODY) {
            res.sendError(413);
            return;
        }
        var request = HttpRequest.newBuilder(URI.create(bare.upstreamUri(body, body.length)))
                .header("content-type", Bare.JSON).POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
        HttpResponse<InputStream> answer;
        try {
            answer = client.send(request, HttpResponse.BodyHandlers.ofInputStream());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            res.sendError(502);
            return;
        } catch (IOException e) {
            res.sendError(502);
            return;
        }
        String contentType = answer.headers().firstValue("content-type").orElse(Bare.JSON);
        try (InputStream in = answer.body()) {
            res.setStatus(answer.statusCode());
            res.setContentType(contentType);
            if (!Bare.isEventStream(contentType)) {
                byte[] whole = in.readNBytes(Bare.MAX_BODY + 1);
                if (whole.length > Bare.MAX_BODY) {
                    res.sendError(502);
                    return;
                }
                res.setContentLength(whole.length);
                res.getOutputStream().write(whole);
                return;
            }
            // relay each chunk as it comes; closing `in` on a client disconnect closes the upstream
            OutputStream out = res.getOutputStream();
            byte[] buffer = new byte[8192];
            for (int n; (n = in.read(buffer)) >= 0; ) {
                out.write(buffer, 0, n);
                out.flush();
            }
        }
    }
}
