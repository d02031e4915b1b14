//! The statistics of comparisons: Wilson intervals for shares, the chi-square test of independence (and a
//! permutation test where expected counts are small), and keyness by log-likelihood (G²) with Log Ratio.
//! Written by hand: each is a few lines, and the one special function (the regularised gamma) does not
//! justify a linear-algebra dependency.

use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_xoshiro::Xoshiro256Plus;

/// 95 % Wilson score interval for `x` successes in `n` trials.
pub fn wilson(x: usize, n: usize) -> (f64, f64) {
    if n == 0 {
        return (0.0, 1.0);
    }
    let (n, p, z) = (n as f64, x as f64 / n as f64, 1.959_963_984_540_054);
    let denom = 1.0 + z * z / n;
    let centre = (p + z * z / (2.0 * n)) / denom;
    let half = z * (p * (1.0 - p) / n + z * z / (4.0 * n * n)).sqrt() / denom;
    ((centre - half).max(0.0), (centre + half).min(1.0))
}

/// ln Γ(x) by Lanczos (g = 7, n = 9).
fn ln_gamma(x: f64) -> f64 {
    const C: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        return (std::f64::consts::PI / (std::f64::consts::PI * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let t = x + 7.5;
    let sum: f64 = C[0] + (1..9).map(|i| C[i] / (x + i as f64)).sum::<f64>();
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + sum.ln()
}

/// Upper regularised incomplete gamma Q(a, x), by series below a + 1 and continued fraction above.
fn gamma_q(a: f64, x: f64) -> f64 {
    if x <= 0.0 {
        return 1.0;
    }
    let lead = (-x + a * x.ln() - ln_gamma(a)).exp();
    if x < a + 1.0 {
        let (mut term, mut sum, mut ap) = (1.0 / a, 1.0 / a, a);
        for _ in 0..1000 {
            ap += 1.0;
            term *= x / ap;
            sum += term;
            if term.abs() < sum.abs() * 1e-15 {
                break;
            }
        }
        (1.0 - sum * lead).clamp(0.0, 1.0)
    } else {
        let tiny = 1e-300;
        let (mut b, mut c, mut d) = (x + 1.0 - a, 1.0 / tiny, 1.0 / (x + 1.0 - a));
        let mut h = d;
        for i in 1..1000 {
            let an = -(i as f64) * (i as f64 - a);
            b += 2.0;
            d = an * d + b;
            d = if d.abs() < tiny { tiny } else { d };
            c = b + an / c;
            c = if c.abs() < tiny { tiny } else { c };
            d = 1.0 / d;
            let delta = d * c;
            h *= delta;
            if (delta - 1.0).abs() < 1e-15 {
                break;
            }
        }
        (lead * h).clamp(0.0, 1.0)
    }
}

/// P(χ² ≥ x) with `df` degrees of freedom.
pub fn chi2_sf(x: f64, df: usize) -> f64 {
    if df == 0 {
        return 1.0;
    }
    gamma_q(df as f64 / 2.0, x / 2.0)
}

/// A test of whether the groups' theme mixes differ.
#[derive(Debug, Clone, serde::Serialize)]
pub struct IndependenceTest {
    /// `chi-square` or `permutation`.
    pub method: String,
    pub statistic: f64,
    pub df: usize,
    pub p_value: f64,
    /// Permutations drawn (0 for the chi-square test).
    pub permutations: usize,
}

/// Pearson's chi-square statistic of a table (rows and columns that are all zero are left out) and its df.
pub fn chi_square(table: &[Vec<usize>]) -> (f64, usize) {
    let rows: Vec<&Vec<usize>> = table
        .iter()
        .filter(|r| r.iter().sum::<usize>() > 0)
        .collect();
    let n_cols = rows.first().map_or(0, |r| r.len());
    let cols: Vec<usize> = (0..n_cols)
        .filter(|&j| rows.iter().any(|r| r[j] > 0))
        .collect();
    let total: f64 = rows.iter().flat_map(|r| r.iter()).sum::<usize>() as f64;
    if rows.len() < 2 || cols.len() < 2 {
        return (0.0, 0);
    }
    let row_sums: Vec<f64> = rows
        .iter()
        .map(|r| r.iter().sum::<usize>() as f64)
        .collect();
    let col_sums: Vec<f64> = cols
        .iter()
        .map(|&j| rows.iter().map(|r| r[j]).sum::<usize>() as f64)
        .collect();
    let mut stat = 0.0;
    for (r, rs) in rows.iter().zip(&row_sums) {
        for (&j, cs) in cols.iter().zip(&col_sums) {
            let expected = rs * cs / total;
            stat += (r[j] as f64 - expected).powi(2) / expected;
        }
    }
    (stat, (rows.len() - 1) * (cols.len() - 1))
}

/// Whether the chi-square approximation is unsafe: more than a fifth of expected counts below 5.
fn small_expected(table: &[Vec<usize>]) -> bool {
    let total: usize = table.iter().flatten().sum();
    let row_sums: Vec<usize> = table.iter().map(|r| r.iter().sum()).collect();
    let n_cols = table.first().map_or(0, Vec::len);
    let col_sums: Vec<usize> = (0..n_cols)
        .map(|j| table.iter().map(|r| r[j]).sum())
        .collect();
    let cells: Vec<f64> = row_sums
        .iter()
        .filter(|&&r| r > 0)
        .flat_map(|&r| {
            col_sums
                .iter()
                .filter(|&&c| c > 0)
                .map(move |&c| (r * c) as f64 / total.max(1) as f64)
        })
        .collect();
    cells.iter().filter(|&&e| e < 5.0).count() * 5 > cells.len()
}

/// Tests independence of group and theme from per-article (group, theme) indices: chi-square, or a
/// permutation test (themes shuffled across articles, fixed seed) when expected counts are small.
pub fn independence(
    groups: &[usize],
    themes: &[usize],
    n_groups: usize,
    n_themes: usize,
    seed: u64,
) -> IndependenceTest {
    let table = |themes: &[usize]| {
        let mut t = vec![vec![0usize; n_themes]; n_groups];
        for (&g, &th) in groups.iter().zip(themes) {
            t[g][th] += 1;
        }
        t
    };
    let observed = table(themes);
    let (stat, df) = chi_square(&observed);
    if !small_expected(&observed) || df == 0 {
        return IndependenceTest {
            method: "chi-square".into(),
            statistic: stat,
            df,
            p_value: chi2_sf(stat, df),
            permutations: 0,
        };
    }
    const PERMUTATIONS: usize = 9999;
    let mut rng = Xoshiro256Plus::seed_from_u64(seed);
    let mut shuffled = themes.to_vec();
    let mut as_extreme = 0;
    for _ in 0..PERMUTATIONS {
        shuffled.shuffle(&mut rng);
        if chi_square(&table(&shuffled)).0 >= stat - 1e-12 {
            as_extreme += 1;
        }
    }
    IndependenceTest {
        method: "permutation".into(),
        statistic: stat,
        df,
        p_value: (as_extreme + 1) as f64 / (PERMUTATIONS + 1) as f64,
        permutations: PERMUTATIONS,
    }
}

/// Fisher's exact test of the 2×2 table `[[a, b], [c, d]]`, two-sided: the probability, the margins held
/// fixed, of the tables no more likely than this one (as R's `fisher.test`). Exact where intervals and
/// chi-square are not: one article of one is no evidence, however far its share lies from the rest's.
pub fn fisher_exact(a: usize, b: usize, c: usize, d: usize) -> f64 {
    let (row, col, n) = (a + b, a + c, a + b + c + d);
    let ln_choose = |n: usize, k: usize| {
        ln_gamma(n as f64 + 1.0) - ln_gamma(k as f64 + 1.0) - ln_gamma((n - k) as f64 + 1.0)
    };
    let ln_p = |x: usize| ln_choose(col, x) + ln_choose(n - col, row - x) - ln_choose(n, row);
    let observed = ln_p(a);
    let p: f64 = (row.saturating_sub(n - col)..=row.min(col))
        .map(ln_p)
        .filter(|&l| l <= observed + 1e-7)
        .map(f64::exp)
        .sum();
    p.min(1.0)
}

/// Log-likelihood G² of a word seen `a` times in a target of `c` words and `b` times in a reference of `d`.
pub fn log_likelihood(a: f64, b: f64, c: f64, d: f64) -> f64 {
    let e1 = c * (a + b) / (c + d);
    let e2 = d * (a + b) / (c + d);
    let term = |o: f64, e: f64| if o > 0.0 { o * (o / e).ln() } else { 0.0 };
    2.0 * (term(a, e1) + term(b, e2))
}

/// Log Ratio (Hardie 2014): binary log of the ratio of relative frequencies, zero counts taken as 0.5.
pub fn log_ratio(a: f64, b: f64, c: f64, d: f64) -> f64 {
    ((a.max(0.5) / c) / (b.max(0.5) / d)).log2()
}
