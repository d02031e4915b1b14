//! Correspondence analysis of a table of counts (groups × words), as KH Coder draws it: rows and columns
//! on one map, where a county lies near the words it writes more than the others do. Classical CA
//! (Benzécri; Greenacre, *Correspondence Analysis in Practice*): the SVD of the standardised residuals
//! `D_r^-½ (P − r cᵀ) D_c^-½`, both sides in principal coordinates (the "symmetric map").

use linfa_linalg::svd::{SvdSort, SVD};
use ndarray::{Array2, Axis};

/// A row or column of the table on the map.
#[derive(Debug, Clone, serde::Serialize)]
pub struct MapPoint {
    pub label: String,
    /// Its share of the table's total count.
    pub mass: f64,
    /// Principal coordinates on the first two axes.
    pub x: f64,
    pub y: f64,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct Correspondence {
    pub rows: Vec<MapPoint>,
    pub columns: Vec<MapPoint>,
    /// The table's total inertia (its chi-square statistic over its total count).
    pub total_inertia: f64,
    /// Share of the total inertia on each of the two axes drawn.
    pub explained: [f64; 2],
}

/// The CA of `counts` (rows × columns), or `None` when the table has fewer than three rows or columns
/// with a count, or no association to draw (every row has the same profile).
pub fn analyse(
    counts: &Array2<f64>,
    row_labels: &[String],
    column_labels: &[String],
) -> Option<Correspondence> {
    let total = counts.sum();
    if total.is_nan() || total <= 0.0 {
        return None;
    }
    let row_mass = counts.sum_axis(Axis(1)) / total;
    let column_mass = counts.sum_axis(Axis(0)) / total;
    let nonzero = |m: &ndarray::Array1<f64>| m.iter().filter(|&&v| v > 0.0).count();
    if nonzero(&row_mass) < 3 || nonzero(&column_mass) < 3 {
        return None;
    }
    let residuals = Array2::from_shape_fn(counts.dim(), |(i, j)| {
        let (r, c) = (row_mass[i], column_mass[j]);
        if r > 0.0 && c > 0.0 {
            (counts[[i, j]] / total - r * c) / (r * c).sqrt()
        } else {
            0.0
        }
    });
    let (u, sigma, vt) = residuals.svd(true, true).ok()?.sort_svd_desc();
    let (mut u, mut vt) = (u?, vt?);
    let total_inertia: f64 = sigma.iter().map(|s| s * s).sum();
    if sigma.len() < 2 || total_inertia <= f64::EPSILON {
        return None;
    }
    for axis in 0..2 {
        orient(&mut u, &mut vt, axis);
    }
    let coordinate = |vector: f64, mass: f64, axis: usize| match mass > 0.0 {
        true => vector * sigma[axis] / mass.sqrt(),
        false => 0.0,
    };
    let rows = (0..counts.nrows())
        .map(|i| MapPoint {
            label: row_labels[i].clone(),
            mass: row_mass[i],
            x: coordinate(u[[i, 0]], row_mass[i], 0),
            y: coordinate(u[[i, 1]], row_mass[i], 1),
        })
        .collect();
    let columns = (0..counts.ncols())
        .map(|j| MapPoint {
            label: column_labels[j].clone(),
            mass: column_mass[j],
            x: coordinate(vt[[0, j]], column_mass[j], 0),
            y: coordinate(vt[[1, j]], column_mass[j], 1),
        })
        .collect();
    Some(Correspondence {
        rows,
        columns,
        total_inertia,
        explained: [
            sigma[0] * sigma[0] / total_inertia,
            sigma[1] * sigma[1] / total_inertia,
        ],
    })
}

/// An axis's sign is arbitrary: it is turned so that its largest column loading is positive, so that the
/// same table always draws the same map.
fn orient(u: &mut Array2<f64>, vt: &mut Array2<f64>, axis: usize) {
    let largest =
        vt.row(axis).iter().copied().fold(
            0.0_f64,
            |best, v| if v.abs() > best.abs() { v } else { best },
        );
    if largest < 0.0 {
        u.column_mut(axis).mapv_inplace(|v| -v);
        vt.row_mut(axis).mapv_inplace(|v| -v);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(prefix: &str, n: usize) -> Vec<String> {
        (0..n).map(|i| format!("{prefix}{i}")).collect()
    }

    /// Greenacre's smoking table (staff groups × smoking), the example of R's `ca` package: principal
    /// inertias 0.07476 and 0.01002 of 0.08519 (87.8 % and 11.8 %).
    #[test]
    fn the_smoking_table_gives_its_published_inertias() {
        let smoke = ndarray::array![
            [4.0, 2.0, 3.0, 2.0],
            [4.0, 3.0, 7.0, 4.0],
            [25.0, 10.0, 12.0, 4.0],
            [18.0, 24.0, 33.0, 13.0],
            [10.0, 6.0, 7.0, 2.0]
        ];
        let ca = analyse(&smoke, &labels("r", 5), &labels("c", 4)).unwrap();
        assert!((ca.total_inertia - 0.08519).abs() < 1e-5, "{ca:?}");
        assert!(
            (ca.explained[0] * ca.total_inertia - 0.07476).abs() < 1e-5,
            "{ca:?}"
        );
        assert!(
            (ca.explained[1] * ca.total_inertia - 0.01002).abs() < 1e-5,
            "{ca:?}"
        );
        // The inertia of an axis is the mass-weighted sum of squared principal coordinates.
        let axis_inertia: f64 = ca.rows.iter().map(|p| p.mass * p.x * p.x).sum();
        assert!((axis_inertia - 0.07476).abs() < 1e-5);
        // Senior employees (SE), more non-smokers, against junior employees (JE), more smokers.
        assert!(ca.rows[2].x * ca.rows[3].x < 0.0, "{:?}", ca.rows);
        // The transition formula: a row is the average of the columns by its profile, over √λ.
        let sqrt_lambda = (ca.explained[0] * ca.total_inertia).sqrt();
        for (i, row) in ca.rows.iter().enumerate() {
            let total: f64 = smoke.row(i).sum();
            let average: f64 = (0..4)
                .map(|j| smoke[[i, j]] / total * ca.columns[j].x)
                .sum();
            assert!((row.x - average / sqrt_lambda).abs() < 1e-9, "{i}");
        }
    }

    #[test]
    fn a_table_without_association_or_too_small_has_no_map() {
        let same_profiles = ndarray::array![[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [3.0, 6.0, 9.0]];
        assert!(analyse(&same_profiles, &labels("r", 3), &labels("c", 3)).is_none());
        let two_rows = ndarray::array![[1.0, 2.0, 3.0], [3.0, 1.0, 2.0]];
        assert!(analyse(&two_rows, &labels("r", 2), &labels("c", 3)).is_none());
    }
}
