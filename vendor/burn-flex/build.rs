//! galaxy-lab's patch marker: tells crates that depend on burn-flex directly that this is the
//! patched build (the unpadded 2 × 2 / 3 × 3 max-pool fast path; im2col + gemm convolution
//! forward and gradients, stride-1 convolutions' forward and input gradient and ungrouped undilated ones'
//! weight gradient computed directly with AVX-512; fused batch norm (training, AVX-512 sums;
//! inference of a million values and more); element-wise maps of large tensors in parallel
//! chunks; matmuls with a transposed right-hand side computed column-major; new buffers without
//! a realigning copy), through
//! `DEP_BURN_FLEX_GALAXY_LAB_PATCH_*`.
fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:pool=2x2-3x3-unpadded-fast-path-avx512-planes");
    println!("cargo:conv_backward=im2col-gemm+direct-weight-grad+direct-stride1-avx512+bias-plane-sums");
    println!("cargo:conv_forward=im2col-gemm+direct-stride1-avx512");
    println!("cargo:batch_norm=fused-train-avx512-sums+fused-inference-from-1m");
    println!("cargo:elementwise=parallel-from-64k");
    println!("cargo:matmul=column-major-for-transposed-rhs+no-realigning-copy");
}
