//! Criterion benchmark of the pair simulator (seed 000): particle-steps per second on one core
//! (target ≥ 40 M), the full run of 40,000 particles to pericentre, and rendering many views.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use galaxy_lab::sim::pair::*;
use std::hint::black_box;

fn bench(c: &mut Criterion) {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    let config = PairConfig::galmer(
        Morphology::GSa,
        Morphology::GSb,
        MassRatio::OneToOne,
        1,
        45.0,
        Spin::Prograde,
    )
    .unwrap()
    .with_particles(40_000);
    let sim = SimConfig::default();
    let enc = Encounter::new(config, sim).unwrap();
    // 100 steps of 0.5 Myr.
    let steps = 100u64;
    let mut g = c.benchmark_group("pair simulator, one core");
    g.sample_size(10);
    g.throughput(Throughput::Elements(steps * 40_000));
    g.bench_function(
        "40k particles x 100 steps (elements = particle-steps)",
        |b| {
            b.iter(|| pool.install(|| evolve(black_box(&enc.system), &sim, &[50.0], None).unwrap()))
        },
    );
    g.finish();
    let mut g = c.benchmark_group("pair simulator, one core, to pericentre");
    g.sample_size(10);
    g.bench_function("40k particles to pericentre (+ set-up)", |b| {
        b.iter(|| pool.install(|| enc.at_pericentre().unwrap()))
    });
    g.finish();
    let snap = enc.at_pericentre().unwrap();
    let views: Vec<ViewAngles> = (-90..=90)
        .step_by(15)
        .map(|t| ViewAngles::new(t as f64, 0.0).unwrap())
        .collect();
    let mut g = c.benchmark_group("pair renderer, one core");
    g.sample_size(10);
    g.throughput(Throughput::Elements(views.len() as u64));
    g.bench_function("13 views of 40k particles, 128x128", |b| {
        b.iter(|| {
            pool.install(|| {
                render_views(black_box(&snap), &views, &RenderConfig::with_size(128)).unwrap()
            })
        })
    });
    g.bench_function("13 views of 40k particles, 450x450", |b| {
        b.iter(|| {
            pool.install(|| {
                render_views(black_box(&snap), &views, &RenderConfig::default()).unwrap()
            })
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
