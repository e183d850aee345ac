import sys; sys.path.insert(0, "scripts")
from nb import write
DEP = ':dep galaxy-lab = { path = ".." }'
write("notebooks/00_tour.ipynb", [
("md", """
# 00 · A tour of galaxy-lab

galaxy-lab reproduces two pieces of galaxy deep-learning research in Rust notebooks:

* **Seed 000** — Prakash, Banerjee & Perepu (MNRAS 2020): CNNs recover the relative disc inclination *i* and the viewing angle *θ* of interacting galaxy pairs;
* **Seed 001** — Hidalgo Mahmud (2023): a CNN with a Gaussian output infers the intrinsic axis ratio *q* of Sérsic-disc galaxies.

This tour checks that everything works: it loads the library, shows an inline **plot**, an inline **image** and an HTML **table**, and says which **device** (CPU or GPU) and which **mode** it runs in. The first run compiles the library and its dependencies inside the kernel (minutes); later runs reuse the cache (`notebooks/evcxr.toml`).

**Mode.** `make test` runs every notebook with `GALAXY_LAB_MODE=quick` (small, fast); `make reproduce MODE=full` runs the paper-scale configuration. The numbers printed below say which mode produced them.
"""),
("code", DEP),
("md", """
`setup()` is the first call of every notebook. It installs a panic hook (a panicking cell then stops the kernel, so a headless run fails instead of silently carrying on), reads the mode, and picks the device: CUDA when the library was built with `--features cuda` and a GPU is present, otherwise burn's pure-Rust CPU backend.
"""),
("code", """
use galaxy_lab::prelude::*;
let session = setup();
let mode = session.mode;
"""),
("md", """
## An inline plot

The Sérsic profile $I(R) = I_e \\exp\\{-b_n[(R/R_e)^{1/n} - 1]\\}$ (seed 001, Eq. 2) needs the constant $b_n$, the root of $\\Gamma(2n) = 2\\gamma(2n, b_n)$ (Eq. 3), so that $R_e$ encloses half the light. We solve it numerically. **Notice** how close $b_n$ stays to the straight line $2n - 1/3$ (the leading term of Ciotti & Bertin's expansion) except at small $n$.
"""),
("code", """
{
    let ns: Vec<f64> = (0..=98).map(|k| 0.2 + 0.1 * k as f64).collect();
    let exact: Vec<(f64, f64)> = ns.iter().map(|&n| (n, sersic_bn(n).unwrap())).collect();
    let approx: Vec<(f64, f64)> = ns.iter().map(|&n| (n, 2.0 * n - 1.0 / 3.0)).collect();
    Figure::new("Sérsic b_n: numerical root vs 2n − 1/3", "Sérsic index n", "b_n")
        .with(Series::line("numerical root of Γ(2n) = 2γ(2n, b)", exact))
        .with(Series::line("2n − 1/3", approx))
}
"""),
("md", """
## An inline image

One of seed 001's model galaxies: a Sérsic disc ($n = 1$, $R_e = 10$ px) with a Gaussian vertical profile of flattening $q = 0.3$, seen at inclination $i = 60°$, on the thesis's 64 × 64 grid. The image is the line-of-sight integral of the 3-D light (log stretch for display). **Notice** the disc is flattened along the vertical (minor) axis.
"""),
("code", """
let galaxy = SersicDisc::new(1.0, 1.0, 10.0, 0.3)?;
let img = render_sersic(&galaxy, 60.0)?;
img
"""),
("md", """
## An HTML table

Tables show the paper's number beside ours. Here: $b_n$ for a few indices, ours (numerical root) against the values quoted in the literature (Ciotti & Bertin 1999; $b_{1/2} = \\ln 2$ exactly).
"""),
("code", """
let mut t = Table::new(format!("b_n: literature vs galaxy-lab ({mode} mode)"), &["n", "literature", "galaxy-lab", "difference"]);
for (n, lit) in [(0.5, std::f64::consts::LN_2), (1.0, 1.678_346_990_016_661), (4.0, 7.669_249_443)] {
    let ours = sersic_bn(n)?;
    t.push_row(&[format!("{n}"), format!("{lit:.10}"), format!("{ours:.10}"), format!("{:.1e}", ours - lit)])?;
}
t
"""),
("md", """
## Where this runs

The same cells run on a laptop CPU and a CUDA box: tensors carry their device, and `device()` picks it at run time. A tiny tensor computation proves the backend works.
"""),
("code", """
let d = device();
let t = Tensor::<1>::from_floats([1.0, 2.0, 3.0, 4.0], &d);
let total: f32 = t.sum().into_scalar();
println!("device: {} | sum of [1, 2, 3, 4] = {total}", device_name(&d));
"""),
])
