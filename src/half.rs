//! Dense matrices stored in half precision (IEEE binary16) for the sparse products of the SVD. A product
//! gathers one row of the dense matrix for every non-zero of the sparse one, and those gathers, not the
//! arithmetic, are its cost: stored in 16 bits, the rows take half the memory traffic (a product of the
//! shape of news_34k's sample took 22 ms instead of 43-60 on one core). Each value is widened to single
//! precision exactly and summed there, so a product gives the same bits on every processor; what is lost is
//! the rounding of the stored matrix, 1 part in 2,048.
//!
//! Written here because the `half` crate's conversions are one value at a time, and the products need the
//! processor's eight-at-a-time conversion (F16C) inside the sum.

use ndarray::Array2;
use rayon::prelude::*;

/// Values per group: one AVX2 register of single-precision values. Rows are padded to whole groups.
const GROUP: usize = 8;

/// A row-major matrix of half-precision values, each row padded with zeros to a whole number of groups.
#[derive(Debug, Clone)]
pub struct HalfMatrix {
    bits: Vec<u16>,
    rows: usize,
    cols: usize,
    stride: usize,
}

impl HalfMatrix {
    /// A `rows × cols` matrix of zeros.
    pub fn zeros(rows: usize, cols: usize) -> HalfMatrix {
        let stride = cols.div_ceil(GROUP) * GROUP;
        HalfMatrix {
            bits: vec![0; rows * stride],
            rows,
            cols,
            stride,
        }
    }

    /// `m` rounded to half precision.
    pub fn from_f32(m: &Array2<f32>) -> HalfMatrix {
        let mut halves = HalfMatrix::zeros(m.nrows(), m.ncols());
        halves.assign(m);
        halves
    }

    /// Overwrites every value with `m`'s, rounded; `m` has this matrix's shape.
    pub fn assign(&mut self, m: &Array2<f32>) {
        assert_eq!(m.dim(), (self.rows, self.cols), "the shapes match");
        let cols = self.cols;
        self.bits
            .par_chunks_mut(self.stride.max(1))
            .zip(m.outer_iter().into_par_iter())
            .for_each(|(to, from)| match from.as_slice() {
                Some(from) => round_into(&mut to[..cols], from),
                None => {
                    for (h, &x) in to[..cols].iter_mut().zip(from.iter()) {
                        *h = to_half(x);
                    }
                }
            });
    }

    /// Fills the matrix row by row: `fill(first_row, values)` writes the single-precision values of rows
    /// `first_row..` into `values` (whole rows, `cols` each), in fixed blocks of rows, in parallel.
    pub fn fill_blocks(&mut self, block_rows: usize, fill: impl Fn(usize, &mut [f32]) + Sync) {
        let (cols, stride) = (self.cols, self.stride);
        self.bits
            .par_chunks_mut((block_rows * stride).max(1))
            .enumerate()
            .for_each(|(block, to)| {
                let mut values = vec![0f32; to.len() / stride.max(1) * cols];
                fill(block * block_rows, &mut values);
                for (row, from) in to.chunks_mut(stride).zip(values.chunks(cols.max(1))) {
                    round_into(&mut row[..cols], from);
                }
            });
    }

    pub fn rows(&self) -> usize {
        self.rows
    }

    pub fn cols(&self) -> usize {
        self.cols
    }

    /// Value `(i, j)`, widened.
    pub fn get(&self, i: usize, j: usize) -> f32 {
        assert!(j < self.cols, "column {j} of {}", self.cols);
        to_single(self.bits[i * self.stride + j])
    }
}

/// `target = Σ values[e] · b[indices[e]]`: the sum of rows of `b`, each widened to single precision and
/// scaled, one column at a time in the order of the entries, each step one fused multiply-add (rounded
/// once), so that the AVX2 version gives the same bits as the plain one. `target` has `b.cols()` values.
pub fn sum_rows(target: &mut [f32], indices: &[u32], values: &[f32], b: &HalfMatrix) {
    assert_eq!(target.len(), b.cols, "one value per column");
    assert_eq!(indices.len(), values.len(), "a value per index");
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx2")
            && std::arch::is_x86_feature_detected!("f16c")
            && std::arch::is_x86_feature_detected!("fma")
        {
            // SAFETY: the processor has AVX2, F16C and FMA, which is all `sum_rows_avx2` asks.
            return unsafe { x86::sum_rows_avx2(target, indices, values, b) };
        }
    }
    sum_rows_plain(target, indices, values, b);
}

