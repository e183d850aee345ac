//! Adaptive Gauss–Kronrod (7/15) quadrature on finite intervals. Used as the brute-force
//! reference for images (not on the fast path), so it favours robustness over speed.

const XGK: [f64; 8] = [
    0.991_455_371_120_812_6,
    0.949_107_912_342_758_5,
    0.864_864_423_359_769_1,
    0.741_531_185_599_394_4,
    0.586_087_235_467_691_1,
    0.405_845_151_377_397_2,
    0.207_784_955_007_898_5,
    0.0,
];
const WGK: [f64; 8] = [
    0.022_935_322_010_529_22,
    0.063_092_092_629_978_55,
    0.104_790_010_322_250_2,
    0.140_653_259_715_525_9,
    0.169_004_726_639_267_9,
    0.190_350_578_064_785_4,
    0.204_432_940_075_298_9,
    0.209_482_141_084_727_8,
];
const WG: [f64; 4] = [
    0.129_484_966_168_869_7,
    0.279_705_391_489_276_7,
    0.381_830_050_505_118_9,
    0.417_959_183_673_469_4,
];

fn gk15<F: Fn(f64) -> f64>(f: &F, a: f64, b: f64) -> (f64, f64) {
    let c = 0.5 * (a + b);
    let h = 0.5 * (b - a);
    let fc = f(c);
    let mut k = fc * WGK[7];
    let mut g = fc * WG[3];
    for j in 0..7 {
        let dx = h * XGK[j];
        let s = f(c - dx) + f(c + dx);
        k += WGK[j] * s;
        if j % 2 == 1 {
            g += WG[j / 2] * s;
        }
    }
    (k * h, ((k - g) * h).abs())
}

/// ∫ f over [a, b] by adaptive bisection until the estimated error of every piece is below
/// `abs_tol` scaled by its share of the interval, or `max_depth` halvings were used.
pub fn integrate<F: Fn(f64) -> f64>(f: &F, a: f64, b: f64, abs_tol: f64, max_depth: u32) -> f64 {
    fn rec<F: Fn(f64) -> f64>(f: &F, a: f64, b: f64, tol: f64, depth: u32) -> f64 {
        let (v, e) = gk15(f, a, b);
        if e <= tol || depth == 0 || (b - a).abs() < 1e-14 * (a.abs() + b.abs()).max(1e-300) {
            v
        } else {
            let m = 0.5 * (a + b);
            rec(f, a, m, 0.5 * tol, depth - 1) + rec(f, m, b, 0.5 * tol, depth - 1)
        }
    }
    if b <= a {
        return 0.0;
    }
    rec(f, a, b, abs_tol, max_depth)
}

/// ∫ f over [a, b] with extra break points (cusps, peaks) at which the interval is split first.
pub fn integrate_with_breaks<F: Fn(f64) -> f64>(
    f: &F,
    a: f64,
    b: f64,
    breaks: &[f64],
    abs_tol: f64,
) -> f64 {
    let mut pts = vec![a];
    pts.extend(breaks.iter().copied().filter(|&p| p > a && p < b));
    pts.push(b);
    pts.sort_by(|x, y| x.total_cmp(y));
    let n = (pts.len() - 1) as f64;
    pts.windows(2)
        .map(|w| integrate(f, w[0], w[1], abs_tol / n, 40))
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integrates_known_functions() {
        let v = integrate(&|x: f64| (-x * x).exp(), -10.0, 10.0, 1e-14, 40);
        assert!((v - std::f64::consts::PI.sqrt()).abs() < 1e-13, "{v}");
        // A cusp at 0 handled by a break point: ∫_{-1}^{1} sqrt|x| dx = 4/3.
        let v = integrate_with_breaks(&|x: f64| x.abs().sqrt(), -1.0, 1.0, &[0.0], 1e-13);
        assert!((v - 4.0 / 3.0).abs() < 1e-11, "{v}");
    }
}
