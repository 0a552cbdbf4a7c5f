"""Making what the labs declare from the fetched inputs: data sets, sprite sheets,
pretrained models, the SIMD kernels, the pytfjs and pyfive wheels."""
