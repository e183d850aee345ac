//! Galaxy simulators. Profiles (what the light is) are kept apart from rendering (how it
//! becomes pixels), as in GalSim.

pub mod pair;
pub mod quad;
pub mod sersic;