/// [`sum_rows`] without SIMD: what the AVX2 version must give, bit for bit.
pub fn sum_rows_plain(target: &mut [f32], indices: &[u32], values: &[f32], b: &HalfMatrix) {
    target.fill(0.0);
    for (&j, &w) in indices.iter().zip(values) {
        let row = &b.bits[j as usize * b.stride..][..b.cols];
        for (sum, &h) in target.iter_mut().zip(row) {
            *sum = w.mul_add(to_single(h), *sum);
        }
    }
}

/// Each value of `from` rounded to half precision into `to` (as [`to_half`]; eight at a time where the
/// processor converts them, which gives the same bits).
fn round_into(to: &mut [u16], from: &[f32]) {
    assert_eq!(to.len(), from.len(), "a half per value");
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx2")
            && std::arch::is_x86_feature_detected!("f16c")
        {
            // SAFETY: the processor has AVX2 and F16C.
            return unsafe { x86::round_into_avx2(to, from) };
        }
    }
    for (h, &x) in to.iter_mut().zip(from) {
        *h = to_half(x);
    }
}

/// `x` rounded to the nearest half-precision value, ties to even (as the processor's conversion does):
/// beyond the largest half, infinity; below the smallest, zero or a subnormal.
pub fn to_half(x: f32) -> u16 {
    let bits = x.to_bits();
    let sign = ((bits >> 16) & 0x8000) as u16;
    let exponent = ((bits >> 23) & 0xff) as i32;
    let mantissa = bits & 0x7f_ffff;
    if exponent == 0xff {
        // Infinity stays infinity; a NaN stays a NaN, made quiet, with the top of its payload.
        let nan = if mantissa == 0 {
            0
        } else {
            0x200 | (mantissa >> 13) as u16
        };
        return sign | 0x7c00 | nan;
    }
    let e = exponent - 127 + 15;
    if e >= 0x1f {
        return sign | 0x7c00;
    }
    // The mantissa with its leading one, and how many of its low bits the half drops.
    let (full, dropped) = match e {
        1.. => (mantissa, 13),
        -10..=0 => (mantissa | 0x80_0000, (14 - e) as u32),
        _ => return sign,
    };
    let kept = full >> dropped;
    let rest = full & ((1 << dropped) - 1);
    let halfway = 1 << (dropped - 1);
    let rounded = kept + u32::from(rest > halfway || (rest == halfway && kept & 1 == 1));
    // A carry out of the mantissa moves the exponent up by one, as it should (up to infinity).
    let exponent_bits = if e >= 1 { (e as u32) << 10 } else { 0 };
    sign | (exponent_bits + rounded) as u16
}

