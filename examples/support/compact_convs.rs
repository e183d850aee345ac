//! The compact classifier's convolutions at a 64² input (`models::compact`), for the examples
//! that time them layer by layer (`compact_layer_profile`, `compact_op_profile`).

/// (in, out, kernel, stride, padding, input side, how many such layers the network has): the
/// 5 × 5 stride-2 stem, then the 3 × 3 padding-1 stages at 16², 8², 4².
pub const COMPACT_CONVS: [(usize, usize, usize, usize, usize, usize, usize); 6] = [
    (1, 32, 5, 2, 2, 64, 1),
    (32, 32, 3, 1, 1, 16, 2),
    (32, 64, 3, 1, 1, 8, 1),
    (64, 64, 3, 1, 1, 8, 1),
    (64, 128, 3, 1, 1, 4, 1),
    (128, 128, 3, 1, 1, 4, 1),
];
