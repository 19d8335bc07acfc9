package io.portcullis.gateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.gateway.usage.BilledBy;
import io.portcullis.gateway.web.ApiError;
import io.portcullis.policy.quota.Units;
import org.junit.jupiter.api.Test;

/** The billing rule, case by case: an answer a backend produced is never free. */
class SettlementTest {

    private static final long PROMPT = 120;
    private static final long RESERVE = 50;

    private static Settlement.Bill bill(Ending ending) {
        return Settlement.bill(ending, PROMPT, RESERVE);
    }

    @Test
    void billsWhatTheBackendReported() {
        var usage = new Usage(7, 3, 2);
        assertThat(bill(new Ending.Answered(200, usage))).isEqualTo(new Settlement.Bill(usage, BilledBy.REPORTED));
    }

    @Test
    void billsWhatTheGatewayCountedForSpeechMarkedAsCounted() {
        var spoken = new Usage(0, 0, 0, new Units(0, 14, 0));
        assertThat(bill(new Ending.Counted(200, spoken))).isEqualTo(new Settlement.Bill(spoken, BilledBy.COUNTED));
    }

    @Test
    void billsTheReservationForAnAnswerWithoutUsage() {
        assertThat(bill(new Ending.Unmetered(200, 0)))
                .isEqualTo(new Settlement.Bill(new Usage(PROMPT, RESERVE, 0), BilledBy.RESERVATION));
    }

    @Test
    void billsACutStreamTheLargerOfItsReservationAndWhatItStreamed() {
        assertThat(bill(new Ending.CutShort(200, Outcome.CLIENT_CLOSED, null, 500)).usage().completionTokens())
                .isEqualTo(500);
        assertThat(bill(new Ending.CutShort(200, Outcome.UPSTREAM_BROKEN, null, 3)))
                .isEqualTo(new Settlement.Bill(new Usage(PROMPT, RESERVE, 0), BilledBy.STREAMED));
    }

    @Test
    void prefersUsageReportedBeforeTheCut() {
        var usage = new Usage(9, 900, 0);
        assertThat(bill(new Ending.CutShort(200, Outcome.CLIENT_CLOSED, usage, 10)).usage()).isEqualTo(usage);
    }

    @Test
    void billsNothingForARefusalBeforeAnyBackendWorked() {
        assertThat(bill(new Ending.Refused(ApiError.modelNotFound("m"), false))).isEqualTo(Settlement.Bill.NOTHING);
        assertThat(bill(new Ending.BackendError(400, null))).isEqualTo(Settlement.Bill.NOTHING);
    }

    @Test
    void billsTheReservationForGarbageOrATimeoutAfterTheBackendHadTheRequest() {
        assertThat(bill(new Ending.Refused(ApiError.upstreamError("not JSON"), true)).billedBy())
                .isEqualTo(BilledBy.RESERVATION);
    }

    @Test
    void billsACrashAfterTheBackendAnsweredAtLeastItsReservation() {
        var crash = new Ending.Crashed(500, new IllegalStateException("bug"), true, 70);
        assertThat(bill(crash)).isEqualTo(new Settlement.Bill(new Usage(PROMPT, 70, 0), BilledBy.RESERVATION));
        assertThat(bill(new Ending.Crashed(500, new IllegalStateException("bug"), false, 0)))
                .isEqualTo(Settlement.Bill.NOTHING);
    }
}