/// The half-precision value `h` in single precision, exactly.
pub fn to_single(h: u16) -> f32 {
    let sign = u32::from(h & 0x8000) << 16;
    let exponent = u32::from((h >> 10) & 0x1f);
    let mantissa = u32::from(h & 0x3ff);
    match exponent {
        0 => {
            // Zero or subnormal: mantissa · 2⁻²⁴, exact in single precision.
            let magnitude = mantissa as f32 * (1.0 / 16_777_216.0);
            f32::from_bits(sign | magnitude.to_bits())
        }
        0x1f => {
            f32::from_bits(sign | 0x7f80_0000 | mantissa << 13 | u32::from(mantissa != 0) << 22)
        }
        _ => f32::from_bits(sign | (exponent + 112) << 23 | mantissa << 13),
    }
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    use super::{HalfMatrix, GROUP};
    use std::arch::x86_64::*;

    /// [`super::sum_rows`] eight columns at a time: blocks of up to eight groups are summed in registers
    /// over all the entries, then stored.
    #[target_feature(enable = "avx2,f16c,fma")]
    pub(super) unsafe fn sum_rows_avx2(
        target: &mut [f32],
        indices: &[u32],
        values: &[f32],
        b: &HalfMatrix,
    ) {
        let groups = b.stride / GROUP;
        let mut start = 0;
        while start < groups {
            let block = (groups - start).min(8);
            match block {
                8 => sum_groups::<8>(target, start, indices, values, b),
                7 => sum_groups::<7>(target, start, indices, values, b),
                6 => sum_groups::<6>(target, start, indices, values, b),
                5 => sum_groups::<5>(target, start, indices, values, b),
                4 => sum_groups::<4>(target, start, indices, values, b),
                3 => sum_groups::<3>(target, start, indices, values, b),
                2 => sum_groups::<2>(target, start, indices, values, b),
                _ => sum_groups::<1>(target, start, indices, values, b),
            }
            start += block;
        }
    }

    /// Groups `first..first + G` of the target. The first block of groups asks for the whole row of the
    /// entry [`AHEAD`] places on: the rows are gathered in no order the processor can guess, and waiting
    /// for them took about a third of a product (a synthetic product of news_34k's sample's shape: 20,000
    /// rows of about 100 entries, Zipf-distributed columns out of 39,000, 110 columns; 31-41 ms on one
    /// core, 21-24 ms with the rows asked for ahead and the multiply-adds fused).
    #[target_feature(enable = "avx2,f16c,fma")]
    unsafe fn sum_groups<const G: usize>(
        target: &mut [f32],
        first: usize,
        indices: &[u32],
        values: &[f32],
        b: &HalfMatrix,
    ) {
        let offset = first * GROUP;
        let mut sums = [_mm256_setzero_ps(); G];
        for (e, (&j, &w)) in indices.iter().zip(values).enumerate() {
            if first == 0 {
                if let Some(&ahead) = indices.get(e + AHEAD) {
                    prefetch_row(b, ahead as usize);
                }
            }
            // A checked slice: a row that is not in the matrix panics instead of reading past it.
            let row = &b.bits[j as usize * b.stride + offset..][..G * GROUP];
            let w = _mm256_set1_ps(w);
            for (g, sum) in sums.iter_mut().enumerate() {
                // SAFETY: the row slice holds G groups of eight halves (16 bytes each).
                let h = _mm_loadu_si128(row.as_ptr().add(g * GROUP).cast());
                *sum = _mm256_fmadd_ps(w, _mm256_cvtph_ps(h), *sum);
            }
        }
        for (g, sum) in sums.iter().enumerate() {
            let mut lanes = [0f32; GROUP];
            // SAFETY: `lanes` holds eight values.
            _mm256_storeu_ps(lanes.as_mut_ptr(), *sum);
            let at = offset + g * GROUP;
            let n = target.len().saturating_sub(at).min(GROUP);
            target[at..at + n].copy_from_slice(&lanes[..n]);
        }
    }

    /// Entries ahead whose row is asked for (2, 4 and 8 were tried: 4 and 8 alike, 2 slower).
    const AHEAD: usize = 4;

    /// Asks the processor to bring row `i` of `b` into the cache: a half every line (32 halves), and the
    /// last, whose line the steps miss when the row starts late in its first. Only a hint: the sums do not
    /// depend on it, and a row past the end is not asked for.
    fn prefetch_row(b: &HalfMatrix, i: usize) {
        if let Some(row) = b.bits.get(i * b.stride..(i + 1) * b.stride) {
            for h in row.iter().step_by(32).chain(row.last()) {
                // SAFETY: a prefetch never faults, and SSE is part of every x86-64 processor.
                unsafe { _mm_prefetch::<_MM_HINT_T0>((h as *const u16).cast()) };
            }
        }
    }

    /// [`super::round_into`] eight values at a time.
    #[target_feature(enable = "avx2,f16c")]
    pub(super) unsafe fn round_into_avx2(to: &mut [u16], from: &[f32]) {
        let whole = from.len() / GROUP * GROUP;
        for (to, from) in to[..whole]
            .chunks_exact_mut(GROUP)
            .zip(from[..whole].chunks_exact(GROUP))
        {
            // SAFETY: both chunks hold eight values.
            let halves =
                _mm256_cvtps_ph::<_MM_FROUND_TO_NEAREST_INT>(_mm256_loadu_ps(from.as_ptr()));
            _mm_storeu_si128(to.as_mut_ptr().cast(), halves);
        }
        for (h, &x) in to[whole..].iter_mut().zip(&from[whole..]) {
            *h = super::to_half(x);
        }
    }

    /// The processor's conversions, to hold the plain ones to.
    #[cfg(test)]
    #[target_feature(enable = "f16c")]
    pub(super) unsafe fn convert_by_processor(x: f32, h: u16) -> (u16, f32) {
        let half = _mm_cvtps_ph::<_MM_FROUND_TO_NEAREST_INT>(_mm_set1_ps(x));
        let single = _mm_cvtph_ps(_mm_set1_epi16(h as i16));
        (_mm_extract_epi16::<0>(half) as u16, _mm_cvtss_f32(single))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};
    use rand_xoshiro::Xoshiro256Plus;

    fn has_f16c() -> bool {
        #[cfg(target_arch = "x86_64")]
        return std::arch::is_x86_feature_detected!("f16c")
            && std::arch::is_x86_feature_detected!("avx2");
        #[allow(unreachable_code)]
        false
    }

    /// Every half widens as the processor widens it, and singles round as it rounds them: all 65,536 halves,
    /// the singles on both sides of every half and halfway between two (ties), the extremes, and a million
    /// random bit patterns.
    #[test]
    fn conversions_are_the_processors() {
        if !has_f16c() {
            eprintln!("skipped: this processor has no F16C to compare with");
            return;
        }
        #[cfg(target_arch = "x86_64")]
        {
            let processor = |x: f32, h: u16| unsafe { x86::convert_by_processor(x, h) };
            let mut singles: Vec<f32> = Vec::new();
            for h in 0..=u16::MAX {
                let (_, widened) = processor(0.0, h);
                assert_eq!(to_single(h).to_bits(), widened.to_bits(), "half {h:#06x}");
                let x = to_single(h);
                if x.is_finite() {
                    let bits = x.to_bits();
                    singles.extend(
                        [
                            bits - 1,
                            bits,
                            bits + 1,
                            bits + 0x1000,
                            bits + 0xfff,
                            bits + 0x1001,
                        ]
                        .map(f32::from_bits),
                    );
                }
            }
            singles.extend([
                f32::MAX,
                f32::MIN,
                f32::MIN_POSITIVE,
                65504.0,
                65520.0,
                65519.99,
                2f32.powi(-25),
                2f32.powi(-24),
                2f32.powi(-26),
                1.5 * 2f32.powi(-25),
                f32::INFINITY,
                -f32::INFINITY,
                f32::NAN,
            ]);
            let mut rng = Xoshiro256Plus::seed_from_u64(16);
            singles.extend((0..1_000_000).map(|_| f32::from_bits(rng.gen())));
            for x in singles {
                let (rounded, _) = processor(x, 0);
                assert_eq!(to_half(x), rounded, "single {x:e} ({:#010x})", x.to_bits());
            }
        }
    }

    /// The AVX2 sums are the plain sums, bit for bit, for every row length from 1 to 140 (so every block of
    /// groups and a padded last group are used), and both are the fused multiply-adds of the widened values
    /// (with 30 entries, more than the rows asked for ahead).
    #[test]
    fn sums_of_half_rows_are_the_plain_sums() {
        let mut rng = Xoshiro256Plus::seed_from_u64(7);
        for cols in 1..=140 {
            let m = Array2::from_shape_fn((50, cols), |_| rng.gen_range(-1.0f32..1.0));
            let b = HalfMatrix::from_f32(&m);
            let indices: Vec<u32> = (0..30).map(|_| rng.gen_range(0..50u32)).collect();
            let values: Vec<f32> = (0..30).map(|_| rng.gen_range(0.0f32..1.0)).collect();
            let mut by_hand = vec![0f32; cols];
            for (&j, &w) in indices.iter().zip(&values) {
                for (c, sum) in by_hand.iter_mut().enumerate() {
                    *sum = w.mul_add(b.get(j as usize, c), *sum);
                }
            }
            let (mut plain, mut fast) = (vec![f32::NAN; cols], vec![f32::NAN; cols]);
            sum_rows_plain(&mut plain, &indices, &values, &b);
            sum_rows(&mut fast, &indices, &values, &b);
            let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&plain), bits(&by_hand), "{cols} columns");
            assert_eq!(bits(&fast), bits(&by_hand), "{cols} columns");
        }
    }

    /// Rounding a row at a time (eight values at once where the processor can) gives [`to_half`]'s bits,
    /// for every length up to past two groups.
    #[test]
    fn rows_round_as_values_do() {
        let mut rng = Xoshiro256Plus::seed_from_u64(5);
        for n in 0..20 {
            let from: Vec<f32> = (0..n).map(|_| f32::from_bits(rng.gen())).collect();
            let mut to = vec![0u16; n];
            round_into(&mut to, &from);
            let one_by_one: Vec<u16> = from.iter().map(|&x| to_half(x)).collect();
            assert_eq!(to, one_by_one, "{n} values");
        }
    }

    /// Rounding keeps 11 significant bits: every value within 1 part in 2,048 of the single it came from.
    #[test]
    fn rounding_is_within_half_an_ulp() {
        let mut rng = Xoshiro256Plus::seed_from_u64(3);
        for _ in 0..100_000 {
            let x: f32 = rng.gen_range(-1000.0f32..1000.0);
            if x.abs() < 1e-3 {
                continue;
            }
            let back = to_single(to_half(x));
            assert!(((back - x) / x).abs() <= 1.0 / 2048.0, "{x} -> {back}");
        }
    }

    /// Filling by blocks writes each row where it belongs, and the padding stays zero.
    #[test]
    fn blocks_fill_their_rows() {
        let mut m = HalfMatrix::zeros(10, 3);
        m.fill_blocks(4, |first, values| {
            for (k, v) in values.iter_mut().enumerate() {
                *v = (first * 3 + k) as f32;
            }
        });
        for i in 0..10 {
            for j in 0..3 {
                assert_eq!(m.get(i, j), (i * 3 + j) as f32);
            }
            assert!(m.bits[i * m.stride + 3..(i + 1) * m.stride]
                .iter()
                .all(|&h| h == 0));
        }
    }
}
