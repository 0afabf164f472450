//! Multinomial logistic regression (softmax), L2-regularised, fitted by Nesterov-accelerated full-batch
//! gradient descent: no randomness, a fixed order of operations, so the same data gives the same weights.

use serde::{Deserialize, Serialize};

/// A fitted linear head: `softmax(weights · x + bias)` over `labels`. Features are used raw (the
/// standardisation used while fitting is folded into the weights).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Head {
    pub labels: Vec<String>,
    /// Length of the embedding at the start of the feature vector (0: none).
    pub embedding_dims: usize,
    /// Names of the lexicon and syntax features that follow the embedding (empty: embedding only).
    pub features: Vec<String>,
    /// One row per label, `embedding_dims + features.len()` long.
    pub weights: Vec<Vec<f64>>,
    pub bias: Vec<f64>,
    /// A label other than `none` counts only when its probability is at least this.
    pub threshold: f64,
}

impl Head {
    pub fn width(&self) -> usize {
        self.embedding_dims + self.features.len()
    }

    /// Probabilities over `labels`.
    pub fn probabilities(&self, x: &[f64]) -> Vec<f64> {
        let logits: Vec<f64> =
            self.weights.iter().zip(&self.bias).map(|(w, b)| b + w.iter().zip(x).map(|(a, b)| a * b).sum::<f64>()).collect();
        softmax(&logits)
    }
}

pub(crate) fn softmax(logits: &[f64]) -> Vec<f64> {
    let max = logits.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let exp: Vec<f64> = logits.iter().map(|l| (l - max).exp()).collect();
    let sum: f64 = exp.iter().sum();
    exp.iter().map(|e| e / sum).collect()
}

/// How a head is fitted.
#[derive(Debug, Clone, Copy)]
pub struct FitOptions {
    /// L2 penalty on the (standardised) weights, per sample: loss = mean cross-entropy + λ/2 |W|².
    pub l2: f64,
    pub max_iterations: usize,
    /// Stop when the gradient's largest component falls below this.
    pub tolerance: f64,
}

impl Default for FitOptions {
    fn default() -> Self {
        FitOptions { l2: 0.01, max_iterations: 1500, tolerance: 1e-5 }
    }
}

/// Fits weights for `x` (rows of equal length) and labels `y` (indices below `classes`). Returns
/// `(weights, bias)` for raw features.
pub(crate) fn fit(x: &[Vec<f64>], y: &[usize], classes: usize, options: FitOptions) -> (Vec<Vec<f64>>, Vec<f64>) {
    let n = x.len();
    let d = x.first().map_or(0, Vec::len);
    if n == 0 {
        return (vec![vec![0.0; d]; classes], vec![0.0; classes]);
    }
    // Standardise each feature (constant ones keep scale 1).
    let mut mean = vec![0.0; d];
    for row in x {
        for (m, v) in mean.iter_mut().zip(row) {
            *m += v;
        }
    }
    mean.iter_mut().for_each(|m| *m /= n as f64);
    let mut scale = vec![0.0; d];
    for row in x {
        for ((s, v), m) in scale.iter_mut().zip(row).zip(&mean) {
            *s += (v - m) * (v - m);
        }
    }
    scale.iter_mut().for_each(|s| {
        let sd = (*s / n as f64).sqrt();
        *s = if sd > 1e-9 { sd } else { 1.0 };
    });
    let z: Vec<Vec<f64>> =
        x.iter().map(|row| row.iter().zip(&mean).zip(&scale).map(|((v, m), s)| (v - m) / s).collect()).collect();

    // Step 1/L with L bounding the loss's curvature: ½ λmax(ZᵀZ/n, bias column included) + λ.
    let lipschitz = 0.5 * top_eigenvalue(&z) + options.l2;
    let step = 1.0 / lipschitz;

    let width = d + 1; // last column: bias
    let mut w = vec![vec![0.0; width]; classes];
    let mut previous = w.clone();
    let mut momentum_t: f64 = 1.0;
    for _ in 0..options.max_iterations {
        // Look-ahead point of Nesterov's method.
        let t_next = (1.0 + (1.0 + 4.0 * momentum_t * momentum_t).sqrt()) / 2.0;
        let beta = (momentum_t - 1.0) / t_next;
        let look: Vec<Vec<f64>> = w
            .iter()
            .zip(&previous)
            .map(|(a, b)| a.iter().zip(b).map(|(a, b)| a + beta * (a - b)).collect())
            .collect();
        let grad = gradient(&z, y, &look, options.l2);
        let largest = grad.iter().flatten().fold(0.0f64, |m, g| m.max(g.abs()));
        previous = std::mem::take(&mut w);
        w = look.iter().zip(&grad).map(|(a, g)| a.iter().zip(g).map(|(a, g)| a - step * g).collect()).collect();
        momentum_t = t_next;
        if largest < options.tolerance {
            break;
        }
    }
    // Fold the standardisation into raw-feature weights.
    let weights: Vec<Vec<f64>> = w.iter().map(|row| row[..d].iter().zip(&scale).map(|(a, s)| a / s).collect()).collect();
    let bias: Vec<f64> = w
        .iter()
        .zip(&weights)
        .map(|(row, raw)| row[d] - raw.iter().zip(&mean).map(|(a, m)| a * m).sum::<f64>())
        .collect();
    (weights, bias)
}

