//! How a number is written in a message to the user: as Rust writes it, in scientific notation
//! when the plain form would be a long run of digits.

/// Magnitudes at or above this are written in scientific notation: `{}` writes 1e300 as a
/// 301-digit number, and even the bound 1e12 is 13 digits to count. Every bound below it that
/// a message states (1e4, 1e6, 1e7) reads at a glance as it is.
const SCIENTIFIC_FROM: f64 = 1e9;
/// Nonzero magnitudes below this are written in scientific notation too (as Rust's `{:?}` and
/// Python do), so that 1e-300 is not 300 zeros.
const SCIENTIFIC_BELOW: f64 = 1e-4;

/// Writes `v` for an error message, exactly (the shortest digits that read back as `v`): as
/// `{}` does (0.5, 250, 1500, 10000000) where its magnitude is in [1e-4, 1e9), in scientific
/// notation outside it (1e300, -2.5e-7, 1e12), and `inf`, `-inf`, `NaN` as they are.
///
/// The charts' `plot::units::number` rounds to three digits with thousands separators, which
/// would misstate the value a user is told is wrong.
pub fn compact(v: f64) -> String {
    let magnitude = v.abs();
    if magnitude.is_finite()
        && magnitude != 0.0
        && !(SCIENTIFIC_BELOW..SCIENTIFIC_FROM).contains(&magnitude)
    {
        format!("{v:e}")
    } else {
        format!("{v}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_numbers_are_written_as_before_and_huge_or_tiny_ones_compactly() {
        for (v, written) in [
            (0.5, "0.5"),
            (250.0, "250"),
            (1500.0, "1500"),
            (-12.5, "-12.5"),
            (1e7, "10000000"),
            (999_999_999.0, "999999999"),
            (0.0001, "0.0001"),
            (0.0, "0"),
            (-0.0, "-0"),
            (1e9, "1e9"),
            (1e12, "1e12"),
            (2.5e11, "2.5e11"),
            (1e300, "1e300"),
            (-1.5e300, "-1.5e300"),
            (4.6e18, "4.6e18"),
            (-2.5e-7, "-2.5e-7"),
            (1e-300, "1e-300"),
            (f64::INFINITY, "inf"),
            (f64::NEG_INFINITY, "-inf"),
            (f64::NAN, "NaN"),
        ] {
            assert_eq!(compact(v), written, "{v:?}");
        }
    }

    #[test]
    fn the_written_number_reads_back_exactly() {
        for v in [
            0.1 + 0.2,
            1.0 / 3.0,
            123_456_789_012.5,
            6.02214076e23,
            1.7e-5,
        ] {
            assert_eq!(compact(v).parse::<f64>(), Ok(v), "{v:?}");
        }
    }
}
