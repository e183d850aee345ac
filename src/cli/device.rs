//! `galaxy-lab device agree`: the same training steps on the chosen device and on the CPU
//! ([`crate::train::device_agreement`]), for the GPU check (`scripts/gpu_check.sh`).

use crate::device::{Backend, chosen, cpu_device};
use crate::error::Result;
use crate::train::device_agreement::{AgreementNet, agreement};
use clap::{Args, Subcommand};
use std::path::PathBuf;

/// Devices: compare the chosen one with the CPU.
#[derive(Debug, Subcommand)]
pub enum DeviceCmd {
    /// A few training steps of each network from the same weights on the chosen device
    /// (`GALAXY_LAB_DEVICE`) and on the CPU; the losses of each step side by side.
    Agree(AgreeArgs),
}

/// Arguments of `device agree`.
#[derive(Debug, Args)]
pub struct AgreeArgs {
    /// Networks, comma-separated: qnet, compact, thetanet.
    #[arg(long, default_value = "qnet,compact,thetanet")]
    nets: String,
    /// Images per batch.
    #[arg(long, default_value_t = 8)]
    batch: usize,
    /// Updates.
    #[arg(long, default_value_t = 5)]
    steps: usize,
    /// Seed of the initial weights and the batch.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Write the comparisons as JSON here.
    #[arg(long)]
    json: Option<PathBuf>,
}

pub fn run(cmd: DeviceCmd) -> Result<()> {
    match cmd {
        DeviceCmd::Agree(a) => agree(a),
    }
}

fn agree(a: AgreeArgs) -> Result<()> {
    let nets: Vec<AgreementNet> = a
        .nets
        .split(',')
        .map(|s| AgreementNet::parse(s.trim()))
        .collect::<Result<_>>()?;
    let c = chosen();
    if let Some(n) = &c.note {
        eprintln!("device: {n}");
    }
    if c.backend == Backend::Cpu {
        println!(
            "device agree: the chosen device is the CPU, so this compares the CPU with itself"
        );
    }
    let cpu = cpu_device();
    let mut all = Vec::new();
    let mut failed = Vec::new();
    for net in nets {
        let r = agreement(net, a.batch, a.steps, a.seed, &c.device, &cpu)?;
        println!(
            "{:<9} {} vs {}: losses {:?} vs {:?}; largest relative difference {:.2e} (tolerance \
             {:.0e}): {}",
            net.name(),
            r.device_a,
            r.device_b,
            r.losses_a
                .iter()
                .map(|v| format!("{v:.6}"))
                .collect::<Vec<_>>(),
            r.losses_b
                .iter()
                .map(|v| format!("{v:.6}"))
                .collect::<Vec<_>>(),
            r.max_relative_difference,
            r.tolerance,
            if r.agree { "agree" } else { "DIFFER" }
        );
        if !r.agree {
            failed.push(net.name());
        }
        all.push(r);
    }
    if let Some(p) = a.json {
        crate::io::write_json(p, &all)?;
    }
    if failed.is_empty() {
        Ok(())
    } else {
        Err(crate::error::Error::Model(format!(
            "the chosen device and the CPU differ beyond the tolerance for: {}",
            failed.join(", ")
        )))
    }
}