/// Gradient of mean cross-entropy + λ/2 |W|² (bias, the last column, not penalised).
fn gradient(z: &[Vec<f64>], y: &[usize], w: &[Vec<f64>], l2: f64) -> Vec<Vec<f64>> {
    let n = z.len() as f64;
    let d = w[0].len() - 1;
    let mut grad = vec![vec![0.0; d + 1]; w.len()];
    for (row, &label) in z.iter().zip(y) {
        let logits: Vec<f64> = w.iter().map(|wc| wc[d] + wc[..d].iter().zip(row).map(|(a, b)| a * b).sum::<f64>()).collect();
        let p = softmax(&logits);
        for (c, g) in grad.iter_mut().enumerate() {
            let err = p[c] - if c == label { 1.0 } else { 0.0 };
            if err != 0.0 {
                for (gj, zj) in g[..d].iter_mut().zip(row) {
                    *gj += err * zj;
                }
                g[d] += err;
            }
        }
    }
    for (g, wc) in grad.iter_mut().zip(w) {
        for (j, gj) in g.iter_mut().enumerate() {
            *gj /= n;
            if j < d {
                *gj += l2 * wc[j];
            }
        }
    }
    grad
}

/// Largest eigenvalue of [Z 1]ᵀ[Z 1]/n by power iteration from a fixed start.
fn top_eigenvalue(z: &[Vec<f64>]) -> f64 {
    let n = z.len() as f64;
    let d = z[0].len() + 1;
    let mut v = vec![1.0 / (d as f64).sqrt(); d];
    let mut value = 1.0;
    for _ in 0..50 {
        let mut next = vec![0.0; d];
        for row in z {
            let dot = row.iter().zip(&v).map(|(a, b)| a * b).sum::<f64>() + v[d - 1];
            for (nj, zj) in next.iter_mut().zip(row) {
                *nj += dot * zj;
            }
            next[d - 1] += dot;
        }
        next.iter_mut().for_each(|x| *x /= n);
        let norm = next.iter().map(|x| x * x).sum::<f64>().sqrt();
        if norm == 0.0 {
            return 1.0;
        }
        value = norm;
        v = next.into_iter().map(|x| x / norm).collect();
    }
    value * 1.01
}

/// `x` to `digits` significant digits (keeps the weights file small and its text stable).
pub(crate) fn round_sig(x: f64, digits: i32) -> f64 {
    if x == 0.0 || !x.is_finite() {
        return 0.0;
    }
    let magnitude = x.abs().log10().floor() as i32;
    let factor = 10f64.powi(digits - 1 - magnitude);
    (x * factor).round() / factor
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn separates_three_clusters_deterministically() {
        let centres = [[2.0, 0.0], [-1.0, 1.7], [-1.0, -1.7]];
        let mut x = Vec::new();
        let mut y = Vec::new();
        for (label, c) in centres.iter().enumerate() {
            for i in 0..20 {
                let jitter = (i as f64 * 0.37).sin() * 0.4;
                x.push(vec![c[0] + jitter, c[1] - jitter, 1.0]);
                y.push(label);
            }
        }
        let (w, b) = fit(&x, &y, 3, FitOptions::default());
        let head = Head {
            labels: vec!["a".into(), "b".into(), "c".into()],
            embedding_dims: 3,
            features: vec![],
            weights: w.clone(),
            bias: b.clone(),
            threshold: 0.5,
        };
        for (row, &label) in x.iter().zip(&y) {
            let p = head.probabilities(row);
            let best = (0..3).max_by(|&i, &j| p[i].total_cmp(&p[j])).unwrap();
            assert_eq!(best, label);
        }
        assert_eq!(fit(&x, &y, 3, FitOptions::default()), (w, b));
    }

    #[test]
    fn rounds_to_significant_digits() {
        assert_eq!(round_sig(0.000123456, 4), 0.0001235);
        assert_eq!(round_sig(-98765.4, 3), -98800.0);
        assert_eq!(round_sig(0.0, 4), 0.0);
    }
}
