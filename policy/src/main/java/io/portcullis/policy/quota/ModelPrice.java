package io.portcullis.policy.quota;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Objects;

/**
 * A model's price in US dollars, kept exact ({@link BigDecimal}): per million tokens, and per
 * unit for the endpoints priced in other units ({@link Units}). Every part defaults to zero.
 *
 * @param inputPerMillion       price of a prompt token, per million
 * @param outputPerMillion      price of a completion token, per million
 * @param cachedInputPerMillion price of a prompt token served from the provider's cache, per
 *                              million (defaults to the input price)
 * @param perImage              price of one image produced
 * @param perAudioSecond        price of one second of audio heard
 * @param perMillionCharacters  price of a million characters spoken
 * @param perRequest            price of each billed request, on top of the rest
 */
public record ModelPrice(BigDecimal inputPerMillion, BigDecimal outputPerMillion, BigDecimal cachedInputPerMillion,
                         BigDecimal perImage, BigDecimal perAudioSecond, BigDecimal perMillionCharacters,
                         BigDecimal perRequest) {

    /** Free: for self-hosted models with no price configured. */
    public static final ModelPrice FREE = new ModelPrice(BigDecimal.ZERO, BigDecimal.ZERO, BigDecimal.ZERO);

    public ModelPrice {
        Objects.requireNonNull(inputPerMillion, "inputPerMillion");
        Objects.requireNonNull(outputPerMillion, "outputPerMillion");
        cachedInputPerMillion = cachedInputPerMillion == null ? inputPerMillion : cachedInputPerMillion;
        perImage = perImage == null ? BigDecimal.ZERO : perImage;
        perAudioSecond = perAudioSecond == null ? BigDecimal.ZERO : perAudioSecond;
        perMillionCharacters = perMillionCharacters == null ? BigDecimal.ZERO : perMillionCharacters;
        perRequest = perRequest == null ? BigDecimal.ZERO : perRequest;
        for (BigDecimal part : new BigDecimal[] {inputPerMillion, outputPerMillion, cachedInputPerMillion, perImage,
                perAudioSecond, perMillionCharacters, perRequest}) {
            if (part.signum() < 0) {
                throw new IllegalArgumentException("prices must not be negative");
            }
        }
    }

    /** A token-only price. */
    public ModelPrice(BigDecimal inputPerMillion, BigDecimal outputPerMillion, BigDecimal cachedInputPerMillion) {
        this(inputPerMillion, outputPerMillion, cachedInputPerMillion, null, null, null, null);
    }

    /**
     * Exact cost of one request in micro-dollars, rounded up to the next micro-dollar (a
     * provider never bills less than what was used; over a month the rounding is at most one
     * micro-dollar per request).
     *
     * @param cachedTokens the part of {@code promptTokens} served from cache
     */
    public long costMicros(long promptTokens, long cachedTokens, long completionTokens) {
        return costMicros(promptTokens, cachedTokens, completionTokens, Units.NONE);
    }

    /**
     * Exact cost of one request in micro-dollars, tokens and units together, rounded up to the
     * next micro-dollar once (not per part).
     */
    public long costMicros(long promptTokens, long cachedTokens, long completionTokens, Units units) {
        long cached = Math.min(Math.max(cachedTokens, 0), promptTokens);
        // dollars per million tokens == micro-dollars per token
        BigDecimal micros = inputPerMillion.multiply(BigDecimal.valueOf(promptTokens - cached))
                .add(cachedInputPerMillion.multiply(BigDecimal.valueOf(cached)))
                .add(outputPerMillion.multiply(BigDecimal.valueOf(completionTokens)))
                .add(perMillionCharacters.multiply(BigDecimal.valueOf(units.characters())))
                .add(MILLION.multiply(perImage.multiply(BigDecimal.valueOf(units.images()))
                        .add(perAudioSecond.multiply(BigDecimal.valueOf(units.audioSeconds())))
                        .add(perRequest)));
        // saturate rather than throw: a cost beyond a long is beyond any budget either way
        return micros.setScale(0, RoundingMode.CEILING).min(MAX_MICROS).longValueExact();
    }

    private static final BigDecimal MILLION = BigDecimal.valueOf(1_000_000);

    private static final BigDecimal MAX_MICROS = BigDecimal.valueOf(Long.MAX_VALUE);

    /** Micro-dollars as an exact dollar amount with six decimals. */
    public static BigDecimal dollars(long micros) {
        return BigDecimal.valueOf(micros, 6);
    }

    /** Exact dollars to micro-dollars, refusing sub-micro-dollar precision. */
    public static long micros(BigDecimal dollars) {
        return dollars.movePointRight(6).setScale(0, RoundingMode.UNNECESSARY).longValueExact();
    }
}
