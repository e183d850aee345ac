import sys; sys.path.insert(0, "scripts")
from nb import write
write("notebooks/03_interacting_pairs.ipynb", [
("md", r"""
# 03 · Interacting galaxy pairs: our stand-in for GalMer

Seed 000 (Prakash et al. 2020) trained its networks on images from **GalMer**, a library of N-body + SPH simulations of galaxy pairs (1:1 gSa/gSb at pericentre). GalMer cannot be downloaded on our machines, so galaxy-lab simulates interacting pairs itself, in the spirit of Toomre & Toomre (1972): each galaxy is a **rigid, softened potential** (bulge + dark halo + Miyamoto–Nagai disc) that carries **massless test particles**; the two centres move on their mutual orbit (optionally with Chandrasekhar dynamical friction) and every particle feels both potentials. A kick–drift–kick leapfrog integrates everything.

This notebook shows the ingredients and the images: the galaxy types, the orbit grid, the geometry of seed 000's Fig. 1, one encounter in time, the same encounter from several viewing angles θ, the relative inclination *i*, prograde vs retrograde tails, and the two-class dataset.

**Which numbers you see.** Under `make test` this runs in *quick* mode (5,000 particles, 128-pixel renders); full mode uses 20,000 particles and GalMer's 450-pixel images. The physics checks (energy conservation, Kepler pericentre, disc stability, Toomre's prograde/retrograde contrast) are tests in `tests/pairs.rs`.
"""),
("code", ':dep galaxy-lab = { path = ".." }'),
("code", r"""
use galaxy_lab::prelude::*;
use galaxy_lab::sim::pair::VELOCITY_UNIT_KMS;
let session = setup();
let mode = session.mode;
let particles: usize = mode.pick(5_000, 20_000);
let size: usize = mode.pick(128, 450);
let rcfg = RenderConfig::with_size(size);
"""),
("md", r"""
## 1 · Galaxy types (GalMer-like units: mass unit 2.3·10⁹ M☉, kpc)

Each giant galaxy has a bulge, a halo and (for spirals) a disc. **Notice** the gSa's heavier bulge and the gSb's more massive disc — the difference that makes their tidal features differ.
"""),
("code", r"""
let types_table = {
let mut t = Table::new("Giant galaxy models", &["type", "total mass [2.3e9 Msun]", "stellar mass", "v_circ(10 kpc) [km/s]"]);
for m in Morphology::ALL {
    let g = GalaxyModel::giant(m);
    t.push_row(&[m.name().to_string(), format!("{:.1}", g.mass()), format!("{:.1}", g.stellar_mass()),
        format!("{:.0}", g.circular_velocity(10.0) * VELOCITY_UNIT_KMS)])?;
}
t
};
"""),
("code", r"""
{ types_table.clone() }
"""),
("md", r"""
## 2 · The orbit grid

Like GalMer, orbits are set by the initial separation (100 kpc), the pericentre distance of the equivalent point-mass orbit and the orbital energy (0 = parabolic, > 0 hyperbolic): 3 pericentres × 4 energies = 12 orbit types.
"""),
("code", r"""
let orbit_table = {
let mut t = Table::new("Orbit types", &["id", "r_ini [kpc]", "r_peri [kpc]", "energy [v-units²]", "v_∞ [km/s]"]);
for (id, o) in OrbitSpec::grid() {
    t.push_row(&[id.to_string(), format!("{}", o.r_ini), format!("{}", o.r_peri), format!("{}", o.energy), format!("{:.0}", o.v_infinity_kms())])?;
}
t
};
"""),
("code", r"""
{ orbit_table.clone() }
"""),
("md", r"""
## 3 · Geometry (seed 000 Fig. 1) and one encounter in time

The orbital plane is the x–y plane; galaxy 1's disc lies in it ($i_1 = 0$) and galaxy 2's disc is tilted by the relative inclination $i$. The observer looks along a direction at angle θ from the orbital-plane normal (θ = 0: orbit seen face-on; ±90°: edge-on) and azimuth φ.

Below: a gSa–gSa pair on orbit 1 (parabolic, 8 kpc pericentre) with $i = 45°$, prograde. First the two centres' paths in the orbital plane; **notice** that the extended galaxies' pericentre differs from the point-mass value: once inside each other's haloes they attract each other less than point masses would, so they pass a little wider. The pericentre time is found from the centres' motion, not assumed.
"""),
("code", r"""
let pc = PairConfig::galmer(Morphology::GSa, Morphology::GSa, MassRatio::OneToOne, 1, 45.0, Spin::Prograde)?.with_particles(particles).with_seed(1);
let enc = Encounter::new(pc.clone(), SimConfig::default())?;
println!("pericentre {:.1} kpc at {:.0} Myr (point-mass orbit: {:.0} kpc at {:.0} Myr)", enc.pericentre_kpc, enc.pericentre_myr, pc.orbit.r_peri, enc.kepler_pericentre_myr);
"""),
("code", r"""
{
let track = enc.centre_track(enc.pericentre_myr + 400.0, 5.0)?;
let g1: Vec<(f64, f64)> = track.pos.iter().map(|p| (p[0][0], p[0][1])).collect();
let g2: Vec<(f64, f64)> = track.pos.iter().map(|p| (p[1][0], p[1][1])).collect();
Figure::new("Centres in the orbital plane, to pericentre + 400 Myr", "x [kpc]", "y [kpc]")
    .with(Series::line("galaxy 1", g1)).with(Series::line("galaxy 2", g2))
}
"""),
("md", r"""
The encounter from 300 Myr before to 300 Myr after pericentre, seen at θ = 30°, φ = 60°. **Notice** the tidal bridge and tails that grow after the pericentric passage; seed 000 used the snapshot **at** pericentre.
"""),
("code", r"""
let times: Vec<SnapshotTime> = [-300.0, -150.0, 0.0, 150.0, 300.0].iter().map(|&t| SnapshotTime::FromPericentre(t)).collect();
let snaps = enc.snapshots(&times)?;
let view = ViewAngles::new(30.0, 60.0)?;
"""),
("code", r"""
{
let imgs: Vec<Image> = snaps.iter().map(|s| render_pair(s, view, &rcfg).map(|p| Image { width: size, height: size, data: p.stretched(4.0).unwrap() })).collect::<Result<_>>()?;
let labels: Vec<String> = [-300, -150, 0, 150, 300].iter().map(|t| format!("t_peri {t:+} Myr")).collect();
let fig = montage(&imgs, 5, 1, Stretch::Linear, Some(&labels), None)?;
fig
}
"""),
("md", r"""
## 4 · One snapshot, many viewing angles

One simulation serves every (θ, φ): only the projection changes. **Notice** that θ and −θ look alike — in the orbital plane they are identical, only galaxy 2's tilted disc differs. Notebook 08 comes back to this.
"""),
("code", r"""
{
let peri = enc.at_pericentre()?;
let views: Vec<ViewAngles> = [-90.0, -45.0, 0.0, 45.0, 90.0].iter().map(|&t| ViewAngles::new(t, 60.0).unwrap()).collect();
let rendered = render_pair_views(&peri, &views, &rcfg)?;
let imgs: Vec<Image> = rendered.iter().map(|p| Image { width: size, height: size, data: p.stretched(4.0).unwrap() }).collect();
let labels: Vec<String> = views.iter().map(|v| format!("θ = {}°", v.theta_deg)).collect();
println!("largest mass fraction outside a frame: {:.2e}", rendered.iter().map(|p| p.fraction_outside).fold(0.0, f64::max));
let fig = montage(&imgs, 5, 1, Stretch::Linear, Some(&labels), None)?;
fig
}
"""),
("md", r"""
## 5 · The relative inclination i at pericentre

The quantity the seed's classifiers predict. Same orbit and view (θ = 35°), $i$ = 0°, 45° and 90°. **Notice** how the second disc goes from face-on-like (parallel to the first) to edge-on-like.
"""),
("code", r"""
{
let mut imgs = Vec::new();
for i in [0.0, 45.0, 90.0] {
    let c = PairConfig::galmer(Morphology::GSa, Morphology::GSb, MassRatio::OneToOne, 1, i, Spin::Prograde)?.with_particles(particles).with_seed(2);
    let snap = Encounter::new(c, SimConfig::default())?.at_pericentre()?;
    let p = render_pair(&snap, ViewAngles::new(35.0, 60.0)?, &rcfg)?;
    imgs.push(Image { width: size, height: size, data: p.stretched(4.0)? });
}
let labels: Vec<String> = ["i = 0°", "i = 45°", "i = 90°"].iter().map(|s| s.to_string()).collect();
let fig = montage(&imgs, 3, 1, Stretch::Linear, Some(&labels), None)?;
fig
}
"""),
("md", r"""
## 6 · Prograde vs retrograde (Toomre & Toomre 1972)

A disc spinning **with** the orbit resonates with the passing companion and throws out long tails; a retrograde disc barely reacts. Both at $i = 0$, 250 Myr after pericentre, seen face-on (θ = 0). `tests/pairs.rs` measures this as the fraction of disc particles thrown beyond twice the disc radius.
"""),
("code", r"""
{
let mut imgs = Vec::new();
for spin in [Spin::Prograde, Spin::Retrograde] {
    let c = PairConfig::galmer(Morphology::GSa, Morphology::GSa, MassRatio::OneToOne, 1, 0.0, spin)?.with_particles(particles).with_seed(3);
    let snap = Encounter::new(c, SimConfig::default())?.snapshots(&[SnapshotTime::FromPericentre(250.0)])?.remove(0);
    let p = render_pair(&snap, ViewAngles::new(0.0, 0.0)?, &rcfg)?;
    imgs.push(Image { width: size, height: size, data: p.stretched(4.0)? });
}
let labels: Vec<String> = ["prograde", "retrograde"].iter().map(|s| s.to_string()).collect();
let fig = montage(&imgs, 2, 1, Stretch::Linear, Some(&labels), None)?;
fig
}
"""),
("md", r"""
## 7 · The two-class dataset (i = 0° vs 45°)

The seed's first experiment: i ∈ {0°, 45°}, θ ∈ {0, 20, 35, 50, 65, 80}°, 1:1 gSa/gSb pairs on all orbits and both spins, at pericentre ± 25 Myr, random azimuth. Stored in HDF5 with every label (i, θ, φ, orbit, spin, types, mass ratio, time from pericentre, seed, config). **Notice** how hard the task is by eye: the label is the relative tilt of the two discs, not any single obvious feature.
"""),
("code", r"""
let path = std::path::PathBuf::from(format!("../data/generated/pairs_two_class_{mode}.h5"));
{
    let cfg = match mode { RunMode::Quick => PairDatasetConfig::quick(Experiment::TwoClass, 120), RunMode::Full => PairDatasetConfig::new(Experiment::TwoClass, 10_000) };
    let r = generate_pairs_dataset(&PairDatasetConfig { seed: 11, ..cfg }, &path, &mut |_| {})?;
    println!("{} images from {} simulations in {:.1} s ({:.0} images/s)", r.images, r.simulations, r.seconds, r.images as f64 / r.seconds);
}
let two = PairH5::open(&path)?;
"""),
("code", r"""
{
let picks: Vec<usize> = (0..12).map(|k| k * 7 % two.count).collect();
let imgs: Vec<Image> = picks.iter().map(|&k| two.image(k)).collect::<Result<_>>()?;
let labels: Vec<String> = picks.iter().map(|&k| format!("i={} θ={}", two.labels[k].i_deg, two.labels[k].theta_deg)).collect();
let fig = montage(&imgs, 6, 2, Stretch::Linear, Some(&labels), None)?;
fig
}
"""),
])
