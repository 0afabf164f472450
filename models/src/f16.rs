//! IEEE 754 half-precision and bfloat16 conversions (exact widening, round-to-nearest-even
//! narrowing), written out here to avoid a dependency for a few lines.

/// Widens an IEEE binary16 value (as raw bits) to f32. Exact.
pub fn f16_to_f32(h: u16) -> f32 {
    let sign = u32::from(h & 0x8000) << 16;
    let exp = u32::from((h >> 10) & 0x1f);
    let man = u32::from(h & 0x03ff);
    let bits = match (exp, man) {
        (0, 0) => sign,
        (0, _) => {
            // Subnormal: value = man * 2^-24; normalise it.
            let shift = man.leading_zeros() - 21; // bring the top set bit to bit 10
            let man = (man << shift) & 0x03ff;
            let exp = 127 - 15 + 1 - shift;
            sign | (exp << 23) | (man << 13)
        }
        (0x1f, 0) => sign | 0x7f80_0000,
        (0x1f, _) => sign | 0x7fc0_0000 | (man << 13),
        _ => sign | ((exp + 127 - 15) << 23) | (man << 13),
    };
    f32::from_bits(bits)
}

/// Narrows an f32 to IEEE binary16 bits, rounding to nearest, ties to even (like numpy's
/// `astype(np.float16)`). Overflow gives infinity; NaN stays NaN.
pub fn f32_to_f16(x: f32) -> u16 {
    let bits = x.to_bits();
    let sign = ((bits >> 16) & 0x8000) as u16;
    let exp = ((bits >> 23) & 0xff) as i32;
    let man = bits & 0x007f_ffff;
    if exp == 0xff {
        return sign
            | 0x7c00
            | if man != 0 {
                0x0200 | (man >> 13) as u16
            } else {
                0
            };
    }
    let e = exp - 127 + 15;
    if e >= 0x1f {
        return sign | 0x7c00;
    }
    if e <= 0 {
        // Result is subnormal (or zero): value = m * 2^-24 with m = full_mantissa >> (14 - e).
        if e < -10 {
            return sign;
        }
        let full = man | 0x0080_0000;
        let shift = (14 - e) as u32;
        let m = full >> shift;
        let rem = full & ((1 << shift) - 1);
        let half = 1 << (shift - 1);
        let round_up = rem > half || (rem == half && (m & 1) == 1);
        return sign | (m + u32::from(round_up)) as u16;
    }
    let m = man >> 13;
    let rem = man & 0x1fff;
    let round_up = rem > 0x1000 || (rem == 0x1000 && (m & 1) == 1);
    // A mantissa carry correctly bumps the exponent (and reaches infinity at the top).
    sign | (((e as u32) << 10 | m) + u32::from(round_up)) as u16
}

/// Widens bfloat16 bits to f32. Exact.
pub fn bf16_to_f32(h: u16) -> f32 {
    f32::from_bits(u32::from(h) << 16)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_half_round_trips_through_f32() {
        for h in 0..=u16::MAX {
            let f = f16_to_f32(h);
            if f.is_nan() {
                assert!(f16_to_f32(f32_to_f16(f)).is_nan());
            } else {
                assert_eq!(f32_to_f16(f), h, "bits {h:#06x} -> {f}");
            }
        }
    }

    #[test]
    fn known_values() {
        assert_eq!(f16_to_f32(0x3c00), 1.0);
        assert_eq!(f16_to_f32(0xc000), -2.0);
        assert_eq!(f16_to_f32(0x7bff), 65504.0);
        assert_eq!(f16_to_f32(0x0001), 2f32.powi(-24));
        assert_eq!(f16_to_f32(0x0400), 2f32.powi(-14));
        assert_eq!(f32_to_f16(65520.0), 0x7c00); // rounds up to infinity
        assert_eq!(f32_to_f16(1.0 + 2f32.powi(-11)), 0x3c00); // tie -> even
        assert_eq!(f32_to_f16(1.0 + 3.0 * 2f32.powi(-11)), 0x3c02); // tie -> even (up)
        assert_eq!(f32_to_f16(2f32.powi(-25)), 0x0000); // tie -> even (zero)
        assert_eq!(f32_to_f16(3.0 * 2f32.powi(-26)), 0x0001);
        assert_eq!(f32_to_f16(0.1), 0x2e66);
        assert_eq!(bf16_to_f32(0x3f80), 1.0);
    }

    #[test]
    fn narrowing_picks_the_nearest_half() {
        // Midpoints and near-midpoints between consecutive finite halves.
        for h in 0u16..0x7bff {
            let (a, b) = (f16_to_f32(h), f16_to_f32(h + 1));
            let mid = (f64::from(a) + f64::from(b)) / 2.0;
            let below = f64_next_down_f32(mid);
            let above = f64_next_up_f32(mid);
            assert_eq!(f32_to_f16(below), h);
            assert_eq!(f32_to_f16(above), h + 1);
            let tie = f32_to_f16(mid as f32);
            assert_eq!(tie, if h % 2 == 0 { h } else { h + 1 });
        }
    }

    fn f64_next_down_f32(x: f64) -> f32 {
        let f = x as f32;
        if f64::from(f) < x {
            f
        } else {
            f32::from_bits(f.to_bits() - 1)
        }
    }

    fn f64_next_up_f32(x: f64) -> f32 {
        let f = x as f32;
        if f64::from(f) > x {
            f
        } else {
            f32::from_bits(f.to_bits() + 1)
        }
    }
}
