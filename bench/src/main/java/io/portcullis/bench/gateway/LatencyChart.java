package io.portcullis.bench.gateway;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;

/**
 * Draws latency against offered load as a PNG (Java2D, headless): one line per target and
 * percentile, from a CSV of {@code target,rate,p50_us,p99_us} rows written by run.sh.
 *
 * <pre>java -Djava.awt.headless=true -cp bench/target/benchmarks.jar io.portcullis.bench.gateway.LatencyChart \
 *     openloop.csv chart.png "title"</pre>
 */
public final class LatencyChart {

    private static final int WIDTH = 900;
    private static final int HEIGHT = 540;
    private static final int LEFT = 80;
    private static final int RIGHT = 230;
    private static final int TOP = 50;
    private static final int BOTTOM = 60;

    private LatencyChart() {
    }

    record Point(double rate, double p50Ms, double p99Ms) {
    }

    public static void main(String[] args) throws Exception {
        Map<String, List<Point>> series = new LinkedHashMap<>();
        for (String line : Files.readAllLines(Path.of(args[0]))) {
            String[] f = line.split(",");
            if (f.length < 4 || f[0].equals("target")) {
                continue;
            }
            series.computeIfAbsent(f[0], t -> new ArrayList<>())
                    .add(new Point(Double.parseDouble(f[1]), Double.parseDouble(f[2]) / 1000, Double.parseDouble(f[3]) / 1000));
        }
        double maxRate = series.values().stream().flatMap(List::stream).mapToDouble(Point::rate).max().orElse(1);
        double maxMs = series.values().stream().flatMap(List::stream).mapToDouble(Point::p99Ms).max().orElse(1);
        maxMs = niceCeiling(maxMs * 1.1);

        var image = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, WIDTH, HEIGHT);
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
        g.drawString(args.length > 2 ? args[2] : "Latency vs offered load", LEFT, 28);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        int plotW = WIDTH - LEFT - RIGHT;
        int plotH = HEIGHT - TOP - BOTTOM;
        for (int i = 0; i <= 5; i++) {
            int y = TOP + plotH - plotH * i / 5;
            g.setColor(new Color(225, 225, 225));
            g.drawLine(LEFT, y, LEFT + plotW, y);
            g.setColor(Color.BLACK);
            g.drawString(String.format("%.2f", maxMs * i / 5), LEFT - 45, y + 4);
            int x = LEFT + plotW * i / 5;
            g.drawString(String.format("%.0f", maxRate * i / 5), x - 12, TOP + plotH + 20);
        }
        g.drawRect(LEFT, TOP, plotW, plotH);
        g.drawString("offered load (requests/s, open loop)", LEFT + plotW / 2 - 100, HEIGHT - 15);
        g.rotate(-Math.PI / 2);
        g.drawString("latency (ms)", -(TOP + plotH / 2 + 35), 20);
        g.rotate(Math.PI / 2);

        Color[] colors = {new Color(0, 114, 178), new Color(213, 94, 0), new Color(0, 158, 115), Color.GRAY};
        int legendY = TOP + 10;
        int c = 0;
        for (var entry : series.entrySet()) {
            Color color = colors[c++ % colors.length];
            List<Point> points = entry.getValue();
            points.sort((a, b) -> Double.compare(a.rate(), b.rate()));
            for (int p = 0; p < 2; p++) {
                g.setColor(color);
                g.setStroke(p == 0 ? new BasicStroke(2.5f)
                        : new BasicStroke(2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10, new float[] {8, 5}, 0));
                int prevX = -1;
                int prevY = -1;
                for (Point point : points) {
                    int x = LEFT + (int) (plotW * point.rate() / maxRate);
                    int y = TOP + plotH - (int) (plotH * (p == 0 ? point.p50Ms() : point.p99Ms()) / maxMs);
                    g.fillOval(x - 3, y - 3, 7, 7);
                    if (prevX >= 0) {
                        g.drawLine(prevX, prevY, x, y);
                    }
                    prevX = x;
                    prevY = y;
                }
                g.drawLine(LEFT + plotW + 15, legendY, LEFT + plotW + 45, legendY);
                g.setColor(Color.BLACK);
                g.drawString(entry.getKey() + (p == 0 ? " p50" : " p99"), LEFT + plotW + 52, legendY + 4);
                legendY += 22;
            }
        }
        g.dispose();
        ImageIO.write(image, "png", new File(args[1]));
    }

    private static double niceCeiling(double value) {
        double magnitude = Math.pow(10, Math.floor(Math.log10(value)));
        for (double step : new double[] {1, 2, 2.5, 5, 10}) {
            if (step * magnitude >= value) {
                return step * magnitude;
            }
        }
        return 10 * magnitude;
    }
}
