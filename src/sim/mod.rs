//! Galaxy simulators. Profiles (what the light is) are kept apart from rendering (how it
//! becomes pixels), as in GalSim.

pub mod quad;
pub mod sersic;
