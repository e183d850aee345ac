//! Criterion benchmark of the Sérsic renderer (seed 001): one 64 × 64 image, fast path vs the
//! brute-force reference, and one galaxy at the thesis's four inclinations.
//! The side-by-side comparison with the thesis's numpy cube is `bench/sersic_vs_numpy.py`.

use criterion::{Criterion, criterion_group, criterion_main};
use galaxy_lab::prelude::*;
use std::hint::black_box;

fn bench(c: &mut Criterion) {
    let m = SersicDisc::new(0.5, 1.3, 14.0, 0.4)
        .unwrap()
        .model()
        .unwrap();
    let grid = Grid::default();
    let v = View::inclined(60.0).unwrap();
    let views: Vec<View> = [0.0, 30.0, 60.0, 90.0]
        .iter()
        .map(|&i| View::inclined(i).unwrap())
        .collect();
    c.bench_function("render 64x64 (gaussian mixture)", |b| {
        b.iter(|| render(black_box(&m), &v, &grid).unwrap())
    });
    c.bench_function("render 4 inclinations 64x64", |b| {
        b.iter(|| render_views(black_box(&m), &views, &grid).unwrap())
    });
    let mut g = c.benchmark_group("reference");
    g.sample_size(10);
    g.bench_function("render 64x64 (brute-force quadrature)", |b| {
        b.iter(|| render_reference(black_box(&m), &v, &grid).unwrap())
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
