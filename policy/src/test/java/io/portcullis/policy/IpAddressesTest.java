package io.portcullis.policy;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The client's address as the policy reads it: literal addresses only, anything else null. */
class IpAddressesTest {

    @Test
    void readsDottedQuadsAsFourBytes() throws Exception {
        for (String address : List.of("0.0.0.0", "127.0.0.1", "203.0.113.57", "255.255.255.255", "10.1.22.199")) {
            assertThat(IpAddresses.parse(address)).as(address)
                    .isEqualTo(InetAddress.getByName(address).getAddress());
        }
    }

    @Test
    void readsLeadingZerosAsDecimalAsBefore() {
        assertThat(IpAddresses.parse("010.001.000.009")).containsExactly(10, 1, 0, 9);
    }

    @Test
    void refusesWhatIsNotADottedQuad() {
        for (String text : List.of("", ".", "1.2.3", "1.2.3.4.", ".1.2.3.4", "1..2.3", "1.2.3.4.5", "256.0.0.1",
                "1.2.3.256", "999.1.1.1", "0001.1.1.1", "1.2.3.0004", "1.2.3.-4", "+1.2.3.4", " 1.2.3.4",
                "1.2.3.4 ", "1.2.3.4/32", "a.b.c.d", "1.2.3.4x", "localhost", "example.com",
                // Arabic-Indic and full-width digits are digits to Java, not to an IP literal
                "\u0661.2.3.4", "1.2.3.\uFF14")) {
            assertThat(IpAddresses.parse(text)).as("'%s'", text).isNull();
        }
        assertThat(IpAddresses.parse(null)).isNull();
    }

    @Test
    void readsIpv6IncludingBracketsZonesAndEmbeddedIpv4() throws Exception {
        for (String address : List.of("::1", "::", "2001:db8::8a2e:370:7334", "fe80::1", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
                "::ffff:203.0.113.57", "1:2:3:4:5:6:7:8")) {
            assertThat(IpAddresses.parse(address)).as(address)
                    .isEqualTo(InetAddress.getByName(address).getAddress().length == 4
                            ? mapped(InetAddress.getByName(address).getAddress())
                            : InetAddress.getByName(address).getAddress());
        }
        assertThat(IpAddresses.parse("[::1]")).isEqualTo(IpAddresses.parse("::1"));
        assertThat(IpAddresses.parse("fe80::1%eth0")).isEqualTo(IpAddresses.parse("fe80::1"));
    }

    @Test
    void refusesMalformedIpv6() {
        for (String text : List.of(":::", "1::2::3", "1:2:3:4:5:6:7:8:9", "12345::1", "g::1", "::ffff:1.2.3",
                "::ffff:1.2.3.256", "1:2:3:4:5:6:7",
                "\uFF11::1", "fe80::\u0661")) {
            assertThat(IpAddresses.parse(text)).as("'%s'", text).isNull();
        }
    }

    /** InetAddress answers a v4-mapped literal with its four bytes; the parser keeps all sixteen. */
    private static byte[] mapped(byte[] v4) {
        byte[] out = new byte[16];
        out[10] = (byte) 0xFF;
        out[11] = (byte) 0xFF;
        System.arraycopy(v4, 0, out, 12, 4);
        return out;
    }
}
