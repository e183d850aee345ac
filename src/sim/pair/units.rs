//! GalMer's unit system (Di Matteo et al. 2007; Chilingarian et al. 2010): lengths in kpc, masses
//! in 2.3·10⁹ M☉ and G = 1. Velocities and times follow:
//! * velocity unit `√(G · 2.3·10⁹ M☉ / kpc)` = 99.46 km/s,
//! * time unit `kpc / velocity unit` = 9.831 Myr.
//!
//! The simulator works in these units throughout; public configuration takes times in Myr and
//! reports them in Myr (conversion helpers below).

/// Solar masses per mass unit.
pub const MASS_UNIT_MSUN: f64 = 2.3e9;
/// G in kpc (km/s)² / M☉ (IAU 2015 G with 1 kpc = 3.0857·10¹⁶ km).
pub const G_KPC_KMS2_PER_MSUN: f64 = 4.300_917e-6;
/// km/s per velocity unit: √(G · 2.3·10⁹) = 99.46 km/s.
pub const VELOCITY_UNIT_KMS: f64 = 99.459_083;
/// Myr per time unit: (kpc / km s⁻¹ = 977.79 Myr) / 99.46 = 9.831 Myr.
pub const TIME_UNIT_MYR: f64 = 977.792_2 / VELOCITY_UNIT_KMS;

/// Myr → internal time units.
pub fn myr_to_units(t_myr: f64) -> f64 {
    t_myr / TIME_UNIT_MYR
}

/// Internal time units → Myr.
pub fn units_to_myr(t: f64) -> f64 {
    t * TIME_UNIT_MYR
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constants_are_consistent() {
        let v = (G_KPC_KMS2_PER_MSUN * MASS_UNIT_MSUN).sqrt();
        assert!((v - VELOCITY_UNIT_KMS).abs() < 1e-4, "{v}");
        assert!((TIME_UNIT_MYR - 9.831).abs() < 1e-3, "{TIME_UNIT_MYR}");
        assert!((units_to_myr(myr_to_units(123.0)) - 123.0).abs() < 1e-12);
    }
}
