//! Neural networks (burn): one model per file, each saying which paper figure/table it serves.

pub mod alexnet;
pub mod classifier;
pub mod compact;
pub mod qnet;
pub mod regressor;
pub mod thetanet;

/// Checks one input image for a network's feature maps: `channels × size × size` finite values.
pub(crate) fn check_pixels(pixels: &[f32], channels: usize, size: usize) -> crate::Result<()> {
    let per = channels * size * size;
    if pixels.len() != per {
        return Err(crate::Error::invalid(
            "pixels.len()",
            pixels.len(),
            format!("expected {channels} × {size} × {size} = {per}"),
        ));
    }
    if let Some(i) = pixels.iter().position(|v| !v.is_finite()) {
        return Err(crate::Error::invalid(
            &format!("pixel {i}"),
            pixels[i],
            "must be finite",
        ));
    }
    Ok(())
}

/// Channel `channel` of the first image of an activation `[1, C, H, W]`, as an image (the feature
/// maps of seed Fig. 2).
pub(crate) fn channel_image(
    a: burn::tensor::Tensor<4>,
    channel: usize,
) -> crate::Result<crate::image::Image> {
    let [_, _, h, w] = a.dims();
    let data = a
        .narrow(1, channel, 1)
        .into_data()
        .try_to_vec::<f32>()
        .map_err(|e| crate::Error::Model(format!("{e:?}")))?;
    Ok(crate::image::Image {
        width: w,
        height: h,
        data,
    })
}
