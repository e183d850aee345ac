//! The interleaved timer the convolution profiles share (`compact_layer_profile`,
//! `conv_backward_profile`): the same work timed under burn-flex's own convolution formulations
//! (`set_generic(true)`) and under galaxy-lab's patch, alternating round by round so that drift on
//! a shared machine hits both alike. Examples only: `set_generic` exists in the vendored burn-flex,
//! which a crate depending on galaxy-lab does not get.

use burn_flex::ops::conv_backward::set_generic;
use galaxy_lab::train::step_timing;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Medians over `rounds` rounds of `step_timing::median_ms(steps, f)`, generic then patched in
/// each round: `(generic ms, patched ms)`. Leaves the patched formulation selected.
pub fn generic_vs_patched(rounds: usize, steps: usize, mut f: impl FnMut()) -> (f64, f64) {
    let (mut generic, mut patched) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        for (flag, times) in [(true, &mut generic), (false, &mut patched)] {
            set_generic(flag);
            times.push(step_timing::median_ms(steps, &mut f).expect("steps ≥ 1"));
        }
    }
    set_generic(false);
    (median(generic), median(patched))
}
